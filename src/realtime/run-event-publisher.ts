import type { Knex } from '@mikro-orm/postgresql';
import type { CommittedBatch, CommittedStep } from '../actors/commit-listeners.js';
import type { StageOutcome } from '../contracts/execution.js';
import type { Logger } from '../observability/logger.js';
import { mapStep, runListEventOf, stepNeeds, type AttemptOutput, type StepDetails } from './event-mapper.js';
import { runListRoom, runRoom } from './rooms.js';
import { attemptOutputs, tokensThrough } from './step-lookups.js';

/**
 * Where events go: a Socket.IO server (its rooms, local or shared through the Redis adapter) or a
 * Redis emitter. `hasListeners` lets a single-process server skip runs nobody watches; a target
 * that cannot know (Redis: other instances' rooms) answers true.
 */
export interface RealtimeTarget {
  emit(room: string, event: string, payload: unknown): void;
  hasListeners(room: string): boolean;
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
 * Cheap on the hot path: a step whose events need nothing but the batch is emitted synchronously.
 * A step that needs the database (the token count of a changed cost, or an attempt output the batch
 * does not carry) is emitted after its lookup; later steps of the same run wait for it, so every
 * run's events stay in order.
 */
export class RunEventPublisher {
  private readonly chains = new Map<string, Promise<void>>();

  constructor(private readonly opts: RunEventPublisherOptions) {}

  /** Publishes a committed batch (synchronous unless a step needs a lookup). */
  publish(batch: CommittedBatch): void {
    const byRun = new Map<string, CommittedStep[]>();
    for (const step of batch.events) {
      const list = byRun.get(step.runId);
      if (list) list.push(step);
      else byRun.set(step.runId, [step]);
    }
    let outcomes: Map<string, StageOutcome> | null = null;
    const outcome = (key: string) => {
      outcomes ??= new Map(batch.results.map((r) => [r.key, r]));
      return outcomes.get(key);
    };
    for (const [runId, steps] of byRun) {
      const tenantId = steps[0]?.tenantId ?? '';
      const watched = this.opts.target.hasListeners(runRoom(tenantId, runId));
      const listed = this.opts.target.hasListeners(runListRoom(tenantId));
      if (!watched && !listed) continue;
      const prepared = steps.map((step) => this.prepare(step, batch.committedAt, watched ? outcome : () => undefined));
      const pending = watched && prepared.some((p) => p.lookups.length > 0);
      const previous = this.chains.get(runId);
      if (!pending && !previous) {
        for (const p of prepared) this.emit(p.step, p.details, watched);
        continue;
      }
      const next = (previous ?? Promise.resolve())
        .then(async () => {
          for (const p of prepared) {
            await this.complete(p);
            this.emit(p.step, p.details, watched);
          }
        })
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

  private prepare(step: CommittedStep, at: number, outcome: (key: string) => StageOutcome | undefined) {
    const needs = stepNeeds(step);
    const known = (key: string | null): AttemptOutput | null => {
      const o = key ? outcome(key) : undefined;
      return o ? { output: o.output, artifacts: o.artifacts } : null;
    };
    const changed = step.costUsd !== step.costBefore;
    const details: StepDetails = { at, cost: changed ? { costUsd: step.costUsd, tokens: 0 } : null, review: known(needs.review), consolidation: known(needs.consolidation) };
    const lookups: Array<'tokens' | 'review' | 'consolidation'> = [];
    if (changed) lookups.push('tokens');
    if (needs.review && !details.review) lookups.push('review');
    if (needs.consolidation && !details.consolidation) lookups.push('consolidation');
    return { step, details, needs, lookups };
  }

  /** Fills in what a step's events need from the database; a failed lookup leaves that event out. */
  private async complete(p: ReturnType<RunEventPublisher['prepare']>): Promise<void> {
    if (p.lookups.length === 0) return;
    const knex = this.opts.knex();
    const warn = (err: unknown) => this.opts.logger.warn({ err, runId: p.step.runId, seq: p.step.seq }, 'a realtime lookup failed; the step is published without the event that needed it');
    if (p.lookups.includes('tokens') && p.details.cost) {
      try {
        const tokens = await tokensThrough(knex, p.step.runId, [p.step.seq]);
        p.details.cost = { ...p.details.cost, tokens: tokens.get(p.step.seq) ?? 0 };
      } catch (err) {
        p.details.cost = null;
        warn(err);
      }
    }
    const keys = [p.lookups.includes('review') ? p.needs.review : null, p.lookups.includes('consolidation') ? p.needs.consolidation : null]
      .filter((k): k is string => k !== null);
    if (keys.length === 0) return;
    try {
      const found = await attemptOutputs(knex, keys);
      if (p.needs.review && !p.details.review) p.details.review = found.get(p.needs.review) ?? null;
      if (p.needs.consolidation && !p.details.consolidation) p.details.consolidation = found.get(p.needs.consolidation) ?? null;
    } catch (err) {
      warn(err);
    }
  }

  private emit(step: CommittedStep, details: StepDetails, watched: boolean): void {
    const { target } = this.opts;
    if (watched) {
      const room = runRoom(step.tenantId, step.runId);
      for (const event of mapStep(step, details)) target.emit(room, event.type, event);
    }
    const listed = runListEventOf(step, details.at);
    if (listed) target.emit(runListRoom(step.tenantId), listed.type, listed);
  }
}
