/**
 * Search helpers of {@link MilvusVectorStore}: vector normalisation (the inner product of unit
 * vectors is the cosine), how many candidates a search asks Milvus for, and the boosts the adapter
 * adds to them (Milvus cannot add a per-row boost inside a search).
 */
import type { VectorBoosts } from './vector-store.port.js';

/** Milvus' largest `limit` (topk) for a search. */
export const MILVUS_MAX_TOPK = 16384;
/** Largest k a search accepts (as the embedded store). */
export const MAX_K = 1000;

/**
 * How many candidates a search of k asks Milvus for. The boosts are exact over these candidates: a
 * chunk ranked below the cut by similarity is not seen, however large its boost.
 */
export function candidateCount(k: number): number {
  return Math.min(k * 4 + 20, MILVUS_MAX_TOPK);
}

/** The additive boost of a chunk (campaign, task type, similar campaigns), as the port defines it. */
export function boostOf(boosts: VectorBoosts | undefined, campaignId: string | null, taskType: string | null): number {
  if (!boosts) return 0;
  let boost = 0;
  if (boosts.campaign && campaignId !== null && campaignId === boosts.campaign.id) boost += boosts.campaign.weight;
  if (boosts.taskType && taskType !== null && taskType === boosts.taskType.value) boost += boosts.taskType.weight;
  if (boosts.similarCampaigns && campaignId !== null && boosts.similarCampaigns.ids.includes(campaignId)) boost += boosts.similarCampaigns.weight;
  return boost;
}

/** The unit vector of `v` as a plain array; refuses a wrong dimension, non-finite values and zero. */
export function unitVector(v: Float32Array, dimension: number, what: string): number[] {
  if (v.length !== dimension) throw new Error(`MilvusVectorStore.${what} has dimension ${v.length}, expected ${dimension}`);
  let sum = 0;
  for (const x of v) {
    if (!Number.isFinite(x)) throw new Error(`MilvusVectorStore.${what} has a non-finite value`);
    sum += x * x;
  }
  if (sum === 0) throw new Error(`MilvusVectorStore.${what} is all zeros and cannot be normalised`);
  const norm = Math.sqrt(sum);
  return Array.from(v, (x) => x / norm);
}
