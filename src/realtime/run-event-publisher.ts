import type { Knex } from '@mikro-orm/postgresql';
import type { CommittedBatch, CommittedStep } from '../actors/commit-listeners.js';
import type { StageOutcome } from '../contracts/execution.js';
import type { Logger } from '../observability/logger.js';
import { mapStep, runListEventOf } from './event-mapper.js';
import { runListRoom, runRoom } from './rooms.js';
import { knownDetails, stepDetails, type DetailedStep, type KnownOutputs } from './step-lookups.js';

/**
 * Where events go: a Socket.IO server (its rooms, local or shared through the Redis adapter) or a
 * Redis emitter. `hasListeners` lets a single-process server skip runs nobody watches; a target
 * that cannot know (Redis: other instances' rooms) answers true.
 */
export interface RealtimeTarget {
  emit(room: string, event: string, payload: unknown): void;
  hasListeners(room: string): boolean;
}

/** A run's steps in a batch, and whether its room has listeners (else only its tenant's run list has). */
interface RunSteps {
  steps: CommittedStep[];
  watched: boolean;
}

/** What the publisher needs. */
export interface RunEventPublisherOptions {
  /** The database (for the few steps whose events need a lookup). */
  knex: () => Knex;
  target: RealtimeTarget;
  logger: Logger;
}

/**
 * Publishes committed run steps (a {@link RunHost} commit listener): every step becomes the events
 * of {@link mapStep} in its run's room and, when the run's status changed, a `runs.changed` in its
 * tenant's run-list room. Called after the commit, in commit order.
 *
 * Cheap on the hot path: runs nobody watches or lists are skipped after their room checks, and a
 * run's steps whose events need nothing but the batch are emitted synchronously. When some need the
 * database (the token count of a changed cost, or an attempt output the batch does not carry), the
 * run's steps are emitted after one lookup for all of them ({@link stepDetails}); the run's later
 * batches wait for it, so every run's events stay in order.
 */
export class RunEventPublisher {
  private readonly chains = new Map<string, Promise<void>>();

  constructor(private readonly opts: RunEventPublisherOptions) {}

  /** Publishes a committed batch (synchronous unless a step needs a lookup). */
  publish(batch: CommittedBatch): void {
    const runs = this.receivedRuns(batch);
    if (runs.size === 0) return;
    let outcomes: Map<string, StageOutcome> | null = null;
    const known: KnownOutputs = (key) => {
      outcomes ??= new Map(batch.results.map((r) => [r.key, r]));
      const o = outcomes.get(key);
      return o ? { output: o.output, artifacts: o.artifacts } : null;
    };
    for (const [runId, { steps, watched }] of runs) {
      const facts = steps.map((step) => ({ step, at: batch.committedAt, cost: { before: step.costBefore, after: step.costUsd } }));
      const previous = this.chains.get(runId);
      // Only a watched run's events need more than the batch; the run list needs only the steps.
      const detailed = watched ? knownDetails(facts, known) : facts.map(({ step, at }) => ({ step, details: { at, cost: null, review: null, consolidation: null } }));
      if (detailed && !previous) {
        this.emit(detailed, watched);
        continue;
      }
      const warn = (err: unknown) => this.opts.logger.warn({ err, runId }, 'a realtime lookup failed; the steps are published without the events that needed it');
      const next = (previous ?? Promise.resolve())
        .then(async () => this.emit(detailed ?? (await stepDetails(this.opts.knex(), runId, facts, known, warn)), watched))
        .catch((err: unknown) => this.opts.logger.error({ err, runId }, 'publishing run events failed'))
        .finally(() => {
          if (this.chains.get(runId) === next) this.chains.delete(runId);
        });
      this.chains.set(runId, next);
    }
  }

  /** Resolves when every lookup started so far has been published. */
  async idle(): Promise<void> {
    while (this.chains.size > 0) await Promise.all([...this.chains.values()]);
  }

  /**
   * The batch's steps of the runs someone watches (their room) or lists (their tenant's run list),
   * grouped by run; a run nobody receives costs its room checks and nothing else.
   */
  private receivedRuns(batch: CommittedBatch): Map<string, RunSteps> {
    const { target } = this.opts;
    const runs = new Map<string, RunSteps>();
    const ignored = new Set<string>();
    const listed = new Map<string, boolean>();
    for (const step of batch.events) {
      const run = runs.get(step.runId);
      if (run) {
        run.steps.push(step);
        continue;
      }
      if (ignored.has(step.runId)) continue;
      let list = listed.get(step.tenantId);
      if (list === undefined) listed.set(step.tenantId, (list = target.hasListeners(runListRoom(step.tenantId))));
      const watched = target.hasListeners(runRoom(step.tenantId, step.runId));
      if (watched || list) runs.set(step.runId, { steps: [step], watched });
      else ignored.add(step.runId);
    }
    return runs;
  }

  private emit(steps: ReadonlyArray<DetailedStep<CommittedStep>>, watched: boolean): void {
    const { target } = this.opts;
    for (const { step, details } of steps) {
      if (watched) {
        const room = runRoom(step.tenantId, step.runId);
        for (const event of mapStep(step, details)) target.emit(room, event.type, event);
      }
      const listed = runListEventOf(step, details.at);
      if (listed) target.emit(runListRoom(step.tenantId), listed.type, listed);
    }
  }
}
