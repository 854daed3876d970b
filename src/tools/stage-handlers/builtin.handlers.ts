import { canonicalJson, contentHash, type JsonValue } from '../../domain/canonical-json.js';
import { getPath } from '../../domain/context-fields.js';
import { StageError, type StageHandler, type StageHandlerInput } from '../../contracts/execution.js';
import { HandlerRegistry } from './handler-registry.js';

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason ?? new Error('aborted'));
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason ?? new Error('aborted'));
    }, { once: true });
  });
}

const num = (v: unknown, fallback: number) => (typeof v === 'number' && Number.isFinite(v) ? v : fallback);

/**
 * `echo`: a deterministic stand-in for an agent, for demos and tests. It writes a short draft from
 * the task, the brand voice and the upstream outputs, labelled as offline output. Test knobs in
 * `params`: `delayMs` (honours the AbortSignal), `failAttempts` (the first N attempts fail with a
 * retryable error), `fail: "permanent"` (non-retryable failure), `padBytes` (output size).
 */
export const echoHandler: StageHandler = {
  kind: 'echo',
  description: 'Deterministic offline stand-in for an agent: drafts text from the context and upstream outputs.',
  async run(input: StageHandlerInput) {
    const { params } = input;
    const delayMs = num(params.delayMs, 0);
    if (delayMs > 0) await sleep(delayMs, input.signal);
    if (params.fail === 'permanent') throw new StageError(`${input.stageId}: configured to fail permanently`, false);
    if (input.attempt <= num(params.failAttempts, 0)) throw new StageError(`${input.stageId}: configured failure on attempt ${input.attempt}`, true);
    const task = String(getPath(input.context, 'task.name') ?? 'the task');
    const brand = String(getPath(input.context, 'identity.name') ?? 'the brand');
    const tone = String(getPath(input.context, 'voice.tone') ?? 'neutral');
    const role = typeof params.role === 'string' ? params.role : input.stageId;
    const basedOn = Object.keys(input.upstream).sort();
    const output: Record<string, JsonValue> = {
      offline: true,
      provider: 'offline-echo',
      role,
      stage: input.stageId,
      round: input.round,
      text: `[offline draft] ${role} for "${task}" by ${brand}, in a ${tone} voice${basedOn.length ? `, building on ${basedOn.join(', ')}` : ''}.`,
      basedOn,
      inputHash: contentHash({ context: input.contextHash, upstream: canonicalJson(input.upstream), stage: input.stageId, round: input.round }),
    };
    const pad = num(params.padBytes, 0);
    if (pad > 0) output.padding = 'x'.repeat(Math.min(pad, 200_000));
    return { output, costUsd: 0 };
  },
};

/** `gate.pass`: a review that passes every quality gate (the real gates come with the tool layer). */
export const gatePassHandler: StageHandler = {
  kind: 'gate.pass',
  description: 'Quality review placeholder: every gate passes.',
  async run(input) {
    return { output: { gates: [], passed: true, reviewed: Object.keys(input.upstream).sort() }, summary: { gate: { passed: true, score: 1 } } };
  },
};

/** `consolidate.noop`: lists the outputs that would be packaged as artifacts. */
export const consolidateNoopHandler: StageHandler = {
  kind: 'consolidate.noop',
  description: 'Consolidation placeholder: records which stage outputs would be published.',
  async run(input) {
    return { output: { consolidated: Object.keys(input.upstream).sort() } };
  },
};

/** `learn.noop`: the learning step placeholder. */
export const learnNoopHandler: StageHandler = {
  kind: 'learn.noop',
  description: 'Learning placeholder: nothing is indexed yet.',
  async run() {
    return { output: { indexed: 0 } };
  },
};

/** A registry with the built-in handlers. */
export function builtinHandlers(): HandlerRegistry {
  return new HandlerRegistry().register(echoHandler).register(gatePassHandler).register(consolidateNoopHandler).register(learnNoopHandler);
}
