import type { StageJob, StageOutcome } from '../contracts/execution.js';
import type { Logger } from '../observability/logger.js';
import type { ExecutionCallbacks } from './execution-port.js';
import type { Applied, EventActor, Submission } from './live-run.js';

const SYSTEM: EventActor = { type: 'system', id: null };

/**
 * The execution layer's way back into the run host: attempt starts, results and fired timers become
 * events of their runs, submitted by the system with ids that make a repeated report a duplicate.
 */
export function executionCallbacks(submit: (runId: string, submission: Submission) => Promise<Applied>, logger: Logger): ExecutionCallbacks {
  return {
    stageStarted: (job: StageJob, at: number) => {
      submit(job.runId, {
        event: { type: 'STAGE.STARTED', stageRunId: job.stageRunId, attempt: job.attempt }, eventId: `${job.key}:started`, actor: SYSTEM, at,
      }).catch((err: unknown) => logger.debug({ err, key: job.key }, 'stage start not recorded'));
    },
    stageFinished: async (o: StageOutcome) => {
      const event = o.ok
        ? { type: 'STAGE.RESULT' as const, stageRunId: o.stageRunId, attempt: o.attempt, ok: true as const, costUsd: o.costUsd, ...(o.summary ? { summary: o.summary } : {}) }
        : { type: 'STAGE.RESULT' as const, stageRunId: o.stageRunId, attempt: o.attempt, ok: false as const, error: o.error ?? 'unknown error', retryable: o.retryable ?? true, costUsd: o.costUsd };
      await submit(o.runId, { event, eventId: `${o.key}:result`, actor: SYSTEM, result: o });
    },
    timerFired: async (runId: string, timerId: string) => {
      await submit(runId, { event: { type: 'TIMER.FIRED', timerId }, eventId: `timer:${timerId}`, actor: SYSTEM });
    },
  };
}
