import { z } from 'zod';

/** Where a knowledge chunk came from (the same list as the vector store port's `CHUNK_SOURCES`). */
export const KnowledgeSource = z.enum(['artifact', 'brand_rules', 'feedback', 'campaign_history'], {
  message: 'must be one of artifact, brand_rules, feedback, campaign_history',
});

const shortText = (field: string) => z.string({ message: `${field} must be a string` }).min(1, `${field} must not be empty`).max(64, `${field} must be at most 64 characters`);

/** Narrowing filters of a knowledge search (every field optional; unknown fields refused). */
export const KnowledgeSearchFilters = z.strictObject({
  campaignIds: z.array(z.uuid({ message: 'campaignIds must be UUIDs' })).min(1, 'campaignIds must not be empty (omit it instead)').max(50).optional(),
  taskTypes: z.array(shortText('a task type')).min(1, 'taskTypes must not be empty (omit it instead)').max(20).optional(),
  stages: z.array(shortText('a stage')).min(1, 'stages must not be empty (omit it instead)').max(20).optional(),
  sources: z.array(KnowledgeSource).min(1, 'sources must not be empty (omit it instead)').max(4).optional(),
  minQualityScore: z.number({ message: 'minQualityScore must be a number from 0 to 1' }).min(0, 'minQualityScore must be at least 0').max(1, 'minQualityScore must be at most 1').optional(),
  createdAfter: z.iso.datetime({ offset: true, message: 'createdAfter must be an ISO 8601 date-time' }).optional(),
  createdBefore: z.iso.datetime({ offset: true, message: 'createdBefore must be an ISO 8601 date-time' }).optional(),
}).refine((f) => !f.createdAfter || !f.createdBefore || Date.parse(f.createdAfter) < Date.parse(f.createdBefore), {
  message: 'createdAfter must be before createdBefore', path: ['createdAfter'],
});

/** POST /v2/knowledge/search */
export const KnowledgeSearchBody = z.strictObject({
  brandId: z.uuid({ message: 'brandId must be a UUID' }),
  query: z.string({ message: 'query must be a string' }).min(1, 'query must not be empty').max(2000, 'query must be at most 2000 characters')
    .refine((q) => q.trim() !== '', 'query must not be blank'),
  k: z.number({ message: 'k must be a whole number from 1 to 50' }).int('k must be a whole number from 1 to 50').min(1, 'k must be at least 1').max(50, 'k must be at most 50').default(8),
  /** The campaign the search is for: its chunks are boosted, and similar campaigns are found relative to it. */
  campaignId: z.uuid({ message: 'campaignId must be a UUID' }).optional(),
  /** The task type the search is for (`social_post`, `email`…): chunks of that type are boosted. */
  taskType: shortText('taskType').optional(),
  filters: KnowledgeSearchFilters.optional(),
  /** true: negative examples (rejected drafts) only; false (default): positives only. */
  includeNegative: z.boolean({ message: 'includeNegative must be true or false' }).optional(),
});
/** The parsed form of {@link KnowledgeSearchBody}. */
export type KnowledgeSearchBody = z.output<typeof KnowledgeSearchBody>;

/** How a result's score was made (null: the chunk was not a candidate of that kind / no LLM reranker ran). */
export const KnowledgeScoreBreakdown = z.object({
  vector: z.number().nullable(),
  lexical: z.number().nullable(),
  boosts: z.object({ campaign: z.number(), taskType: z.number(), similarCampaign: z.number() }),
  fused: z.number(),
  rerank: z.number().nullable(),
  llm: z.number().nullable(),
});

/** Where a chunk's text came from. */
export const KnowledgeProvenance = z.object({
  source: KnowledgeSource,
  sourceKey: z.string(),
  sourceVersion: z.number().int(),
  runId: z.string().nullable(),
  campaignId: z.string().nullable(),
  taskType: z.string().nullable(),
  stage: z.string().nullable(),
  qualityScore: z.number(),
  negative: z.boolean(),
  createdAt: z.string(),
});

/** One retrieved chunk. */
export const KnowledgeSearchResult = z.object({
  chunkId: z.string(),
  text: z.string(),
  heading: z.string().nullable(),
  score: z.number(),
  breakdown: KnowledgeScoreBreakdown,
  provenance: KnowledgeProvenance,
});

/** The answer of POST /v2/knowledge/search. */
export const KnowledgeSearchResponse = z.object({
  brandId: z.string(),
  query: z.string(),
  k: z.number().int(),
  results: z.array(KnowledgeSearchResult),
  /** Campaigns boosted as similar to `campaignId` (or to the query), and why. */
  similarCampaigns: z.array(z.object({ campaignId: z.string(), similarity: z.number(), sharesTaskType: z.boolean() })),
  /** `fusion`, or `llm:<provider>:<model>` when an LLM reranker ran. */
  reranker: z.string(),
  embedder: z.string(),
  /** Cost of the search: the query embedding, plus the LLM reranking when it ran. */
  costUsd: z.number(),
  embeddingCostUsd: z.number(),
  candidates: z.object({ vector: z.number().int(), lexical: z.number().int(), droppedWithoutRow: z.number().int() }),
});

/** GET /v2/knowledge/stats?brandId= */
export const KnowledgeStatsQuery = z.strictObject({
  brandId: z.uuid({ message: 'brandId must be a UUID' }).optional(),
});

const SourceCounts = z.object({ artifact: z.number().int(), brand_rules: z.number().int(), feedback: z.number().int(), campaign_history: z.number().int() });
const LearningCounts = z.object({ indexed: z.number().int(), notIndexed: z.number().int() });

/** Knowledge counts of the tenant (or one brand): chunks per brand and source, negatives, learnings indexed or not. */
export const KnowledgeStatsResource = z.object({
  brands: z.array(z.object({
    brandId: z.string(), chunks: z.number().int(), negativeChunks: z.number().int(), sources: SourceCounts, learnings: LearningCounts,
  })),
  totals: z.object({ chunks: z.number().int(), negativeChunks: z.number().int(), sources: SourceCounts, learnings: LearningCounts }),
  /** Vectors of the tenant in the vector store (can exceed chunks briefly after an interrupted write). */
  vectors: z.number().int().nullable(),
  embedder: z.string(),
  vectorStore: z.string(),
});
