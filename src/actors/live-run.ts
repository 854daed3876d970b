import type { StageOutcome } from '../contracts/execution.js';
import type { RunPlan } from '../domain/run.js';
import type { RunEvent } from '../machines/events.js';
import type { NewRunRow, RunStateRow } from '../persistence/runs/run-batch.js';
import type { RunActor } from './machine-runtime.js';

/** Who sent an event: recorded on the timeline and the audit trail. */
export interface EventActor {
  type: 'api_key' | 'cli' | 'system';
  id: string | null;
}

/** The label of an actor on the timeline: `key:<id>`, `system`, `cli`. */
export function actorLabel(a: EventActor): string {
  return a.type === 'api_key' ? `key:${a.id}` : a.type;
}

/** A command's idempotency record, written in the same commit as the event it carries. */
export interface CommandIdempotency {
  key: string;
  command: string;
  requestHash: string;
  /** The answer to store, built once the event is applied. */
  respond: (applied: Applied) => { statusCode: number; body: Record<string, unknown> };
}

/** An event submitted to a run, waiting in its mailbox. */
export interface Submission {
  /** The event; `at` is stamped by the host when it is applied. */
  event: DistributiveOmit<RunEvent, 'at'>;
  /** Unique per run: a second submission with the same id is a no-op. */
  eventId: string;
  /** When the event happened, if known (a worker's start time); default: when the host applies it. */
  at?: number;
  actor: EventActor;
  /** Refuse with 409 unless the run is at this version. */
  expectedVersion?: number;
  /** Refuse with 409 when the run's state does not accept the event (commands). */
  mustApply?: boolean;
  command?: CommandIdempotency;
  /** The stage outcome to record with the event (a result that is not stored yet). */
  result?: StageOutcome;
  requestId?: string;
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** What a submission led to, once committed. */
export interface Applied {
  runId: string;
  version: number;
  status: string;
  state: string;
  /** True when the event had been processed before: nothing changed. */
  duplicate: boolean;
  /** True when the run's state did not accept the event (stale result or timer): nothing was written. */
  ignored?: boolean;
}

/** A submission and the promise waiting for its commit. */
export interface Pending {
  submission: Submission;
  resolve: (applied: Applied) => void;
  reject: (err: unknown) => void;
}

/**
 * A run held by this host: its actor and the bookkeeping of its durable log. `version` counts
 * applied events (committed or in the batch being written); `committedVersion` what is durable.
 */
export class LiveRun {
  mailbox: Pending[] = [];
  /** Set while a batch holding this run's events is being committed (a run is in one batch at a time). */
  inFlight = false;
  /** Present until the run's first commit: the row to insert. */
  newRow: Omit<NewRunRow, keyof RunStateRow> | null = null;
  committedVersion: number;

  constructor(
    readonly id: string,
    readonly tenantId: string,
    readonly contextSnapshotId: string,
    readonly plan: RunPlan,
    public actor: RunActor,
    public version: number,
    public eventSeq: number,
    /** Ids of every event this run has processed. */
    readonly seen: Set<string>,
  ) {
    this.committedVersion = version;
  }
}
