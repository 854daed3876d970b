import type { RetrievalWeights, ScoreBreakdown } from './retrieval-types.js';

/** What fusion needs to know of a candidate chunk (from its row of record). */
export interface FusionCandidate {
  id: string;
  /** Cosine similarity, null when the chunk was not a vector candidate. */
  vector: number | null;
  /** 1-based position in the vector candidate list. */
  vectorRank: number | null;
  /** Full-text rank (0..1), null when not a lexical candidate. */
  lexical: number | null;
  lexicalRank: number | null;
  campaignId: string | null;
  taskType: string | null;
  qualityScore: number;
  contentHash: string;
}

/** A candidate with its scores. */
export interface Scored extends FusionCandidate {
  breakdown: ScoreBreakdown;
  score: number;
}

/** The context boosts are relative to. */
export interface BoostContext {
  campaignId: string | null;
  taskType: string | null;
  similarCampaignIds: ReadonlySet<string>;
}

/** The RRF constant (Cormack et al. 2009): damps the head so one list's first place does not dominate. */
export const RRF_K = 60;

const round = (x: number) => Math.round(x * 1e6) / 1e6;
const byScore = (a: Scored, b: Scored) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/**
 * Hybrid scoring over the union of vector and lexical candidates:
 *
 *   hybrid = w.vector · max(0, cos) / max_cos  +  w.lexical · rank / max_rank
 *   fused  = hybrid + campaign boost + task-type boost + similar-campaign boost
 *
 * Each side is normalised by its best candidate, so the two are on one 0..1 scale whatever the
 * embedder or the text-search ranking function; a chunk found by one side only scores 0 on the
 * other. Boosts are additive and exclusive between "same campaign" and "similar campaign".
 * Returns the candidates ordered by `fused`, highest first (ties by id), with duplicates of the
 * same text (same content hash: the same passage in two source versions) kept once, the best.
 */
export function fuseScores(candidates: FusionCandidate[], ctx: BoostContext, w: RetrievalWeights): Scored[] {
  const maxVector = Math.max(0, ...candidates.map((c) => c.vector ?? 0));
  const maxLexical = Math.max(0, ...candidates.map((c) => c.lexical ?? 0));
  const scored = candidates.map((c): Scored => {
    const v = c.vector !== null && maxVector > 0 ? Math.max(0, c.vector) / maxVector : 0;
    const l = c.lexical !== null && maxLexical > 0 ? c.lexical / maxLexical : 0;
    const sameCampaign = ctx.campaignId !== null && c.campaignId === ctx.campaignId;
    const boosts = {
      campaign: sameCampaign ? w.campaign : 0,
      taskType: ctx.taskType !== null && c.taskType === ctx.taskType ? w.taskType : 0,
      similarCampaign: !sameCampaign && c.campaignId !== null && ctx.similarCampaignIds.has(c.campaignId) ? w.similarCampaign : 0,
    };
    const fused = w.vector * v + w.lexical * l + boosts.campaign + boosts.taskType + boosts.similarCampaign;
    return {
      ...c, score: fused,
      breakdown: {
        vector: c.vector === null ? null : round(c.vector), lexical: c.lexical === null ? null : round(c.lexical),
        boosts, fused: round(fused), rerank: null, llm: null,
      },
    };
  });
  scored.sort(byScore);
  const seen = new Set<string>();
  return scored.filter((s) => (seen.has(s.contentHash) ? false : (seen.add(s.contentHash), true)));
}

/**
 * The score-fusion reranker over the top `top` of the fused ranking:
 *
 *   rerank = fused + w.rrf · RRF / RRF_max + w.quality · qualityScore
 *   RRF    = 1/(RRF_K + vectorRank) + 1/(RRF_K + lexicalRank)   (a missing side contributes 0)
 *
 * RRF rewards agreement between the two retrievers by position (robust to how either side's
 * scores are spread), and quality prefers well-reviewed passages among equally relevant ones.
 * Returns the top, reordered by `rerank`; the rest is dropped.
 */
export function rerankByFusion(fused: Scored[], top: number, w: RetrievalWeights): Scored[] {
  const rrfMax = 2 / (RRF_K + 1);
  const head = fused.slice(0, top).map((s): Scored => {
    const rrf = (s.vectorRank !== null ? 1 / (RRF_K + s.vectorRank) : 0) + (s.lexicalRank !== null ? 1 / (RRF_K + s.lexicalRank) : 0);
    const rerank = s.breakdown.fused + w.rrf * (rrf / rrfMax) + w.quality * s.qualityScore;
    return { ...s, score: rerank, breakdown: { ...s.breakdown, rerank: round(rerank) } };
  });
  return head.sort(byScore);
}

/**
 * Blends an LLM reranker's judgement (0..1 per passage) into the score-fusion ranking:
 *
 *   score = (1 − w.llm) · rerank / max_rerank + w.llm · llm
 *
 * A passage the model did not score keeps its normalised rerank score as its `llm` part (neutral).
 */
export function blendLlmScores(reranked: Scored[], llm: ReadonlyMap<string, number>, w: RetrievalWeights): Scored[] {
  const max = Math.max(0, ...reranked.map((s) => s.breakdown.rerank ?? 0));
  const share = Math.min(1, Math.max(0, w.llm));
  return reranked.map((s): Scored => {
    const base = max > 0 ? (s.breakdown.rerank ?? 0) / max : 0;
    const judged = llm.get(s.id);
    const part = judged === undefined ? base : Math.min(1, Math.max(0, judged));
    return { ...s, score: (1 - share) * base + share * part, breakdown: { ...s.breakdown, llm: judged === undefined ? null : round(judged) } };
  }).sort(byScore);
}
