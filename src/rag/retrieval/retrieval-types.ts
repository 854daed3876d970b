import type { ChunkSource } from '../vector-store/vector-store.port.js';

/** Narrowing filters of a search; tenant and brand are separate and mandatory. */
export interface RetrievalFilter {
  campaignIds?: string[];
  taskTypes?: string[];
  stages?: string[];
  sources?: ChunkSource[];
  /** Only chunks at or above this quality score (0..1). */
  minQualityScore?: number;
  /** Only chunks created after / before these times (exclusive). */
  createdAfter?: Date;
  createdBefore?: Date;
}

/**
 * The weights of hybrid scoring and reranking (see score-fusion.ts for the formulas). Every weight
 * is optional in a request; {@link DEFAULT_RETRIEVAL_WEIGHTS} fills the rest.
 */
export interface RetrievalWeights {
  /** Weight of the normalised vector similarity in the hybrid score. */
  vector: number;
  /** Weight of the normalised full-text rank in the hybrid score. */
  lexical: number;
  /** Added when the chunk belongs to the request's campaign. */
  campaign: number;
  /** Added when the chunk has the request's task type. */
  taskType: number;
  /** Added when the chunk belongs to a similar campaign (see similar-campaigns.ts). */
  similarCampaign: number;
  /** Weight of reciprocal-rank fusion of the vector and lexical rankings in the rerank score. */
  rrf: number;
  /** Weight of the chunk's quality score in the rerank score. */
  quality: number;
  /** Share of the LLM reranker's judgement in the final score, when an LLM reranker runs (0..1). */
  llm: number;
}

/**
 * Defaults, measured on the labelled fixture of test/fixtures/knowledge with the local embedder (the
 * retrieval quality test prints recall@5 of hybrid, vector-only and lexical-only): the lexical side
 * is weighted a little above the vector side because the default embedder is itself lexical
 * (hashed words and n-grams) and the IDF-weighted full-text rank separates rare, specific terms
 * better; the grid around these values (vector 0.3..0.6, rrf 0..0.3, boosts ×0.5..×1) moved
 * recall@5 by at most one query. Boosts are on a tie-breaker scale: a same-campaign chunk wins over
 * an equally relevant one of another campaign, not over a clearly more relevant one.
 */
export const DEFAULT_RETRIEVAL_WEIGHTS: RetrievalWeights = {
  vector: 0.4,
  lexical: 0.6,
  campaign: 0.12,
  taskType: 0.06,
  similarCampaign: 0.04,
  rrf: 0.3,
  quality: 0.05,
  llm: 0.5,
};

/** Bounds of `k`. */
export const MIN_K = 1;
export const MAX_K = 50;
/** Bounds of a query's length in characters. */
export const MAX_QUERY_CHARS = 2000;

/** A search: tenant and brand are mandatory; everything else narrows or boosts. */
export interface SearchRequest {
  tenantId: string;
  brandId: string;
  query: string;
  /** Results wanted, 1..50. */
  k: number;
  /** The campaign the search is for: boosts its chunks, and anchors "similar campaigns". */
  campaignId?: string | null;
  /** The task type the search is for: boosts chunks of the same type. */
  taskType?: string | null;
  filter?: RetrievalFilter;
  /** true: negative examples (rejected drafts) ONLY; false (default): positives only. Never both. */
  includeNegative?: boolean;
  weights?: Partial<RetrievalWeights>;
  /** Candidates reranked (the top of the hybrid ranking). Default 30, at least k. */
  rerankTop?: number;
  /** An LLM reranker for this search (it runs through the governed executor, in the caller's context). */
  llmReranker?: LlmReranker | null;
  signal?: AbortSignal;
}

/** How a result's score was made. Component scores are null when the chunk was not a candidate of that kind. */
export interface ScoreBreakdown {
  /** Cosine similarity of the query and the chunk. */
  vector: number | null;
  /** Full-text rank (`ts_rank_cd`, normalised rank/(rank+1)). */
  lexical: number | null;
  boosts: { campaign: number; taskType: number; similarCampaign: number };
  /** Hybrid score plus boosts. */
  fused: number;
  /** Score-fusion rerank (fused + RRF + quality); null when outside the reranked top. */
  rerank: number | null;
  /** The LLM reranker's relevance (0..1); null when no LLM reranker ran. */
  llm: number | null;
}

/** Where a result's text comes from (the chunk's provenance of record). */
export interface Provenance {
  source: ChunkSource;
  sourceKey: string;
  sourceVersion: number;
  runId: string | null;
  campaignId: string | null;
  taskType: string | null;
  stage: string | null;
  qualityScore: number;
  negative: boolean;
  createdAt: string;
}

/** One retrieved chunk. */
export interface SearchResult {
  chunkId: string;
  text: string;
  heading: string | null;
  score: number;
  breakdown: ScoreBreakdown;
  provenance: Provenance;
}

/** What a search returns. */
export interface SearchResponse {
  results: SearchResult[];
  /** The campaigns that were boosted as similar to the request's, with why. */
  similarCampaigns: Array<{ campaignId: string; similarity: number; sharesTaskType: boolean }>;
  /** `fusion`, or `llm:<provider>:<model>` when the LLM reranker ran. */
  reranker: string;
  /** Cost of this search: the query embedding plus the LLM reranking when it ran. */
  costUsd: number;
  /** The query embedding's part of `costUsd` (the LLM reranker's call is metered as its own tool call). */
  embeddingCostUsd: number;
  /** How many candidates each side found, and how many vector hits were dropped for lack of a row. */
  candidates: { vector: number; lexical: number; droppedWithoutRow: number };
  embedder: string;
}

/** A passage handed to an LLM reranker. */
export interface RerankPassage {
  id: string;
  text: string;
}

/**
 * An LLM reranker: judges the relevance of each passage to the query, 0..1. Implementations call
 * the model through the governed `llm.complete` tool (permissions, metering, audit). A passage it
 * gives no score keeps its score-fusion rank.
 */
export interface LlmReranker {
  rerank(query: string, passages: RerankPassage[], signal?: AbortSignal): Promise<{ scores: Map<string, number>; label: string; costUsd: number }>;
}
