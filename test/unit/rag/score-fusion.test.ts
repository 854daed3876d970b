import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRIEVAL_WEIGHTS as W } from '../../../src/rag/retrieval/retrieval-types.js';
import { blendLlmScores, fuseScores, rerankByFusion, RRF_K, type FusionCandidate } from '../../../src/rag/retrieval/score-fusion.js';

function cand(id: string, over: Partial<FusionCandidate> = {}): FusionCandidate {
  return { id, vector: null, vectorRank: null, lexical: null, lexicalRank: null, campaignId: null, taskType: null, qualityScore: 0.8, contentHash: `h-${id}`, ...over };
}
const noBoost = { campaignId: null, taskType: null, similarCampaignIds: new Set<string>() };

describe('fuseScores', () => {
  it('normalises each side by its best candidate and weights them', () => {
    const out = fuseScores([cand('a', { vector: 0.5 }), cand('b', { vector: 0.25, lexical: 0.2 }), cand('c', { lexical: 0.4 })], noBoost, W);
    const by = Object.fromEntries(out.map((s) => [s.id, s.breakdown.fused]));
    expect(by.a).toBeCloseTo(W.vector * 1, 6);
    expect(by.b).toBeCloseTo(W.vector * 0.5 + W.lexical * 0.5, 6);
    expect(by.c).toBeCloseTo(W.lexical * 1, 6);
    expect(out.map((s) => s.id)).toEqual(['c', 'b', 'a'].sort((x, y) => (by[y] ?? 0) - (by[x] ?? 0)));
  });

  it('treats a negative cosine as no similarity, and a side with no positive score as absent', () => {
    const out = fuseScores([cand('a', { vector: -0.3 }), cand('b', { vector: -0.1 })], noBoost, W);
    expect(out.every((s) => s.breakdown.fused === 0)).toBe(true);
    expect(out.find((s) => s.id === 'a')?.breakdown.vector).toBe(-0.3);
  });

  it('adds the campaign, task-type and similar-campaign boosts; same campaign and similar campaign exclude each other', () => {
    const ctx = { campaignId: 'c1', taskType: 'email', similarCampaignIds: new Set(['c1', 'c2']) };
    const out = fuseScores([
      cand('same', { vector: 0.5, campaignId: 'c1', taskType: 'email' }),
      cand('similar', { vector: 0.5, campaignId: 'c2' }),
      cand('other', { vector: 0.5, campaignId: 'c3', taskType: 'social_post' }),
    ], ctx, W);
    const by = Object.fromEntries(out.map((s) => [s.id, s.breakdown]));
    expect(by.same?.boosts).toEqual({ campaign: W.campaign, taskType: W.taskType, similarCampaign: 0 });
    expect(by.similar?.boosts).toEqual({ campaign: 0, taskType: 0, similarCampaign: W.similarCampaign });
    expect(by.other?.boosts).toEqual({ campaign: 0, taskType: 0, similarCampaign: 0 });
    expect(out.map((s) => s.id)).toEqual(['same', 'similar', 'other']);
  });

  it('keeps one chunk per content hash, the best scored', () => {
    const out = fuseScores([cand('old', { vector: 0.3, contentHash: 'x' }), cand('new', { vector: 0.6, contentHash: 'x' }), cand('z', { vector: 0.1 })], noBoost, W);
    expect(out.map((s) => s.id)).toEqual(['new', 'z']);
  });

  it('breaks ties by id, so the order is stable', () => {
    const out = fuseScores([cand('b', { vector: 0.5 }), cand('a', { vector: 0.5 })], noBoost, W);
    expect(out.map((s) => s.id)).toEqual(['a', 'b']);
  });
});

describe('rerankByFusion', () => {
  it('adds normalised RRF of both rankings and quality to the fused score, over the top only', () => {
    const fused = fuseScores([
      cand('both', { vector: 0.4, vectorRank: 2, lexical: 0.3, lexicalRank: 1, qualityScore: 1 }),
      cand('vec', { vector: 0.5, vectorRank: 1, qualityScore: 0 }),
      cand('tail', { vector: 0.1, vectorRank: 3 }),
    ], noBoost, W);
    const out = rerankByFusion(fused, 2, W);
    expect(out.map((s) => s.id)).toEqual(['both', 'vec']);
    const both = out[0];
    const rrf = (1 / (RRF_K + 2) + 1 / (RRF_K + 1)) / (2 / (RRF_K + 1));
    expect(both?.breakdown.rerank).toBeCloseTo((both?.breakdown.fused ?? 0) + W.rrf * rrf + W.quality * 1, 5);
    expect(out[1]?.breakdown.rerank).toBeCloseTo((out[1]?.breakdown.fused ?? 0) + W.rrf * ((1 / (RRF_K + 1)) / (2 / (RRF_K + 1))), 5);
  });
});

describe('blendLlmScores', () => {
  it('mixes the LLM judgement with the normalised rerank score by the llm weight; unjudged passages stay neutral', () => {
    const reranked = rerankByFusion(fuseScores([cand('a', { vector: 0.9, vectorRank: 1 }), cand('b', { vector: 0.8, vectorRank: 2 }), cand('c', { vector: 0.7, vectorRank: 3 })], noBoost, W), 3, W);
    const out = blendLlmScores(reranked, new Map([['c', 1], ['a', 0]]), { ...W, llm: 0.5 });
    expect(out[0]?.id).toBe('c');
    expect(out.find((s) => s.id === 'a')?.breakdown.llm).toBe(0);
    expect(out.find((s) => s.id === 'b')?.breakdown.llm).toBeNull();
    const b = out.find((s) => s.id === 'b');
    const max = reranked[0]?.breakdown.rerank ?? 1;
    expect(b?.score).toBeCloseTo((reranked.find((s) => s.id === 'b')?.breakdown.rerank ?? 0) / max, 5);
  });
});
