/**
 * The embeddings port. Adapters: the local embedder (default; hashed word and character n-grams
 * into a fixed-dimension vector, no network, no model files) and an OpenAI-compatible embeddings
 * endpoint (`EMBEDDINGS_BASE_URL`, `EMBEDDINGS_MODEL`, `EMBEDDINGS_DIMENSION`).
 */

/** One batch's result: unit-length vectors in input order, with usage and cost like any provider call. */
export interface EmbeddingResult {
  vectors: Float32Array[];
  provider: string;
  model: string;
  usage: { inputTokens: number };
  costUsd: number;
}

/** An embedder. `embed` batches internally (at most `maxBatch` texts per request). */
export interface Embedder {
  readonly name: string;
  readonly model: string;
  readonly dimension: number;
  embed(texts: string[], signal?: AbortSignal): Promise<EmbeddingResult>;
}

/** `<embedder name>/<model>`: stored on every chunk row (a change of embedder re-embeds) and reported by search and stats. */
export function embedderLabel(embedder: Pick<Embedder, 'name' | 'model'>): string {
  return `${embedder.name}/${embedder.model}`;
}
