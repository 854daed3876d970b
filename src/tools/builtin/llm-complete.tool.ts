import { z } from 'zod';
import { TIERS } from '../../providers/provider.js';
import type { ProviderRouter } from '../../providers/provider-router.js';
import type { ToolDefinition } from '../tool.js';

const ToolCall = z.object({ id: z.string(), name: z.string(), arguments: z.record(z.string(), z.unknown()), rawArguments: z.string().optional() });
const Message = z.object({
  role: z.enum(['system', 'user', 'assistant', 'tool']),
  content: z.string().max(400_000),
  toolCalls: z.array(ToolCall).max(50).optional(),
  toolCallId: z.string().max(200).optional(),
});
const Brief = z.object({
  role: z.string().max(64), task: z.string().max(4000), deliverableType: z.string().max(64).optional(), channel: z.string().max(64).optional(),
  brand: z.string().max(200).optional(), tone: z.string().max(200).optional(), audience: z.string().max(4000).optional(),
  objectives: z.array(z.string().max(2000)).max(30).optional(), mustInclude: z.array(z.string().max(2000)).max(50).optional(),
  avoid: z.array(z.string().max(200)).max(200).optional(), maxWords: z.number().int().min(1).max(100_000).optional(),
  upstream: z.array(z.string().max(200_000)).max(50).optional(), retrieved: z.array(z.string().max(20_000)).max(50).optional(),
  feedback: z.array(z.string().max(4000)).max(50).optional(),
});

/** The input of `llm.complete`. */
export const LlmCompleteInput = z.object({
  tier: z.enum(TIERS).default('standard'),
  messages: z.array(Message).min(1).max(200),
  tools: z.array(z.object({ name: z.string().max(64), description: z.string().max(4000), parameters: z.record(z.string(), z.unknown()) })).max(64).optional(),
  temperature: z.number().min(0).max(2).optional(),
  maxTokens: z.number().int().min(1).max(64_000).optional(),
  brief: Brief.optional(),
});

/** The output of `llm.complete`: the completion and the routes tried for it. */
export const LlmCompleteOutput = z.object({
  provider: z.string(),
  model: z.string(),
  content: z.string(),
  toolCalls: z.array(ToolCall),
  finishReason: z.enum(['stop', 'tool_calls', 'length', 'other']),
  usage: z.object({ inputTokens: z.number().int().min(0), outputTokens: z.number().int().min(0) }),
  costUsd: z.number().min(0),
  offline: z.boolean(),
  attempts: z.array(z.object({ provider: z.string(), model: z.string(), outcome: z.enum(['ok', 'failed', 'skipped']), reason: z.string().optional(), code: z.string().optional() })),
});

/**
 * `llm.complete@1.0.0`: a model call through the tier's fallback chain of providers. Agents call
 * models only through this tool, so model calls are permitted, rate limited, metered and audited
 * like any tool call. The router retries and breaks per provider (`llm:<provider>`); this tool's
 * own policy does not retry again (one try, a long timeout). A `read` tool: allowed by default.
 */
export function llmCompleteTool(router: ProviderRouter): ToolDefinition<z.output<typeof LlmCompleteInput>, z.output<typeof LlmCompleteOutput>> {
  return {
    name: 'llm.complete',
    version: '1.0.0',
    description: 'Completes a conversation with a language model of the given tier (economy, standard, premium), with function calling; falls back along the tier\'s chain of providers.',
    input: LlmCompleteInput,
    output: LlmCompleteOutput,
    sideEffect: 'read',
    provider: 'llm:router',
    action: (input) => input.tier,
    policy: { maxAttempts: 1, timeoutMs: 300_000, bulkhead: 64, bulkheadQueue: 1024, breakerThreshold: 20 },
    async execute(input, ctx) {
      const { tier, ...request } = input;
      const response = await router.complete(tier, { ...request, signal: ctx.signal });
      return {
        output: { ...response },
        costUsd: response.costUsd,
        usage: { inputTokens: response.usage.inputTokens, outputTokens: response.usage.outputTokens, model: `${response.provider}:${response.model}` },
      };
    },
  };
}
