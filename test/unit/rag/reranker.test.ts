import { describe, expect, it } from 'vitest';
import { createLlmReranker, parseRerankScores, rerankMessages, RERANK_PASSAGE_CHARS } from '../../../src/rag/retrieval/reranker.js';

const passages = [{ id: 'a', text: 'first' }, { id: 'b', text: 'second' }, { id: 'c', text: 'x'.repeat(RERANK_PASSAGE_CHARS + 50) }];

describe('LLM reranker prompt and parsing', () => {
  it('numbers the passages and truncates long ones', () => {
    const [system, user] = rerankMessages('trail shoes', passages);
    expect(system?.content).toContain('JSON only');
    expect(user?.content).toContain('Query: trail shoes');
    expect(user?.content).toContain('[P1] first');
    expect(user?.content).toContain('[P2] second');
    expect(user?.content).toContain(`[P3] ${'x'.repeat(RERANK_PASSAGE_CHARS)}…`);
  });

  it('reads the JSON answer, maps 0..10 to 0..1, clamps, and ignores unknown passages', () => {
    const s = parseRerankScores('Sure: {"scores":[{"id":"P1","relevance":10},{"id":"P2","relevance":3},{"id":"P9","relevance":5},{"id":"P3","relevance":14}]}', passages);
    expect(Object.fromEntries(s)).toEqual({ a: 1, b: 0.3, c: 1 });
  });

  it('falls back to P<n> … <number> pairs when the answer is not JSON', () => {
    const s = parseRerankScores('P1: 2\nP2 - relevance 8', passages);
    expect(Object.fromEntries(s)).toEqual({ a: 0.2, b: 0.8 });
  });

  it('an unreadable answer gives no scores', () => {
    expect(parseRerankScores('I cannot help with that.', passages).size).toBe(0);
  });

  it('ignores the offline provider and labels a real model', async () => {
    const offline = createLlmReranker(async () => ({ content: '{"scores":[{"id":"P1","relevance":9}]}', provider: 'offline', model: 'offline', costUsd: 0, offline: true }));
    expect((await offline.rerank('q', passages)).scores.size).toBe(0);
    const real = createLlmReranker(async () => ({ content: '{"scores":[{"id":"P2","relevance":9}]}', provider: 'openai', model: 'm', costUsd: 0.002, offline: false }));
    const res = await real.rerank('q', passages);
    expect(res).toMatchObject({ label: 'llm:openai:m', costUsd: 0.002 });
    expect(res.scores.get('b')).toBe(0.9);
  });
});
