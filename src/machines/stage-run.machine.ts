import { and, assign, enqueueActions, sendParent, setup } from 'xstate';
import { backoffDelay, type PlannedStage, type RunDiagnosis } from '../domain/run.js';
import type { AbortEffect, ArmTimerEffect, DispatchEffect, EffectParams } from './effects.js';
import type { StageDoneEvent, StageEvent, StageSummary } from './events.js';

/** How many recent error messages a StageRun keeps for its diagnosis. */
export const KEPT_ERRORS = 3;
/** How long an error message kept in the snapshot may be. */
export const ERROR_CHARS = 500;

/** What a StageRun is spawned with. */
export interface StageRunInput {
  runId: string;
  stageRunId: string;
  stage: PlannedStage;
  round: number;
  /** When the StageRun is spawned (epoch ms, from the event that spawned it). */
  at: number;
}

/** A StageRun's context: small and JSON-safe, it is persisted with every snapshot. */
export interface StageRunContext {
  runId: string;
  stageRunId: string;
  stageId: string;
  kind: string;
  fallbackKind: string | null;
  usingFallback: boolean;
  /**
   * The attempt number, from 1, counted across the primary kind and the fallback: it is part of the
   * attempt's idempotency key (`runId:stageRunId:attempt`), so no two attempts share a key.
   */
  attempt: number;
  /** Attempts made with the current kind (the primary's retry budget; the fallback gets one). */
  kindAttempt: number;
  retry: PlannedStage['retry'];
  timeoutMs: number | null;
  round: number;
  /** The last few errors, newest last. */
  errors: string[];
  costUsd: number;
  summary: StageSummary | null;
  /** When the current attempt was dispatched (epoch ms). */
  dispatchedAt: number;
  /** When the StageRun was first queued (epoch ms). */
  queuedAt: number;
  /** When a worker reported the current attempt started, if it did (fast attempts are not reported). */
  startedAt: number | null;
}

/** The id of the attempt-timeout timer of the current attempt. */
export const timeoutTimerId = (c: Pick<StageRunContext, 'stageRunId' | 'attempt'>) => `${c.stageRunId}:${c.attempt}:timeout`;
/** The id of the retry-backoff timer after the current attempt. */
export const retryTimerId = (c: Pick<StageRunContext, 'stageRunId' | 'attempt'>) => `${c.stageRunId}:${c.attempt}:retry`;

/**
 * An error message as kept in the snapshot: at most ERROR_CHARS code points (never half of a
 * surrogate pair), no NUL characters, and lone surrogates replaced by U+FFFD: Postgres' jsonb
 * refuses both NUL and lone surrogates.
 */
export function keepableError(message: string): string {
  const clean = message.replaceAll('\u0000', '').replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
  return Array.from(clean).slice(0, ERROR_CHARS).join('');
}

/** What went wrong with the current attempt, from a failed result or a timeout. */
function failureOf(context: StageRunContext, event: StageEvent): { error: string; retryable: boolean } {
  if (event.type === 'STAGE.RESULT' && !event.ok) return { error: event.error, retryable: event.retryable };
  return { error: `attempt ${context.attempt} timed out after ${context.timeoutMs} ms`, retryable: true };
}

/** Settling the attempt in flight: its result, or its timeout. Shared by `queued` and `running`. */
const OUTSTANDING = {
  'STAGE.RESULT': [
    { guard: and(['isCurrentAttempt', 'isSuccess']), target: 'succeeded', actions: 'recordSuccess' },
    { guard: and(['isCurrentAttempt', 'canRetry']), target: 'retry_wait', actions: ['recordFailure', 'armRetryTimer'] },
    { guard: and(['isCurrentAttempt', 'canFallBack']), target: 'queued', reenter: true, actions: ['recordFailure', 'switchToFallback'] },
    { guard: 'isCurrentAttempt', target: 'failed', actions: 'recordFailure' },
  ],
  'TIMER.FIRED': [
    { guard: and(['isMyTimeout', 'canRetry']), target: 'retry_wait', actions: ['recordFailure', 'abortAttempt', 'armRetryTimer'] },
    { guard: and(['isMyTimeout', 'canFallBack']), target: 'queued', reenter: true, actions: ['recordFailure', 'abortAttempt', 'switchToFallback'] },
    { guard: 'isMyTimeout', target: 'failed', actions: ['recordFailure', 'abortAttempt'] },
  ],
} as const;

/**
 * The StageRun machine: one attempt at a time; a retryable failure (or a timeout) waits out the
 * backoff and tries again; when the attempts are spent it switches to the fallback handler (one
 * attempt); then it fails. Retry and timeout timers are durable effects, never XState `after`
 * delays, so they survive a restart. A final state tells the run with STAGE.DONE.
 *
 * States: queued (dispatched, waiting for a worker) → running → succeeded, or → retry_wait → queued,
 * or → failed. `pending` and `skipped` belong to the plan: a StageRun actor is spawned only when
 * its dependencies are met. Results and timers of an earlier attempt are ignored.
 */
export const stageRunMachine = setup({
  types: {} as {
    context: StageRunContext;
    input: StageRunInput;
    events: StageEvent;
  },
  actions: {
    /** Effect: run the current attempt. Implemented by the run host. */
    dispatch: (_: unknown, _params: EffectParams<DispatchEffect>) => {},
    /** Effect: arm a durable timer. Implemented by the run host. */
    armTimer: (_: unknown, _params: EffectParams<ArmTimerEffect>) => {},
    /** Effect: abort an attempt in flight. Implemented by the run host. */
    abort: (_: unknown, _params: EffectParams<AbortEffect>) => {},
    recordSuccess: assign(({ context, event }) => ({
      costUsd: context.costUsd + (event.type === 'STAGE.RESULT' ? (event.costUsd ?? 0) : 0),
      summary: event.type === 'STAGE.RESULT' && event.ok ? (event.summary ?? null) : null,
    })),
    recordFailure: assign(({ context, event }) => ({
      errors: [...context.errors, keepableError(failureOf(context, event).error)].slice(-KEPT_ERRORS),
      costUsd: context.costUsd + (event.type === 'STAGE.RESULT' ? (event.costUsd ?? 0) : 0),
    })),
    armRetryTimer: enqueueActions(({ context, event, enqueue }) => {
      enqueue({
        type: 'armTimer',
        params: { runId: context.runId, timerId: retryTimerId(context), fireAt: event.at + backoffDelay(context.retry, context.kindAttempt), purpose: 'retry' },
      });
    }),
    abortAttempt: enqueueActions(({ context, enqueue }) => {
      enqueue({ type: 'abort', params: { runId: context.runId, stageRunId: context.stageRunId, attempt: context.attempt } });
    }),
    switchToFallback: assign(({ context, event }) => ({
      usingFallback: true,
      attempt: context.attempt + 1,
      kindAttempt: 1,
      dispatchedAt: event.at,
    })),
  },
  guards: {
    isCurrentAttempt: ({ context, event }) => event.type !== 'TIMER.FIRED' && event.attempt === context.attempt,
    isMyTimeout: ({ context, event }) => event.type === 'TIMER.FIRED' && context.timeoutMs !== null && event.timerId === timeoutTimerId(context),
    isMyRetryTimer: ({ context, event }) => event.type === 'TIMER.FIRED' && event.timerId === retryTimerId(context),
    isSuccess: ({ event }) => event.type === 'STAGE.RESULT' && event.ok,
    canRetry: ({ context, event }) => failureOf(context, event).retryable && context.kindAttempt < (context.usingFallback ? 1 : context.retry.maxAttempts),
    canFallBack: ({ context }) => context.fallbackKind !== null && !context.usingFallback,
  },
}).createMachine({
  id: 'stageRun',
  context: ({ input }) => ({
    runId: input.runId,
    stageRunId: input.stageRunId,
    stageId: input.stage.id,
    kind: input.stage.kind,
    fallbackKind: input.stage.fallbackKind,
    usingFallback: false,
    attempt: 1,
    kindAttempt: 1,
    retry: input.stage.retry,
    timeoutMs: input.stage.timeoutMs,
    round: input.round,
    errors: [],
    costUsd: 0,
    summary: null,
    dispatchedAt: input.at,
    queuedAt: input.at,
    startedAt: null,
  }),
  initial: 'queued',
  states: {
    queued: {
      entry: enqueueActions(({ context, enqueue }) => {
        enqueue({
          type: 'dispatch',
          params: {
            runId: context.runId, stageRunId: context.stageRunId, stageId: context.stageId,
            kind: context.usingFallback && context.fallbackKind ? context.fallbackKind : context.kind,
            attempt: context.attempt, round: context.round, timeoutMs: context.timeoutMs,
          },
        });
        if (context.timeoutMs !== null) {
          enqueue({
            type: 'armTimer',
            params: { runId: context.runId, timerId: timeoutTimerId(context), fireAt: context.dispatchedAt + context.timeoutMs, purpose: 'timeout' },
          });
        }
      }),
      on: {
        'STAGE.STARTED': { guard: 'isCurrentAttempt', target: 'running', actions: assign({ startedAt: ({ event }) => event.at }) },
        ...OUTSTANDING,
      },
    },
    running: { on: OUTSTANDING },
    retry_wait: {
      on: {
        'TIMER.FIRED': {
          guard: 'isMyRetryTimer',
          target: 'queued',
          actions: assign({
            attempt: ({ context }) => context.attempt + 1,
            kindAttempt: ({ context }) => context.kindAttempt + 1,
            dispatchedAt: ({ event }) => event.at,
          }),
        },
      },
    },
    succeeded: {
      type: 'final',
      entry: sendParent(({ context, event }): StageDoneEvent => ({
        type: 'STAGE.DONE', at: event.at, stageRunId: context.stageRunId, stageId: context.stageId, ok: true,
        attempts: context.attempt, costUsd: context.costUsd, ...(context.summary ? { summary: context.summary } : {}),
      })),
    },
    failed: {
      type: 'final',
      entry: sendParent(({ context, event }): StageDoneEvent => ({
        type: 'STAGE.DONE', at: event.at, stageRunId: context.stageRunId, stageId: context.stageId, ok: false,
        attempts: context.attempt, costUsd: context.costUsd, diagnosis: diagnosisOf(context),
      })),
    },
  },
});

/** The diagnosis a failed StageRun gives its run. */
export function diagnosisOf(c: StageRunContext): RunDiagnosis {
  const fallback = c.fallbackKind ? ` (fallback ${c.fallbackKind} ${c.usingFallback ? 'also failed' : 'not tried'})` : '';
  return {
    reason: 'stage_failed',
    message: `stage ${c.stageId} failed after ${c.attempt} attempt(s)${fallback}: ${c.errors[c.errors.length - 1] ?? 'unknown error'}`,
    stageId: c.stageId,
    kind: c.usingFallback && c.fallbackKind ? c.fallbackKind : c.kind,
    attempts: c.attempt,
    errors: c.errors,
  };
}
