import type { StageOutcome } from '../contracts/execution.js';
import type { Logger } from '../observability/logger.js';
import type { RunBatch } from '../persistence/runs/run-batch.js';

/** One committed step of a run, as commit listeners see it (its timeline row plus the run's cost). */
export interface CommittedStep {
  runId: string;
  tenantId: string;
  seq: number;
  type: string;
  /** The event's payload (as written to the timeline). */
  payload: Record<string, unknown>;
  fromState: string;
  toState: string;
  version: number;
  /** When the host applied the event (epoch ms; the timeline row's `created_at`). */
  at: number;
  stages: Array<{ stageRunId: string; stageId: string; from: string | null; to: string }>;
  /** The run's accumulated cost before and after the step. */
  costBefore: number;
  costUsd: number;
}

/** What a committed batch carried, for listeners (realtime, metrics). */
export interface CommittedBatch {
  /** Bytes of row data the commit sent (its JSON payloads). */
  bytes: number;
  /** When the commit returned (epoch ms, the host's clock). */
  committedAt: number;
  /** Snapshot bytes written per run in this commit (computed when first read). */
  readonly snapshots: Array<{ runId: string; bytes: number }>;
  /** The steps, in the order they were applied (per run: by `seq`). */
  events: CommittedStep[];
  /** The attempt outcomes committed with the steps (outputs and artifact references included). */
  results: readonly StageOutcome[];
}

/** A commit listener. */
export type CommitListener = (batch: CommittedBatch) => void;

/**
 * The run host's commit listeners, and what they are handed: with none registered, a commit costs
 * nothing here.
 */
export class CommitListeners {
  private readonly listeners: CommitListener[] = [];

  constructor(private readonly logger: Logger) {}

  /** Adds a listener; returns a function that removes it. */
  add(listener: CommitListener): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /** Hands a committed batch to every listener, synchronously; a throwing listener is logged. */
  notify(committed: RunBatch, bytes: number, committedAt: number): void {
    if (this.listeners.length === 0 || committed.events.length === 0) return;
    let snapshots: CommittedBatch['snapshots'] | null = null;
    const batch: CommittedBatch = {
      events: committed.events,
      results: committed.results,
      bytes,
      committedAt,
      // Measured only when a listener reads it (benchmarks); JSON length of each written snapshot.
      get snapshots() {
        snapshots ??= [...committed.newRuns, ...committed.states].map((s) => ({ runId: s.id, bytes: JSON.stringify(s.snapshot).length }));
        return snapshots;
      },
    };
    for (const listener of this.listeners) {
      try {
        listener(batch);
      } catch (err) {
        this.logger.error({ err }, 'commit listener failed');
      }
    }
  }
}
