import type { StageJob, StageOutcome } from '../contracts/execution.js';
import { PlatformError } from '../domain/errors.js';
import { uuidv7 } from '../domain/ids.js';
import { attemptKey, isTerminalRunStatus, type StageStatus } from '../domain/run.js';
import type { RunEffect } from '../machines/effects.js';
import type { RunEvent } from '../machines/events.js';
import { emptyBatch, type RunBatch, type RunStateRow, type StageRunRow } from '../persistence/runs/run-batch.js';
import type { TimerRequest } from './execution-port.js';
import { actorLabel, type Applied, type LiveRun, type Pending } from './live-run.js';
import { statusOf, stateString, type MachineRuntime, type StageState } from './machine-runtime.js';

/** The effects of a committed batch, ready for the execution layer. */
export interface Delivery {
  jobs: StageJob[];
  timers: TimerRequest[];
  aborts: string[];
}

/** A submission's fate once the batch is committed. */
export type Outcome = { pending: Pending; applied: Applied } | { pending: Pending; error: unknown } | { pending: Pending; duplicateOf: LiveRun };

/** StageRun states after which it never changes. */
/** StageRun states recorded as rows: a succeeded StageRun is recorded by its last attempt's outcome. */
const FINISHED = new Set(['failed', 'cancelled']);

const STAGE_STATUS: Record<string, StageStatus> = {
  queued: 'queued', running: 'running', retry_wait: 'retry_wait', succeeded: 'succeeded', failed: 'failed', cancelled: 'cancelled',
};

/**
 * Applies submissions to live runs, one macrostep each, and records everything the steps wrote
 * into one {@link RunBatch}: the event (timeline + idempotency + the effects it asked for: the
 * outbox), finished StageRuns,
 * audit events, command records, stage results, and per run its final snapshot. Nothing is
 * delivered or answered here: that waits for the commit.
 */
export class BatchBuilder {
  readonly batch: RunBatch = emptyBatch();
  readonly delivery: Delivery = { jobs: [], timers: [], aborts: [] };
  readonly outcomes: Outcome[] = [];
  readonly runs = new Set<LiveRun>();
  private readonly stageRows = new Map<string, StageRunRow>();

  constructor(
    private readonly runtime: MachineRuntime,
    private readonly hostId: string,
    private readonly now: () => number,
  ) {}

  /** Applies one submission to its run (or refuses it) and records what it wrote. */
  apply(run: LiveRun, pending: Pending): void {
    const s = pending.submission;
    this.runs.add(run);
    if (run.seen.has(s.eventId)) {
      this.outcomes.push({ pending, duplicateOf: run });
      return;
    }
    const snapshot = run.actor.getSnapshot();
    const fromState = stateString(snapshot.value);
    if (s.expectedVersion !== undefined && s.expectedVersion !== run.version) {
      this.outcomes.push({
        pending,
        error: new PlatformError('VERSION_CONFLICT', `run ${run.id} is at version ${run.version}, not ${s.expectedVersion}`, {
          currentVersion: run.version, expectedVersion: s.expectedVersion, status: statusOf(snapshot.value),
        }),
      });
      return;
    }
    const at = s.at ?? this.now();
    const event = { ...s.event, at } as RunEvent;
    if (!s.mustApply && snapshot.status !== 'active') {
      // The run finished earlier in this batch: a late result or timer changes nothing.
      this.outcomes.push({ pending, applied: { runId: run.id, version: run.version, status: statusOf(snapshot.value), state: fromState, duplicate: false, ignored: true } });
      return;
    }
    if (s.mustApply && (snapshot.status !== 'active' || !this.runtime.accepts(run.actor, event))) {
      const status = statusOf(snapshot.value);
      this.outcomes.push({
        pending,
        error: new PlatformError('INVALID_STATE', `run ${run.id} is ${status} (${fromState}): it does not accept ${event.type}`, { status, state: fromState }),
      });
      return;
    }

    const before = new Map(this.runtime.liveStages(run.actor).map((st) => [st.stageRunId, st]));
    const { effects, stages } = this.runtime.step(run.actor, event);
    const after = run.actor.getSnapshot();
    const toState = stateString(after.value);
    run.seen.add(s.eventId);
    const stagesMoved = [...stages.values()].some((st) => before.get(st.stageRunId)?.state !== st.state || st.context !== before.get(st.stageRunId)?.context);
    if (after === snapshot && effects.length === 0 && !stagesMoved) {
      // Nothing matched (a stale result or timer, a start report after the result): the run did not
      // change, so nothing is versioned or written; the id is remembered in memory only.
      this.outcomes.push({ pending, applied: { runId: run.id, version: run.version, status: statusOf(after.value), state: toState, duplicate: false, ignored: true } });
      return;
    }
    run.version += 1;
    run.eventSeq += 1;

    const changes = this.stageChanges(run, before, stages, s.result, at);
    const applied: Applied = { runId: run.id, version: run.version, status: statusOf(after.value), state: toState, duplicate: false, ignored: false };
    const { payload } = splitEvent(event);
    this.batch.events.push({
      runId: run.id, seq: run.eventSeq, tenantId: run.tenantId, eventId: s.eventId, type: event.type, payload,
      fromState, toState, stages: changes, effects: effects as unknown as Array<Record<string, unknown>>, actor: actorLabel(s.actor), version: run.version, at,
      costBefore: snapshot.context.costUsd, costUsd: after.context.costUsd,
    });
    for (const effect of effects) this.deliverLater(run, effect);
    if (s.result) {
      const owner = stages.get(s.result.stageRunId);
      this.batch.results.push(owner?.state === 'succeeded' ? { ...s.result, queuedAt: owner.context.queuedAt } : s.result);
    }
    if (fromState !== toState) {
      this.audit(run, pending, 'run.transition', { from: fromState, to: toState, eventId: s.eventId, event: event.type }, at);
    }
    if (s.command) {
      this.audit(run, pending, `run.${s.command.command}`, { eventId: s.eventId, from: fromState, to: toState }, at);
      const answer = s.command.respond(applied);
      this.batch.commands.push({
        tenantId: run.tenantId, key: s.command.key, command: s.command.command, runId: run.id, requestHash: s.command.requestHash,
        statusCode: answer.statusCode, response: answer.body, at,
      });
    }
    this.outcomes.push({ pending, applied });
  }

  /** Closes the batch: one state row per run touched, StageRun rows merged per StageRun. */
  finish(): RunBatch {
    const at = this.now();
    for (const run of this.runs) {
      if (run.version === run.committedVersion && !run.newRow) continue;
      const snap = run.actor.getSnapshot();
      const status = statusOf(snap.value);
      const state: RunStateRow = {
        id: run.id, expected: run.newRow ? null : run.committedVersion, version: run.version, status, state: stateString(snap.value),
        snapshot: this.runtime.encode(run.actor), eventSeq: run.eventSeq,
        costUsd: snap.context.costUsd, diagnosis: snap.context.diagnosis, updatedAt: at, finishedAt: isTerminalRunStatus(status) ? at : null,
      };
      if (run.newRow) this.batch.newRuns.push({ ...run.newRow, ...state });
      else this.batch.states.push(state);
    }
    this.batch.stages = [...this.stageRows.values()];
    return this.batch;
  }

  /**
   * The StageRun changes of a step, for the timeline; and a StageRun row for each StageRun that ended
   * without success (failed, cancelled) or succeeded after errors. A StageRun that succeeded at once
   * is its outcome row, live ones are in the snapshot, pending and skipped ones in the plan.
   */
  private stageChanges(run: LiveRun, before: Map<string, StageState>, stages: Map<string, StageState>, result: StageOutcome | undefined, at: number) {
    const changes: RunBatch['events'][number]['stages'] = [];
    const live = new Set(this.runtime.liveStages(run.actor).map((st) => st.stageRunId));
    const record = (st: StageState, to: string) => {
      changes.push({ stageRunId: st.stageRunId, stageId: st.context.stageId, from: before.get(st.stageRunId)?.state ?? null, to });
      // A StageRun that succeeded at once is fully described by its outcome row; one that got there
      // through failures (retries, fallback, timeouts) keeps its row for the errors it met.
      if (FINISHED.has(to) || (to === 'succeeded' && st.context.errors.length > 0)) {
        this.mergeStageRow(stageRow(run, st, to, at, result?.stageRunId === st.stageRunId ? result : undefined));
      }
    };
    for (const st of stages.values()) {
      if (before.get(st.stageRunId)?.state !== st.state) record(st, st.state);
    }
    // A StageRun stopped without reaching a final state (cancel, run failure) was cancelled.
    for (const [id, st] of before) {
      if (!live.has(id) && !stages.has(id)) record(st, 'cancelled');
    }
    return changes;
  }

  private mergeStageRow(row: StageRunRow): void {
    this.stageRows.set(row.id, row);
  }

  /** Queues an effect for delivery after the commit (it is durable in its event's row). */
  private deliverLater(run: LiveRun, effect: RunEffect): void {
    if (effect.type === 'dispatch') this.delivery.jobs.push(jobFor(run, effect, this.hostId));
    else if (effect.type === 'armTimer') this.delivery.timers.push({ runId: run.id, timerId: effect.timerId, fireAt: effect.fireAt, hostId: this.hostId });
    else this.delivery.aborts.push(attemptKey(run.id, effect.stageRunId, effect.attempt));
  }

  private audit(run: LiveRun, pending: Pending, action: string, details: Record<string, unknown>, at: number): void {
    const s = pending.submission;
    this.batch.audits.push({
      id: uuidv7(), tenantId: run.tenantId, actorType: s.actor.type, actorId: s.actor.id, action, targetType: 'workflow_run',
      targetId: run.id, version: run.version, details, requestId: s.requestId ?? null, at,
    });
  }
}

/** The job of a dispatch effect: what the stage reads comes from the plan. */
export function jobFor(run: LiveRun, effect: Extract<RunEffect, { type: 'dispatch' }>, hostId: string, redelivery = false): StageJob {
  const plan = run.plan;
  const stage = effect.stageId === '$review' ? plan.review : effect.stageId === '$consolidate' ? plan.consolidate ?? undefined : effect.stageId === '$learn' ? plan.learn ?? undefined : plan.stages.find((st) => st.id === effect.stageId);
  const upstream = effect.stageId.startsWith('$') ? plan.stages.map((st) => st.id) : (stage?.dependsOn ?? []);
  return {
    key: attemptKey(run.id, effect.stageRunId, effect.attempt), tenantId: run.tenantId, runId: run.id, stageRunId: effect.stageRunId,
    stageId: effect.stageId, round: effect.round, attempt: effect.attempt, kind: effect.kind, contextSnapshotId: run.contextSnapshotId,
    upstream, params: stage?.params ?? {}, timeoutMs: effect.timeoutMs, hostId, ...(redelivery ? { redelivery } : {}),
  };
}

/** The row of a finished StageRun. */
function stageRow(run: LiveRun, st: StageState, state: string, at: number, result: StageOutcome | undefined): StageRunRow {
  const c = st.context;
  return {
    id: st.stageRunId, tenantId: run.tenantId, runId: run.id, stageId: c.stageId, round: c.round,
    kind: c.usingFallback && c.fallbackKind ? c.fallbackKind : c.kind, status: STAGE_STATUS[state] ?? 'cancelled', attempt: c.attempt,
    attemptsTotal: c.attempt, usingFallback: c.usingFallback, lastError: c.errors[c.errors.length - 1] ?? null, costUsd: c.costUsd,
    queuedAt: c.queuedAt, startedAt: c.startedAt ?? result?.startedAt ?? null, finishedAt: at, updatedAt: at,
  };
}

/** The event's payload for the timeline (everything but type and time). */
function splitEvent(event: RunEvent): { payload: Record<string, unknown> } {
  const { type: _type, at: _at, ...payload } = event as RunEvent & Record<string, unknown>;
  return { payload };
}
