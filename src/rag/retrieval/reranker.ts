import type { LlmReranker, RerankPassage } from './retrieval-types.js';

/** A chat message as the reranker sends it. */
export interface RerankMessage {
  role: 'system' | 'user';
  content: string;
}

/** A completion as the reranker needs it back (from the governed `llm.complete` tool). */
export interface RerankCompletion {
  content: string;
  provider: string;
  model: string;
  costUsd: number;
  /** True when the offline provider answered: it cannot judge relevance, so its answer is ignored. */
  offline: boolean;
}

/** The longest passage text shown to the model (characters); the head of a chunk carries its topic. */
export const RERANK_PASSAGE_CHARS = 700;

const SYSTEM = [
  'You rank passages for a marketing team\'s retrieval system.',
  'For each passage, rate how useful it is for answering or writing about the query, from 0 (unrelated) to 10 (directly on point).',
  'Answer with JSON only, exactly: {"scores":[{"id":"P1","relevance":7},...]} with one entry per passage.',
].join(' ');

/** The messages asking a model to rate each passage's relevance to the query. */
export function rerankMessages(query: string, passages: RerankPassage[]): RerankMessage[] {
  const list = passages.map((p, i) => `[P${i + 1}] ${p.text.length > RERANK_PASSAGE_CHARS ? `${p.text.slice(0, RERANK_PASSAGE_CHARS)}…` : p.text}`).join('\n\n');
  return [
    { role: 'system', content: SYSTEM },
    { role: 'user', content: `Query: ${query}\n\nPassages:\n${list}` },
  ];
}

/**
 * Reads the model's ratings: the JSON object asked for, or failing that `P<n> … <number>` pairs.
 * Ratings are mapped from 0..10 to 0..1 (clamped); unknown passage numbers are ignored.
 */
export function parseRerankScores(content: string, passages: RerankPassage[]): Map<string, number> {
  const out = new Map<string, number>();
  const put = (label: string, value: unknown) => {
    const n = Number(/^P?(\d+)$/i.exec(label.trim())?.[1]);
    const v = typeof value === 'number' ? value : Number(value);
    const p = passages[n - 1];
    if (p && Number.isFinite(v)) out.set(p.id, Math.min(1, Math.max(0, v / 10)));
  };
  const start = content.indexOf('{');
  const end = content.lastIndexOf('}');
  if (start >= 0 && end > start) {
    try {
      const parsed = JSON.parse(content.slice(start, end + 1)) as { scores?: Array<{ id?: unknown; relevance?: unknown; score?: unknown }> };
      for (const s of parsed.scores ?? []) if (typeof s.id === 'string') put(s.id, s.relevance ?? s.score);
      if (out.size > 0) return out;
    } catch {
      // Not JSON after all: read the pairs below.
    }
  }
  for (const m of content.matchAll(/\bP(\d+)\b[^0-9\n]{0,40}?(\d+(?:\.\d+)?)/gi)) put(`P${m[1]}`, Number(m[2]));
  return out;
}

/**
 * An LLM reranker over a completion function (the caller binds it to the governed `llm.complete`
 * tool with its own tenant, run and idempotency key). An answer of the offline provider is ignored
 * (empty scores): the score-fusion ranking stands.
 */
export function createLlmReranker(complete: (messages: RerankMessage[], signal?: AbortSignal) => Promise<RerankCompletion>): LlmReranker {
  return {
    async rerank(query, passages, signal) {
      if (passages.length === 0) return { scores: new Map(), label: 'fusion', costUsd: 0 };
      const res = await complete(rerankMessages(query, passages), signal);
      if (res.offline) return { scores: new Map(), label: 'fusion', costUsd: res.costUsd };
      return { scores: parseRerankScores(res.content, passages), label: `llm:${res.provider}:${res.model}`, costUsd: res.costUsd };
    },
  };
}
