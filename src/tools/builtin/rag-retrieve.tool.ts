import { z } from 'zod';
import { KnowledgeProvenance } from '../../contracts/http/knowledge.js';
import { NonRetryableToolError } from '../../contracts/tool-errors.js';
import { createLlmReranker } from '../../rag/retrieval/reranker.js';
import type { LlmReranker } from '../../rag/retrieval/retrieval-types.js';
import type { Retriever } from '../../rag/retrieval/retriever.js';
import type { ToolExecutor } from '../execution/tool-executor.js';
import type { ToolCallContext, ToolDefinition } from '../tool.js';

/** The input of `rag.retrieve`: what to look for. Brand, campaign and task type come from the run. */
export const RagRetrieveInput = z.strictObject({
  query: z.string().min(1).max(2000).refine((q) => q.trim() !== '', 'query must not be blank'),
  k: z.number().int().min(1).max(50).default(6),
  /** true: rejected drafts only (examples of what to avoid); never mixed with positives. */
  includeNegative: z.boolean().default(false),
});

const Citation = z.object({
  /** `K1`, `K2`… in rank order: how a prompt cites the passage. */
  marker: z.string(),
  chunkId: z.string(),
  text: z.string(),
  heading: z.string().nullable(),
  score: z.number(),
  // Flat, not nested like the HTTP result: a citation is recorded on the stage as one line.
  ...KnowledgeProvenance.shape,
});

/** The output of `rag.retrieve`: passages with their citation marker, score and provenance. */
export const RagRetrieveOutput = z.object({
  results: z.array(Citation),
  reranker: z.string(),
  embedder: z.string(),
});

/** The brand, campaign and task type of a run in a tenant (null: no such run in that tenant). */
export type RunKnowledgeScope = (tenantId: string, runId: string) => Promise<{ brandId: string; campaignId: string | null; taskType: string | null } | null>;

/**
 * An LLM reranker bound to a caller's context: the model is called through the governed executor
 * (`llm.complete@^1`, economy tier, idempotency key `<key>:rerank`), so the call is permitted, rate
 * limited, metered and audited like any other. Its cost is metered on that call, so the reranker
 * reports 0 to the retriever (no double count). An offline answer is ignored by the reranker.
 */
export function executorReranker(executor: () => ToolExecutor, ctx: Pick<ToolCallContext, 'tenantId' | 'projectId' | 'agent' | 'runId' | 'stageId' | 'idempotencyKey'>): LlmReranker {
  return createLlmReranker(async (messages, signal) => {
    const res = await executor().invoke({
      ref: 'llm.complete@^1', tenantId: ctx.tenantId, projectId: ctx.projectId, agent: ctx.agent, runId: ctx.runId, stageId: ctx.stageId,
      idempotencyKey: `${ctx.idempotencyKey}:rerank`, ...(signal ? { signal } : {}),
      input: { tier: 'economy', messages, temperature: 0, maxTokens: 800 },
    });
    const out = res.output as { content: string; provider: string; model: string; offline: boolean };
    return { content: out.content, provider: out.provider, model: out.model, offline: out.offline, costUsd: 0 };
  });
}

/**
 * `rag.retrieve@1.0.0`: hybrid retrieval over the knowledge of the run's brand (approved artifacts,
 * brand rules, feedback, campaign history), boosted toward the run's campaign and task type and
 * reranked. The brand, campaign and task type are read from the RUN, never from the arguments, so a
 * model cannot reach another brand. A `read` tool, for calls inside a run. Results carry a citation
 * marker (`K1`…) and their provenance; the cost is the query embedding's.
 */
export function ragRetrieveTool(deps: {
  retriever: Retriever;
  scope: RunKnowledgeScope;
  /** Set when a real LLM provider is configured: the reranker also asks the model (through the executor). */
  executor?: (() => ToolExecutor) | undefined;
}): ToolDefinition<z.output<typeof RagRetrieveInput>, z.output<typeof RagRetrieveOutput>> {
  return {
    name: 'rag.retrieve',
    version: '1.0.0',
    description: "Searches the knowledge of the run's brand (approved past deliverables, brand rules, reviewer feedback, campaign history) and returns the most relevant passages with citation markers [K1], [K2]… to cite. Brand, campaign and task type come from the run.",
    input: RagRetrieveInput,
    output: RagRetrieveOutput,
    sideEffect: 'read',
    policy: { timeoutMs: 30_000 },
    async execute(input, ctx) {
      if (!ctx.runId) throw new NonRetryableToolError('rag.retrieve searches the knowledge of a run\'s brand: call it inside a run', 'TOOL_NEEDS_RUN');
      const scope = await deps.scope(ctx.tenantId, ctx.runId);
      if (!scope) throw new NonRetryableToolError(`run ${ctx.runId} was not found in this tenant`, 'TOOL_NEEDS_RUN');
      const res = await deps.retriever.search({
        tenantId: ctx.tenantId, brandId: scope.brandId, campaignId: scope.campaignId, taskType: scope.taskType,
        query: input.query, k: input.k, includeNegative: input.includeNegative, signal: ctx.signal,
        llmReranker: deps.executor ? executorReranker(deps.executor, ctx) : null,
      });
      return {
        output: {
          reranker: res.reranker, embedder: res.embedder,
          results: res.results.map((r, i) => ({ marker: `K${i + 1}`, chunkId: r.chunkId, text: r.text, heading: r.heading, score: r.score, ...r.provenance })),
        },
        costUsd: res.embeddingCostUsd,
      };
    },
  };
}
