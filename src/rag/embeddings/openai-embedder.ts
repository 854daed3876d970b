import OpenAI from 'openai';
import { NonRetryableToolError } from '../../contracts/tool-errors.js';
import { badResponse, toProviderError, type CallContext } from '../../providers/provider-errors.js';
import type { Embedder, EmbeddingResult } from './embedder.port.js';

/** USD per 1M input tokens of known embedding models (list prices, 2026). Unknown models cost 0. */
export const EMBEDDING_PRICES: Readonly<Record<string, number>> = Object.freeze({
  'text-embedding-3-small': 0.02,
  'text-embedding-3-large': 0.13,
  'text-embedding-ada-002': 0.1,
});

/** Models that accept the `dimensions` request field (shortened Matryoshka embeddings). */
const DIMENSIONS_FIELD = /^text-embedding-3-/;

/** Error code of a vector whose length is not the configured dimension. */
export const EMBEDDING_DIMENSION_MISMATCH = 'EMBEDDING_DIMENSION_MISMATCH';

/** Options of {@link OpenAiEmbedder}. */
export interface OpenAiEmbedderOptions {
  /** Base URL of an OpenAI-compatible API (`https://api.openai.com/v1`, `http://localhost:11434/v1`…). */
  baseURL: string;
  /** Sent as `Authorization: Bearer`; local servers accept any value (default `unused`). */
  apiKey?: string;
  model: string;
  /** The vector length every response must have (and the store's dimension). */
  dimension: number;
  /** Most texts per request. Default 64. */
  maxBatch?: number;
  /** USD per 1M input tokens; default from {@link EMBEDDING_PRICES}, else 0. */
  pricePerMillionTokens?: number;
  /** Send `dimensions` in requests; default: for models that support it (`text-embedding-3-*`). */
  sendDimensions?: boolean;
  /**
   * `float` (default: every OpenAI-compatible server speaks it) or `base64` (smaller responses;
   * OpenAI itself). Responses in either form are accepted whatever was asked.
   */
  encodingFormat?: 'float' | 'base64';
  /** Provider name in results and errors. Default `openai`. */
  name?: string;
  /** Time allowed per request by the SDK. */
  timeoutMs?: number;
  defaultHeaders?: Record<string, string>;
}

/**
 * An {@link Embedder} over an OpenAI-compatible `/embeddings` endpoint through the official SDK.
 * Texts are sent in batches of `maxBatch`, in order; every returned vector must have `dimension`
 * entries (otherwise a non-retryable {@link EMBEDDING_DIMENSION_MISMATCH} error: the configuration is
 * wrong, trying again cannot help) and is L2-normalised. Usage is the server's token count (an
 * estimate of chars / 4 when it sends none), priced per 1M tokens.
 *
 * Failures are ToolErrors like the chat providers' (src/providers/provider-errors.ts): 429 is a
 * retryable RateLimitedError, 408/409/425/5xx, timeouts, connection failures and unusable responses
 * are retryable, other 4xx are not; the SDK itself never retries (the caller's guard does). An abort
 * of `signal` is rethrown as the abort.
 */
export class OpenAiEmbedder implements Embedder {
  readonly name: string;
  readonly model: string;
  readonly dimension: number;
  private readonly client: OpenAI;
  private readonly maxBatch: number;
  private readonly price: number;
  private readonly sendDimensions: boolean;
  private readonly encodingFormat: 'float' | 'base64';

  constructor(options: OpenAiEmbedderOptions) {
    if (!options.model) throw new Error('OpenAiEmbedder: model is required');
    if (!Number.isInteger(options.dimension) || options.dimension < 1) throw new RangeError(`OpenAiEmbedder: dimension must be a positive integer, got ${options.dimension}`);
    const maxBatch = options.maxBatch ?? 64;
    if (!Number.isInteger(maxBatch) || maxBatch < 1 || maxBatch > 2048) throw new RangeError(`OpenAiEmbedder: maxBatch must be an integer in 1..2048, got ${maxBatch}`);
    this.name = options.name ?? 'openai';
    this.model = options.model;
    this.dimension = options.dimension;
    this.maxBatch = maxBatch;
    this.price = options.pricePerMillionTokens ?? EMBEDDING_PRICES[options.model] ?? 0;
    this.sendDimensions = options.sendDimensions ?? DIMENSIONS_FIELD.test(options.model);
    this.encodingFormat = options.encodingFormat ?? 'float';
    this.client = new OpenAI({
      apiKey: options.apiKey ?? 'unused',
      baseURL: options.baseURL,
      maxRetries: 0,
      ...(options.defaultHeaders ? { defaultHeaders: options.defaultHeaders } : {}),
      ...(options.timeoutMs !== undefined ? { timeout: options.timeoutMs } : {}),
    });
  }

  async embed(texts: string[], signal?: AbortSignal): Promise<EmbeddingResult> {
    texts.forEach((t, i) => {
      if (typeof t !== 'string' || t.trim() === '') throw new NonRetryableToolError(`${this.name}:${this.model}: text ${i} is empty; embed only non-blank text`, 'EMBEDDING_INPUT_INVALID');
    });
    const vectors: Float32Array[] = [];
    let inputTokens = 0;
    for (let start = 0; start < texts.length; start += this.maxBatch) {
      const batch = texts.slice(start, start + this.maxBatch);
      const r = await this.request(batch, signal);
      vectors.push(...r.vectors);
      inputTokens += r.tokens;
    }
    const costUsd = Math.round((inputTokens * this.price / 1_000_000) * 1e9) / 1e9;
    return { vectors, provider: this.name, model: this.model, usage: { inputTokens }, costUsd };
  }

  private async request(batch: string[], signal: AbortSignal | undefined): Promise<{ vectors: Float32Array[]; tokens: number }> {
    const ctx: CallContext = { provider: this.name, model: this.model };
    let response: OpenAI.Embeddings.CreateEmbeddingResponse;
    try {
      response = await this.client.embeddings.create(
        { model: this.model, input: batch, encoding_format: this.encodingFormat, ...(this.sendDimensions ? { dimensions: this.dimension } : {}) },
        { signal: signal ?? null },
      );
    } catch (err) {
      throw toProviderError(ctx, err, signal, OpenAI);
    }
    const data = (response as Partial<OpenAI.Embeddings.CreateEmbeddingResponse>).data;
    if (!Array.isArray(data) || data.length !== batch.length) {
      throw badResponse(ctx, `expected ${batch.length} embeddings, got ${Array.isArray(data) ? data.length : 'none'}`);
    }
    const vectors: (Float32Array | undefined)[] = new Array(batch.length);
    data.forEach((item, position) => {
      const index = typeof item?.index === 'number' ? item.index : position;
      if (!Number.isInteger(index) || index < 0 || index >= batch.length || vectors[index]) throw badResponse(ctx, `embedding index ${String(item?.index)} is out of range or repeated`);
      vectors[index] = this.toUnitVector(ctx, item.embedding as unknown, index);
    });
    const tokens = response.usage?.prompt_tokens ?? response.usage?.total_tokens ?? batch.reduce((n, t) => n + Math.ceil(t.length / 4), 0);
    return { vectors: vectors as Float32Array[], tokens };
  }

  private toUnitVector(ctx: CallContext, raw: unknown, index: number): Float32Array {
    let v: Float32Array;
    if (typeof raw === 'string') {
      const bytes = Buffer.from(raw, 'base64');
      if (bytes.length % 4 !== 0) throw badResponse(ctx, `embedding ${index} is not base64 float32 data`);
      v = new Float32Array(bytes.length / 4);
      for (let i = 0; i < v.length; i++) v[i] = bytes.readFloatLE(i * 4);
    } else if (Array.isArray(raw) || raw instanceof Float32Array) {
      v = Float32Array.from(raw as ArrayLike<number>);
    } else {
      throw badResponse(ctx, `embedding ${index} is missing`);
    }
    if (v.length !== this.dimension) {
      throw new NonRetryableToolError(
        `${ctx.provider}:${ctx.model} returned vectors of ${v.length} dimensions but ${this.dimension} are configured (EMBEDDINGS_DIMENSION); set the model's real dimension${DIMENSIONS_FIELD.test(this.model) ? '' : ' or use a model that accepts `dimensions`'}`,
        EMBEDDING_DIMENSION_MISMATCH,
        { provider: ctx.provider, model: ctx.model, expected: this.dimension, got: v.length },
      );
    }
    let sum = 0;
    for (const x of v) sum += x * x;
    if (!Number.isFinite(sum) || sum === 0) throw badResponse(ctx, `embedding ${index} is zero or not finite`);
    const inv = 1 / Math.sqrt(sum);
    for (let i = 0; i < v.length; i++) v[i] = (v[i] as number) * inv;
    return v;
  }
}
