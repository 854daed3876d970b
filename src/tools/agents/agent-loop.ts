import { StageError } from '../../contracts/execution.js';
import type { ChatMessage, OfflineBrief, Tier } from '../../providers/provider.js';
import { executeToolCalls, fromOpenAiToolName, TOOL_CALL_ERROR_CODES, toToolSpecs } from '../adapters/openai-functions.adapter.js';
import type { ToolExecutor } from '../execution/tool-executor.js';
import type { LlmCompleteOutput } from '../builtin/llm-complete.tool.js';
import type { z } from 'zod';

/** A tool an agent may use, with the tool to call instead when it fails. */
export interface ToolUse {
  ref: string;
  fallback?: string;
}

/** Who is running the loop, and its bounds. */
export interface AgentLoopInput {
  role: string;
  tenantId: string;
  projectId: string | null;
  runId: string;
  stageId: string;
  /** The attempt key `runId:stageRunId:attempt`: call `n` of the attempt has idempotency key `${keyPrefix}:${n}`. */
  keyPrefix: string;
  signal: AbortSignal;
  tier: Tier;
  messages: ChatMessage[];
  brief: OfflineBrief;
  tools: ToolUse[];
  /** Model turns allowed (default 6). */
  maxSteps: number;
  /** Spend allowed for the stage in USD (default 0.5). */
  maxCostUsd: number;
}

/** What the loop produced. */
export interface AgentLoopResult {
  content: string;
  provider: string;
  model: string;
  offline: boolean;
  costUsd: number;
  steps: number;
  /** `name@version` of every tool called (the model's included). */
  tools: string[];
  /** Routes that failed before one answered (fallbacks taken). */
  fallbacks: string[];
}

type Completion = z.output<typeof LlmCompleteOutput>;

/**
 * The bounded function-calling loop of an agent: ask the model (through `llm.complete`, so the
 * call is governed and metered), run the tools it asks for through the executor, give it their
 * answers, and repeat until it answers without tool calls, within `maxSteps` model turns and
 * `maxCostUsd`. A tool call that fails (after the executor's retries and fallback) fails the stage
 * with that error, naming the tool: an unknown, unoffered or forbidden tool, arguments that break
 * the schema, an absent credential (non-retryable), or a tool that kept failing or answering
 * outside its output schema (retryable: the stage's retry policy may try again). Every such call
 * is in the audit.
 */
export async function runAgentLoop(executor: ToolExecutor, input: AgentLoopInput): Promise<AgentLoopResult> {
  const offered = input.tools.map((t) => executor.registry.find(t.ref, input.tenantId)).filter((t) => t !== null);
  const specs = offered.length ? toToolSpecs(offered) : undefined;
  const messages = [...input.messages];
  const toolFallbacks: Record<string, string> = Object.fromEntries(input.tools.flatMap((t) => (t.fallback ? [[t.ref, t.fallback]] : [])));
  const used = new Set<string>();
  const fallbacks: string[] = [];
  let cost = 0;
  let call = 0;
  const common = { tenantId: input.tenantId, projectId: input.projectId, agent: input.role, runId: input.runId, stageId: input.stageId, signal: input.signal };
  for (let step = 1; step <= input.maxSteps; step++) {
    const result = await executor.invoke({
      ...common, ref: 'llm.complete@^1', idempotencyKey: `${input.keyPrefix}:${call++}`,
      input: { tier: input.tier, messages, brief: input.brief, ...(specs ? { tools: specs } : {}) },
    });
    used.add(`${result.tool}@${result.version}`);
    const completion = result.output as Completion;
    cost += result.costUsd;
    fallbacks.push(...completion.attempts.filter((a) => a.outcome === 'failed').map((a) => `${a.provider}:${a.model} (${a.reason ?? 'failed'})`));
    if (cost > input.maxCostUsd) {
      throw new StageError(`${input.role} spent $${cost.toFixed(4)}, over the stage's limit of $${input.maxCostUsd}`, false);
    }
    if (completion.toolCalls.length === 0) {
      return { content: completion.content, provider: completion.provider, model: completion.model, offline: completion.offline, costUsd: cost, steps: step, tools: [...used], fallbacks };
    }
    messages.push({ role: 'assistant', content: completion.content, toolCalls: completion.toolCalls });
    const batch = await executeToolCalls(executor, completion.toolCalls, {
      ...common, keyPrefix: `${input.keyPrefix}:${call++}`, allowed: input.tools.map((t) => t.ref), fallbacks: toolFallbacks,
    });
    for (const f of batch.failures) {
      if (f.code === TOOL_CALL_ERROR_CODES.notAllowed || f.code === TOOL_CALL_ERROR_CODES.unparsable || f.code === TOOL_CALL_ERROR_CODES.unsupported) {
        await executor.recordRefused({ ...common, ref: f.tool ?? f.name, input: {}, idempotencyKey: `${input.keyPrefix}:${call - 1}:${f.toolCallId}` }, f.code === TOOL_CALL_ERROR_CODES.notAllowed ? 'TOOL_NOT_ALLOWED' : f.code, f.message);
      }
    }
    const failed = batch.failures[0];
    if (failed) throw new StageError(`${input.role} called tool ${failed.tool ?? failed.name}, which failed (${failed.code}): ${failed.message}`, failed.retryable);
    for (const t of completion.toolCalls) {
      const tool = executor.registry.find(t.name.includes('.') ? t.name : safeFromOpenAiName(t.name), input.tenantId);
      if (tool) used.add(`${tool.name}@${tool.version}`);
    }
    messages.push(...batch.messages);
  }
  throw new StageError(`${input.role} did not finish within ${input.maxSteps} model turns`, false);
}

function safeFromOpenAiName(name: string): string {
  try {
    return fromOpenAiToolName(name);
  } catch {
    return name;
  }
}
