import type { Embedder, EmbeddingResult } from './embedder.port.js';

/** Options of {@link LocalEmbedder}. */
export interface LocalEmbedderOptions {
  /** Vector length. Default 384 (the size of common small sentence models, so stores can switch). */
  dimension?: number;
}

export const DEFAULT_LOCAL_DIMENSION = 384;

/** Feature weights: whole words count more than the character n-grams that catch inflections and typos. */
const WEIGHT_UNIGRAM = 1.0;
const WEIGHT_BIGRAM = 0.6;
const WEIGHT_CHARGRAM = 0.2;

/** Function words that carry no topic: left out of unigrams and bigrams (they still count as tokens). */
const STOP_WORDS = new Set(
  ('a an and are as at be but by for from has have he her his i if in into is it its me my no not of on or our ' +
    'she so that the their them there these they this those to us was we were what when which who will with you your').split(' '),
);

/**
 * The default embedder: a **lexical-semantic hashing embedder**, not a neural model. It needs no
 * network and no model files, and costs nothing.
 *
 * Text is lower-cased and accent-folded (NFKD, combining marks removed) and split into words
 * (letters and digits). Features: word unigrams and bigrams (function words left out), and the
 * character 3- and 4-grams of each word (with `<` `>` boundary marks, so `launch` and `launches`
 * share most of them). Each feature is hashed with FNV-1a (32-bit, mixed with a murmur3 finaliser)
 * to a dimension and a sign (signed hashing: collisions cancel on average instead of piling up),
 * weighted by kind (words > bigrams > char n-grams) and by sublinear term frequency `1 + ln(tf)`, and
 * the vector is L2-normalised.
 *
 * What it gives: texts that share wording (words, stems, phrases) get similar vectors, so retrieval
 * by brand knowledge, past drafts and feedback works offline. What it does not: synonyms or
 * paraphrases with no shared words ("car" vs "automobile") are not close. Deterministic across runs,
 * processes and machines (pure integer arithmetic on UTF-16 code units). `usage.inputTokens` is the
 * word count; `costUsd` is 0. Empty or blank text is refused: callers never embed it.
 */
export class LocalEmbedder implements Embedder {
  readonly name = 'local';
  readonly model: string;
  readonly dimension: number;

  constructor(options: LocalEmbedderOptions = {}) {
    const dimension = options.dimension ?? DEFAULT_LOCAL_DIMENSION;
    if (!Number.isInteger(dimension) || dimension < 8 || dimension > 8192) throw new RangeError(`LocalEmbedder: dimension must be an integer in 8..8192, got ${dimension}`);
    this.dimension = dimension;
    this.model = `hash-ngram-${dimension}`;
  }

  // Synchronous work behind the port's async signature; the signal is checked between texts.
  async embed(texts: string[], signal?: AbortSignal): Promise<EmbeddingResult> {
    const vectors: Float32Array[] = [];
    let inputTokens = 0;
    texts.forEach((text, i) => {
      signal?.throwIfAborted();
      if (typeof text !== 'string' || text.trim() === '') throw new Error(`LocalEmbedder: text ${i} is empty; embed only non-blank text`);
      const { vector, words } = this.embedOne(text);
      vectors.push(vector);
      inputTokens += words;
    });
    return { vectors, provider: this.name, model: this.model, usage: { inputTokens }, costUsd: 0 };
  }

  /** One text's vector and its word count. */
  embedOne(text: string): { vector: Float32Array; words: number } {
    const words = tokenize(text);
    const counts = new Map<number, { weight: number; tf: number }>();
    const add = (key: string, weight: number) => {
      const h = hash(key);
      const slot = counts.get(h);
      if (slot) slot.tf += 1;
      else counts.set(h, { weight, tf: 1 });
    };
    let prev: string | null = null;
    for (const w of words) {
      if (STOP_WORDS.has(w)) continue;
      add(`w\u0001${w}`, WEIGHT_UNIGRAM);
      if (prev !== null) add(`b\u0001${prev}\u0002${w}`, WEIGHT_BIGRAM);
      prev = w;
      const marked = `<${w}>`;
      if (marked.length <= 4) add(`c\u0001${marked}`, WEIGHT_CHARGRAM);
      else {
        for (let n = 3; n <= 4; n++) for (let i = 0; i + n <= marked.length; i++) add(`c\u0001${marked.slice(i, i + n)}`, WEIGHT_CHARGRAM);
      }
    }
    if (counts.size === 0) {
      // Only function words or only symbols: fall back to character trigrams of the raw text so the
      // vector is still a deterministic unit vector that matches the same text.
      const raw = `<${text.trim().toLowerCase().replace(/\s+/g, ' ')}>`;
      for (let i = 0; i + 3 <= raw.length; i++) add(`r\u0001${raw.slice(i, i + 3)}`, WEIGHT_CHARGRAM);
    }
    const acc = new Float64Array(this.dimension);
    for (const [h, { weight, tf }] of counts) {
      const index = h % this.dimension;
      const sign = (h & 0x80000000) !== 0 ? -1 : 1;
      acc[index] = (acc[index] ?? 0) + sign * weight * (1 + Math.log(tf));
    }
    let norm = 0;
    for (let i = 0; i < acc.length; i++) norm += (acc[i] ?? 0) * (acc[i] ?? 0);
    norm = Math.sqrt(norm);
    const vector = new Float32Array(this.dimension);
    if (norm === 0) {
      // Every feature cancelled out (astronomically unlikely): a fixed unit vector keeps the contract.
      vector[hash(text) % this.dimension] = 1;
    } else {
      for (let i = 0; i < acc.length; i++) vector[i] = (acc[i] ?? 0) / norm;
    }
    return { vector, words: countWords(text) };
  }
}

/** Lower-cased, accent-folded words of letters and digits. */
export function tokenize(text: string): string[] {
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w.length > 0);
}

function countWords(text: string): number {
  const m = text.match(/\S+/g);
  return m ? m.length : 0;
}

/** FNV-1a 32-bit over UTF-16 code units, then the murmur3 finaliser for well-spread low bits. */
export function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
