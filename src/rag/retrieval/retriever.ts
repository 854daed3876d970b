import { PlatformError } from '../../domain/errors.js';
import { isUuid } from '../../domain/ids.js';
import type { Logger } from '../../observability/logger.js';
import type { Orm } from '../../persistence/orm.js';
import { tenantEm } from '../../persistence/scope.js';
import { embedderLabel, type Embedder } from '../embeddings/embedder.port.js';
import { CHUNK_SOURCES, type ChunkSource, type VectorFilter, type VectorStore } from '../vector-store/vector-store.port.js';
import { chunkCondition } from './chunk-filter-sql.js';
import { lexicalSearch } from './lexical-search.js';
import {
  DEFAULT_RETRIEVAL_WEIGHTS, MAX_K, MAX_QUERY_CHARS, MIN_K,
  type RetrievalWeights, type SearchRequest, type SearchResponse, type SearchResult,
} from './retrieval-types.js';
import { blendLlmScores, fuseScores, rerankByFusion, type FusionCandidate, type Scored } from './score-fusion.js';
import { findSimilarCampaigns, type SimilarCampaign } from './similar-campaigns.js';

/** Options of {@link Retriever}. */
export interface RetrieverOptions {
  orm: Orm;
  embedder: Embedder;
  store: VectorStore;
  logger?: Logger;
}

/** Candidates reranked unless the request says otherwise. */
export const DEFAULT_RERANK_TOP = 30;
/** Candidates fetched from each side: enough for the reranked top after deduplication. */
const MAX_POOL = 200;

interface ChunkRow {
  id: string;
  campaign_id: string | null;
  task_type: string | null;
  stage: string | null;
  source: string;
  source_key: string;
  source_version: number;
  run_id: string | null;
  quality_score: number | string;
  negative: boolean;
  heading: string | null;
  text: string;
  content_hash: string;
  created_at: string | Date;
}

function invalid(message: string, field: string): PlatformError {
  return new PlatformError('VALIDATION_FAILED', message, { issues: [{ path: field, message }] });
}

/** Checks a request at the retriever itself (the tool path has no HTTP schema in front of it). */
function validate(req: SearchRequest): RetrievalWeights {
  if (!isUuid(req.tenantId)) throw invalid('tenantId must be a uuid', 'tenantId');
  if (!isUuid(req.brandId)) throw invalid('brandId must be a uuid', 'brandId');
  if (typeof req.query !== 'string' || req.query.trim() === '') throw invalid('query must not be empty or blank', 'query');
  if (req.query.length > MAX_QUERY_CHARS) throw invalid(`query must be at most ${MAX_QUERY_CHARS} characters`, 'query');
  if (!Number.isInteger(req.k) || req.k < MIN_K || req.k > MAX_K) throw invalid(`k must be an integer from ${MIN_K} to ${MAX_K}`, 'k');
  if (req.campaignId != null && !isUuid(req.campaignId)) throw invalid('campaignId must be a uuid', 'campaignId');
  const f = req.filter ?? {};
  for (const id of f.campaignIds ?? []) if (!isUuid(id)) throw invalid('filter.campaignIds must be uuids', 'filter.campaignIds');
  for (const s of f.sources ?? []) if (!CHUNK_SOURCES.includes(s)) throw invalid(`filter.sources must be among ${CHUNK_SOURCES.join(', ')}`, 'filter.sources');
  if (f.minQualityScore !== undefined && !(f.minQualityScore >= 0 && f.minQualityScore <= 1)) throw invalid('filter.minQualityScore must be within 0..1', 'filter.minQualityScore');
  for (const key of ['createdAfter', 'createdBefore'] as const) {
    const d = f[key];
    if (d !== undefined && !(d instanceof Date && Number.isFinite(d.getTime()))) throw invalid(`filter.${key} must be a valid time`, `filter.${key}`);
  }
  const weights = { ...DEFAULT_RETRIEVAL_WEIGHTS, ...req.weights };
  for (const [name, value] of Object.entries(weights)) {
    if (!(Number.isFinite(value) && value >= 0 && value <= 10)) throw invalid(`weights.${name} must be a number within 0..10`, `weights.${name}`);
  }
  return weights;
}

/**
 * Hybrid retrieval over a brand's knowledge.
 *
 * 1. The query is embedded (its cost is metered in the response).
 * 2. Similar campaigns are found (see similar-campaigns.ts) when their boost has weight.
 * 3. Candidates, in parallel: vector hits from the store (tenant + brand always; filters; the
 *    campaign, task-type and similar-campaign boosts applied inside the store) and full-text hits
 *    from Postgres (same tenant, brand and filters).
 * 4. The rows of record are loaded for the union under the same conditions: a vector hit with no
 *    row (deleted, or a write that crashed half-way) or one the row's metadata does not qualify
 *    is dropped, so the store's answer alone can never surface text.
 * 5. Hybrid fusion, then the score-fusion rerank of the top `rerankTop` (score-fusion.ts), then,
 *    when the request carries an LLM reranker, its judgement blended in. The first `k` are returned
 *    with their score breakdown and provenance.
 *
 * Negative examples (rejected drafts) are returned only when `includeNegative` is true, and then
 * only negatives: they never mix with positive context.
 */
export class Retriever {
  constructor(private readonly opts: RetrieverOptions) {}

  get embedderLabel(): string {
    return embedderLabel(this.opts.embedder);
  }

  async search(req: SearchRequest): Promise<SearchResponse> {
    const w = validate(req);
    const negative = req.includeNegative === true;
    const campaignId = req.campaignId ?? null;
    const taskType = req.taskType ?? null;
    const rerankTop = Math.max(req.k, req.rerankTop ?? DEFAULT_RERANK_TOP);
    const pool = Math.min(MAX_POOL, Math.max(rerankTop * 2, req.k * 3));
    const em = tenantEm(this.opts.orm, req.tenantId);
    const filter = req.filter ?? {};

    const embedded = await this.opts.embedder.embed([req.query], req.signal);
    const vector = embedded.vectors[0];
    if (!vector) throw new Error(`embedder ${this.embedderLabel} returned no vector for the query`);
    let costUsd = embedded.costUsd;

    const similar: SimilarCampaign[] = w.similarCampaign > 0 && !negative
      ? await findSimilarCampaigns({ em, store: this.opts.store }, { tenantId: req.tenantId, brandId: req.brandId, campaignId, taskType, vector })
      : [];
    const vectorFilter: VectorFilter = {
      negative,
      ...(filter.campaignIds ? { campaignIds: filter.campaignIds } : {}),
      ...(filter.taskTypes ? { taskTypes: filter.taskTypes } : {}),
      ...(filter.stages ? { stages: filter.stages } : {}),
      ...(filter.sources ? { sources: filter.sources } : {}),
      ...(filter.minQualityScore !== undefined ? { minQualityScore: filter.minQualityScore } : {}),
      ...(filter.createdAfter ? { createdAfter: filter.createdAfter.getTime() } : {}),
      ...(filter.createdBefore ? { createdBefore: filter.createdBefore.getTime() } : {}),
    };
    const [vectorHits, lexicalHits] = await Promise.all([
      this.opts.store.search({
        tenantId: req.tenantId, brandId: req.brandId, vector, k: pool, filter: vectorFilter,
        boosts: {
          ...(campaignId && w.campaign > 0 ? { campaign: { id: campaignId, weight: w.campaign } } : {}),
          ...(taskType && w.taskType > 0 ? { taskType: { value: taskType, weight: w.taskType } } : {}),
          ...(similar.length > 0 ? { similarCampaigns: { ids: similar.map((s) => s.campaignId), weight: w.similarCampaign } } : {}),
        },
      }),
      lexicalSearch(em, { tenantId: req.tenantId, brandId: req.brandId, query: req.query, negative, filter, limit: pool }),
    ]);

    // The store is trusted with nothing: a hit of another tenant or brand (an adapter bug) is dropped here too.
    const ownVectorHits = vectorHits.filter((h) => h.metadata.tenantId === req.tenantId && h.metadata.brandId === req.brandId);
    const ids = [...new Set([...ownVectorHits.map((h) => h.id), ...lexicalHits.map((h) => h.id)])];
    const rows = ids.length === 0 ? [] : await this.loadRows(req.tenantId, req.brandId, negative, filter, ids);
    const byId = new Map(rows.map((r) => [r.id, r]));
    const vectorById = new Map(ownVectorHits.map((h, i) => [h.id, { similarity: h.similarity, rank: i + 1 }]));
    const lexicalById = new Map(lexicalHits.map((h, i) => [h.id, { rank: h.rank, position: i + 1 }]));
    const candidates: FusionCandidate[] = ids.flatMap((id) => {
      const row = byId.get(id);
      if (!row) return [];
      const v = vectorById.get(id);
      const l = lexicalById.get(id);
      return [{
        id, vector: v?.similarity ?? null, vectorRank: v?.rank ?? null, lexical: l?.rank ?? null, lexicalRank: l?.position ?? null,
        campaignId: row.campaign_id, taskType: row.task_type, qualityScore: Number(row.quality_score), contentHash: row.content_hash,
      }];
    });
    const droppedWithoutRow = ownVectorHits.filter((h) => !byId.has(h.id)).length;

    const fused = fuseScores(candidates, { campaignId, taskType, similarCampaignIds: new Set(similar.map((s) => s.campaignId)) }, w);
    let ranked: Scored[] = rerankByFusion(fused, rerankTop, w);
    let reranker = 'fusion';
    if (req.llmReranker && ranked.length > 1 && w.llm > 0) {
      try {
        const judged = await req.llmReranker.rerank(req.query, ranked.map((s) => ({ id: s.id, text: byId.get(s.id)?.text ?? '' })), req.signal);
        costUsd += judged.costUsd;
        if (judged.scores.size > 0) {
          ranked = blendLlmScores(ranked, judged.scores, w);
          reranker = judged.label;
        }
      } catch (err) {
        if (req.signal?.aborted) throw err;
        // The LLM reranker is an improvement, not a dependency: the score-fusion ranking stands.
        this.opts.logger?.warn({ err, tenantId: req.tenantId }, 'LLM reranker failed; score-fusion ranking used');
      }
    }

    const results: SearchResult[] = ranked.slice(0, req.k).map((s) => {
      const row = byId.get(s.id) as ChunkRow;
      return {
        chunkId: s.id, text: row.text, heading: row.heading, score: Math.round(s.score * 1e6) / 1e6, breakdown: s.breakdown,
        provenance: {
          source: row.source as ChunkSource, sourceKey: row.source_key, sourceVersion: Number(row.source_version), runId: row.run_id,
          campaignId: row.campaign_id, taskType: row.task_type, stage: row.stage, qualityScore: Number(row.quality_score), negative: row.negative,
          createdAt: new Date(row.created_at).toISOString(),
        },
      };
    });
    if (droppedWithoutRow > 0) this.opts.logger?.debug({ tenantId: req.tenantId, brandId: req.brandId, droppedWithoutRow }, 'vector hits without a chunk row dropped');
    return {
      results, similarCampaigns: similar, reranker, costUsd, embeddingCostUsd: embedded.costUsd, embedder: this.embedderLabel,
      candidates: { vector: ownVectorHits.length, lexical: lexicalHits.length, droppedWithoutRow },
    };
  }

  private async loadRows(tenantId: string, brandId: string, negative: boolean, filter: SearchRequest['filter'], ids: string[]): Promise<ChunkRow[]> {
    const cond = chunkCondition(tenantId, brandId, negative, filter);
    return tenantEm(this.opts.orm, tenantId).execute<ChunkRow[]>(
      `select id, campaign_id, task_type, stage, source, source_key, source_version, run_id, quality_score, negative, heading, text,
              content_hash, created_at
         from knowledge_chunk
        where ${cond.sql} and id in (select value::uuid from jsonb_array_elements_text(?::jsonb))`,
      [...cond.params, JSON.stringify(ids)],
    );
  }
}
