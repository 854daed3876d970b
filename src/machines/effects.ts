/**
 * The side effects a run's machines ask for. Machines only *name* them (actions declared in
 * `setup`, no-ops by default); the run host provides implementations that collect them during a
 * macrostep and turns them into outbox rows committed with the new snapshot. Every effect carries
 * its run id, so effects can be attributed without any shared state.
 */

/** Run one attempt of a StageRun: enqueue a job with the idempotency key `runId:stageRunId:attempt`. */
export interface DispatchEffect {
  type: 'dispatch';
  runId: string;
  stageRunId: string;
  stageId: string;
  kind: string;
  attempt: number;
  round: number;
  timeoutMs: number | null;
}

/** Deliver `TIMER.FIRED {timerId}` to the run at `fireAt` (epoch ms); durable across restarts. */
export interface ArmTimerEffect {
  type: 'armTimer';
  runId: string;
  timerId: string;
  fireAt: number;
  purpose: 'retry' | 'timeout' | 'approval_deadline';
}

/** Abort an attempt in flight (its AbortSignal fires). */
export interface AbortEffect {
  type: 'abort';
  runId: string;
  stageRunId: string;
  attempt: number;
}

/** Any effect. */
export type RunEffect = DispatchEffect | ArmTimerEffect | AbortEffect;

/** The effect parameters as the machines pass them (without the discriminating `type`). */
export type EffectParams<E extends RunEffect> = Omit<E, 'type'>;
