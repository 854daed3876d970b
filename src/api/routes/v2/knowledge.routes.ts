import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { COMMON_ERRORS, ErrorBody } from '../../../contracts/http/common.js';
import { KnowledgeSearchBody, KnowledgeSearchResponse, KnowledgeStatsQuery, KnowledgeStatsResource } from '../../../contracts/http/knowledge.js';
import { PlatformError } from '../../../domain/errors.js';
import { Campaign } from '../../../persistence/entities/campaign.entity.js';
import { brandStore } from '../../../persistence/repositories/brand.repository.js';
import type { KnowledgeIndexer } from '../../../rag/knowledge/knowledge-indexer.js';
import type { LlmReranker } from '../../../rag/retrieval/retrieval-types.js';
import type { Retriever } from '../../../rag/retrieval/retriever.js';
import type { VectorStore } from '../../../rag/vector-store/vector-store.port.js';

/** What the knowledge search and stats routes need. */
export interface KnowledgeRouteOptions {
  retriever: Retriever;
  indexer: KnowledgeIndexer;
  store: VectorStore;
  /** An LLM reranker for a request (through the governed executor), or null/absent: score fusion only. */
  llmReranker?: ((ctx: { tenantId: string; requestId: string }) => LlmReranker | null) | undefined;
}

/**
 * Knowledge search and stats. `POST /v2/knowledge/search` is hybrid retrieval over one brand's
 * knowledge (approved artifacts, brand rules, feedback, campaign history) with the score breakdown
 * and provenance of every result; it reads only (viewer). `GET /v2/knowledge/stats` counts chunks
 * per brand and source, and learnings indexed or not.
 */
export async function knowledgeRoutes(app: FastifyInstance, opts: KnowledgeRouteOptions): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['knowledge'];

  r.post('/knowledge/search', {
    schema: {
      tags, summary: "Search a brand's knowledge (hybrid vector + full-text, boosts, rerank)",
      description: 'Tenant and brand are always applied. `includeNegative: true` returns rejected drafts only (negative examples), never mixed with positives. Scores come with their breakdown and every result with its provenance.',
      body: KnowledgeSearchBody, response: { 200: KnowledgeSearchResponse, ...COMMON_ERRORS, 422: ErrorBody },
    },
  }, async (request) => {
    const body = request.body;
    const tenantId = request.scope.tenantId;
    // The brand store knows no deleted brand: unknown, foreign and deleted brands are alike a 404.
    await brandStore.get(request.scope, body.brandId);
    if (body.campaignId) {
      const campaign = await request.scope.em.findOne(Campaign, { id: body.campaignId }, { fields: ['id', 'brand'] });
      if (!campaign || campaign.brand.id !== body.brandId) {
        throw new PlatformError('INVALID_REFERENCE', `campaign ${body.campaignId} is not a campaign of brand ${body.brandId} in this tenant`, { field: 'campaignId', id: body.campaignId });
      }
    }
    const f = body.filters ?? {};
    const res = await opts.retriever.search({
      tenantId, brandId: body.brandId, query: body.query, k: body.k,
      ...(body.campaignId ? { campaignId: body.campaignId } : {}), ...(body.taskType ? { taskType: body.taskType } : {}),
      includeNegative: body.includeNegative === true,
      filter: {
        ...(f.campaignIds ? { campaignIds: f.campaignIds } : {}), ...(f.taskTypes ? { taskTypes: f.taskTypes } : {}),
        ...(f.stages ? { stages: f.stages } : {}), ...(f.sources ? { sources: f.sources } : {}),
        ...(f.minQualityScore !== undefined ? { minQualityScore: f.minQualityScore } : {}),
        ...(f.createdAfter ? { createdAfter: new Date(f.createdAfter) } : {}), ...(f.createdBefore ? { createdBefore: new Date(f.createdBefore) } : {}),
      },
      llmReranker: opts.llmReranker?.({ tenantId, requestId: String(request.id) }) ?? null,
    });
    request.log.debug({ brandId: body.brandId, results: res.results.length, costUsd: res.costUsd, reranker: res.reranker }, 'knowledge search');
    return { brandId: body.brandId, query: body.query, k: body.k, ...res };
  });

  r.get('/knowledge/stats', {
    schema: { tags, summary: 'Knowledge counts per brand and source, and learnings indexed or not', querystring: KnowledgeStatsQuery, response: { 200: KnowledgeStatsResource, ...COMMON_ERRORS } },
  }, async (request) => {
    const { brandId } = request.query;
    if (brandId) await brandStore.get(request.scope, brandId);
    const stats = await opts.indexer.stats(request.scope.tenantId, brandId);
    const vectors = brandId ? null : (await opts.store.stats(request.scope.tenantId)).vectors;
    return { ...stats, vectors, embedder: opts.indexer.embedderLabel, vectorStore: opts.store.kind };
  });
}
