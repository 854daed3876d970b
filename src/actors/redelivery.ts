import type { DispatchEffect } from '../machines/effects.js';
import { retryTimerId, timeoutTimerId } from '../machines/stage-run.machine.js';
import { jobFor, type Delivery } from './batch-builder.js';
import type { TimerRequest } from './execution-port.js';
import type { LiveRun } from './live-run.js';
import type { MachineRuntime } from './machine-runtime.js';

type OutboxEntry = { seq: number; kind: string; payload: Record<string, unknown> };

/**
 * What a restored run still waits on, to hand to the execution layer again: the attempt in flight of
 * every queued or running StageRun (as a redelivery: the worker first looks for a recorded result),
 * and every timer its snapshot still waits for (retry backoff, attempt timeout, approval deadline).
 * The snapshot decides what is live; the outbox supplies what was asked (fire times, job payloads).
 * Handing something over twice is harmless: jobs and timers are keyed.
 */
export function redeliveryFor(run: LiveRun, runtime: MachineRuntime, outbox: OutboxEntry[], hostId: string): Pick<Delivery, 'jobs' | 'timers'> {
  const jobs: Delivery['jobs'] = [];
  const awaited = new Set<string>();
  for (const st of runtime.liveStages(run.actor)) {
    const c = st.context;
    if (st.state === 'queued' || st.state === 'running') {
      const dispatched = outbox.filter((o) => o.kind === 'dispatch' && o.payload.stageRunId === st.stageRunId && o.payload.attempt === c.attempt).pop();
      const effect: DispatchEffect = dispatched
        ? ({ type: 'dispatch', ...dispatched.payload } as DispatchEffect)
        : {
            type: 'dispatch', runId: run.id, stageRunId: st.stageRunId, stageId: c.stageId, attempt: c.attempt, round: c.round,
            kind: c.usingFallback && c.fallbackKind ? c.fallbackKind : c.kind, timeoutMs: c.timeoutMs,
          };
      jobs.push(jobFor(run, effect, hostId, true));
      if (c.timeoutMs !== null) awaited.add(timeoutTimerId(c));
    }
    if (st.state === 'retry_wait') awaited.add(retryTimerId(c));
  }
  const deadline = run.actor.getSnapshot().context.deadlineTimerId;
  if (deadline) awaited.add(deadline);
  const timers: TimerRequest[] = outbox
    .filter((o) => o.kind === 'armTimer' && awaited.has(String(o.payload.timerId)))
    .map((o) => ({ runId: run.id, timerId: String(o.payload.timerId), fireAt: Number(o.payload.fireAt), hostId }));
  return { jobs, timers };
}
