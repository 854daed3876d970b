import type { JsonValue } from '../domain/canonical-json.js';
import { isStageError, type StageHandler, type StageJob, type StageOutcome } from '../contracts/execution.js';

/** Largest stage output kept in the result row; bigger content belongs in the artifact store. */
export const MAX_OUTPUT_BYTES = 256 * 1024;

/** Where a stage's inputs come from. */
export interface StageInputs {
  /** The resolved context of a run's pinned snapshot. */
  context(snapshotId: string): Promise<{ context: Record<string, unknown>; hash: string }>;
  /** The latest successful outputs of these stages of a run. */
  upstream(runId: string, stageIds: string[]): Promise<Record<string, JsonValue>>;
  /** The outcome already recorded for an attempt, if any. */
  recorded(key: string): Promise<StageOutcome | null>;
}

/** Something that finds handlers by kind. */
export interface HandlerLookup {
  get(kind: string): StageHandler | undefined;
}

/**
 * Runs one attempt: finds the handler, loads its inputs, runs it with the attempt's AbortSignal
 * (aborted on cancel, on the durable timeout, or by the local timeout below), validates the output
 * (JSON, at most 256 KiB) and turns every way of failing into an outcome: a {@link StageError} says
 * whether to retry; an unknown handler or an oversized output cannot succeed on retry; any other
 * error counts as retryable.
 */
export async function executeStage(job: StageJob, handlers: HandlerLookup, inputs: StageInputs, signal: AbortSignal, now: () => number = Date.now): Promise<StageOutcome> {
  const startedAt = now();
  const base = {
    key: job.key, tenantId: job.tenantId, runId: job.runId, stageRunId: job.stageRunId, stageId: job.stageId, round: job.round,
    attempt: job.attempt, kind: job.kind, startedAt,
  };
  const fail = (error: string, retryable: boolean, costUsd = 0): StageOutcome => ({
    ...base, ok: false, output: null, error: error.slice(0, 2000), retryable, costUsd, artifacts: [], summary: null, finishedAt: now(),
  });
  const handler = handlers.get(job.kind);
  if (!handler) return fail(`no stage handler for kind ${job.kind}`, false);

  const controller = new AbortController();
  const onAbort = () => controller.abort(signal.reason);
  signal.addEventListener('abort', onAbort, { once: true });
  const timer = job.timeoutMs ? setTimeout(() => controller.abort(new Error(`attempt timed out after ${job.timeoutMs} ms`)), job.timeoutMs) : null;
  try {
    const [{ context, hash }, upstream] = await Promise.all([
      inputs.context(job.contextSnapshotId),
      job.upstreamOutputs ?? inputs.upstream(job.runId, job.upstream),
    ]);
    const result = await handler.run({
      key: job.key, tenantId: job.tenantId, runId: job.runId, stageId: job.stageId, stageRunId: job.stageRunId, round: job.round,
      attempt: job.attempt, kind: job.kind, params: job.params, context, contextHash: hash, upstream, signal: controller.signal,
    });
    if (controller.signal.aborted) return fail(reasonOf(controller.signal.reason), true, result.costUsd ?? 0);
    let size: number;
    try {
      const json = JSON.stringify(result.output);
      if (json === undefined) throw new Error('undefined is not JSON');
      size = Buffer.byteLength(json);
    } catch (err) {
      return fail(`handler ${job.kind} returned an output that is not JSON: ${(err as Error).message}`, false, result.costUsd ?? 0);
    }
    if (size > MAX_OUTPUT_BYTES) return fail(`handler ${job.kind} returned ${size} bytes; outputs are limited to ${MAX_OUTPUT_BYTES} (store large content as an artifact)`, false, result.costUsd ?? 0);
    return {
      ...base, ok: true, output: result.output, error: null, retryable: null, costUsd: result.costUsd ?? 0, artifacts: result.artifacts ?? [],
      summary: result.summary ?? null, finishedAt: now(),
    };
  } catch (err) {
    if (controller.signal.aborted) return fail(reasonOf(controller.signal.reason), true);
    if (isStageError(err)) return fail(err.message, err.retryable);
    return fail(err instanceof Error ? err.message : String(err), true);
  } finally {
    if (timer) clearTimeout(timer);
    signal.removeEventListener('abort', onAbort);
  }
}

function reasonOf(reason: unknown): string {
  return reason instanceof Error ? reason.message : typeof reason === 'string' ? reason : 'attempt aborted';
}
