import type { Em } from '../../persistence/orm.js';
import type { VectorStore } from '../vector-store/vector-store.port.js';

/** A campaign of the brand judged similar to the one a search is for. */
export interface SimilarCampaign {
  campaignId: string;
  /** Best cosine similarity of the query to the campaign's `campaign_history` chunks (0 when it has none). */
  similarity: number;
  /** The campaign has (positive) knowledge of the search's task type. */
  sharesTaskType: boolean;
}

/** How many campaigns are boosted as similar, at most. */
export const SIMILAR_CAMPAIGN_LIMIT = 3;
/** A campaign's history must reach this share of the best campaign's similarity to count. */
export const SIMILAR_RELATIVE_FLOOR = 0.5;
/** What sharing the task type adds when campaigns are ordered. */
export const SHARED_TASK_TYPE_BONUS = 0.1;
const HISTORY_CANDIDATES = 50;

/**
 * Similar campaigns: the other campaigns of the same tenant and brand that are about what the query
 * is about, or that produced the same kind of deliverable.
 *
 * 1. A vector search over the brand's positive `campaign_history` chunks (what each campaign was:
 *    objectives, audience, results) gives each campaign its best similarity to the query; the
 *    campaigns whose best is at least {@link SIMILAR_RELATIVE_FLOOR} of the top campaign's qualify
 *    (relative, so it holds for any embedder's similarity scale). Hits without a row are ignored.
 * 2. With a task type, campaigns that have positive knowledge of that task type qualify too.
 * 3. Qualifying campaigns are ordered by similarity + {@link SHARED_TASK_TYPE_BONUS} if they share
 *    the task type, and the first {@link SIMILAR_CAMPAIGN_LIMIT} are returned. The request's own
 *    campaign is never among them (it has its own, larger boost).
 */
export async function findSimilarCampaigns(
  deps: { em: Em; store: VectorStore },
  input: { tenantId: string; brandId: string; campaignId: string | null; taskType: string | null; vector: Float32Array; limit?: number },
): Promise<SimilarCampaign[]> {
  const [hits, sharing] = await Promise.all([
    deps.store.search({
      tenantId: input.tenantId, brandId: input.brandId, vector: input.vector, k: HISTORY_CANDIDATES,
      filter: { sources: ['campaign_history'], negative: false },
    }),
    input.taskType === null ? Promise.resolve([]) : deps.em.execute<Array<{ campaign_id: string }>>(
      `select distinct campaign_id from knowledge_chunk
        where tenant_id = ? and brand_id = ? and negative = false and task_type = ? and campaign_id is not null limit 500`,
      [input.tenantId, input.brandId, input.taskType],
    ),
  ]);
  const relevant = hits.filter((h) => h.metadata.campaignId !== null && h.metadata.campaignId !== input.campaignId
    && h.metadata.tenantId === input.tenantId && h.metadata.brandId === input.brandId);
  const present = relevant.length === 0 ? new Set<string>() : new Set((await deps.em.execute<Array<{ id: string }>>(
    `select id from knowledge_chunk where tenant_id = ? and brand_id = ? and id in (select value::uuid from jsonb_array_elements_text(?::jsonb))`,
    [input.tenantId, input.brandId, JSON.stringify(relevant.map((h) => h.id))],
  )).map((r) => r.id));
  const best = new Map<string, number>();
  for (const h of relevant) {
    if (!present.has(h.id)) continue;
    const id = h.metadata.campaignId as string;
    best.set(id, Math.max(best.get(id) ?? Number.NEGATIVE_INFINITY, h.similarity));
  }
  const top = Math.max(0, ...best.values());
  const shares = new Set(sharing.map((r) => r.campaign_id).filter((id) => id !== input.campaignId));
  const out: SimilarCampaign[] = [];
  for (const id of new Set([...best.keys(), ...shares])) {
    const similarity = Math.max(0, best.get(id) ?? 0);
    const sharesTaskType = shares.has(id);
    if ((top > 0 && similarity >= SIMILAR_RELATIVE_FLOOR * top) || sharesTaskType) out.push({ campaignId: id, similarity: Math.round(similarity * 1e6) / 1e6, sharesTaskType });
  }
  const rank = (c: SimilarCampaign) => c.similarity + (c.sharesTaskType ? SHARED_TASK_TYPE_BONUS : 0);
  out.sort((a, b) => rank(b) - rank(a) || a.campaignId.localeCompare(b.campaignId));
  return out.slice(0, input.limit ?? SIMILAR_CAMPAIGN_LIMIT);
}
