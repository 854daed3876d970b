import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isToolError, RateLimitedError, type ToolError } from '../../../src/contracts/tool-errors.js';
import { EMBEDDING_DIMENSION_MISMATCH, OpenAiEmbedder } from '../../../src/rag/embeddings/openai-embedder.js';
import { fakeVector, startFakeEmbeddingsServer, type FakeEmbeddingsServer } from '../../helpers/fake-embeddings-server.js';

async function failure(p: Promise<unknown>): Promise<ToolError> {
  const err: unknown = await p.then(() => undefined, (e: unknown) => e);
  if (!isToolError(err)) throw new Error(`expected a ToolError, got ${String(err)}`);
  return err;
}

const unit = (xs: number[]) => {
  const n = Math.sqrt(xs.reduce((s, x) => s + x * x, 0));
  return xs.map((x) => x / n);
};
const texts = (n: number) => Array.from({ length: n }, (_, i) => `chunk number ${i} about trail shoes`);

describe('OpenAiEmbedder against a fake /embeddings server', () => {
  let server: FakeEmbeddingsServer;
  beforeAll(async () => {
    server = await startFakeEmbeddingsServer(8);
  });
  afterAll(() => server.close());
  beforeEach(() => {
    server.requests.length = 0;
    expect(server.pending).toBe(0);
  });

  it('batches by maxBatch, keeps input order, normalises, and prices the usage', async () => {
    const e = new OpenAiEmbedder({ baseURL: server.baseURL, apiKey: 'sk-test', model: 'text-embedding-3-small', dimension: 16, maxBatch: 4 });
    const input = texts(10);
    const r = await e.embed(input);
    expect(server.requests.map((q) => (q.body.input as string[]).length)).toEqual([4, 4, 2]);
    expect(server.requests[0]?.body).toMatchObject({ model: 'text-embedding-3-small', dimensions: 16, encoding_format: 'float' });
    expect(server.requests[0]?.headers.authorization).toBe('Bearer sk-test');
    expect(r.vectors).toHaveLength(10);
    r.vectors.forEach((v, i) => {
      expect(v.length).toBe(16);
      const want = unit(fakeVector(input[i] as string, 16));
      v.forEach((x, j) => expect(x).toBeCloseTo(want[j] as number, 6));
    });
    const tokens = input.reduce((n, t) => n + Math.ceil(t.length / 4), 0);
    expect(r.usage.inputTokens).toBe(tokens);
    expect(r.costUsd).toBeCloseTo(tokens * 0.02 / 1e6, 12);
    expect([r.provider, r.model]).toEqual(['openai', 'text-embedding-3-small']);
  });

  it('does not send dimensions to models without it, uses a given price, and decodes base64', async () => {
    const e = new OpenAiEmbedder({ baseURL: server.baseURL, model: 'nomic-embed-text', dimension: 8, pricePerMillionTokens: 1.5, encodingFormat: 'base64', name: 'ollama' });
    const r = await e.embed(['hello world']);
    expect(server.lastBody()).toMatchObject({ model: 'nomic-embed-text', encoding_format: 'base64' });
    expect(server.lastBody().dimensions).toBeUndefined();
    const want = unit(fakeVector('hello world', 8));
    Array.from(r.vectors[0] ?? []).forEach((x, j) => expect(x).toBeCloseTo(want[j] as number, 6));
    expect(r.costUsd).toBeCloseTo(3 * 1.5 / 1e6, 12);
    expect(r.provider).toBe('ollama');
  });

  it('estimates tokens when the server sends no usage; an unknown model costs 0', async () => {
    server.next({ type: 'no-usage' });
    const r = await new OpenAiEmbedder({ baseURL: server.baseURL, model: 'local-model', dimension: 8 }).embed(['abcdefgh', 'abc']);
    expect(r.usage.inputTokens).toBe(3);
    expect(r.costUsd).toBe(0);
  });

  it('makes no request for an empty list and refuses blank text', async () => {
    const e = new OpenAiEmbedder({ baseURL: server.baseURL, model: 'm', dimension: 8 });
    expect((await e.embed([])).vectors).toEqual([]);
    const err = await failure(e.embed(['ok', ' ']));
    expect(err.retryable).toBe(false);
    expect(server.requests).toHaveLength(0);
  });

  it('fails clearly and non-retryably when the vectors have another dimension', async () => {
    server.next({ type: 'dimension', dimension: 12 });
    const err = await failure(new OpenAiEmbedder({ baseURL: server.baseURL, model: 'nomic-embed-text', dimension: 8 }).embed(['x']));
    expect(err.retryable).toBe(false);
    expect(err.code).toBe(EMBEDDING_DIMENSION_MISMATCH);
    expect(err.message).toMatch(/12 dimensions but 8 are configured/);
  });

  it('treats a response with a missing embedding as retryable', async () => {
    server.next({ type: 'drop-one' });
    const err = await failure(new OpenAiEmbedder({ baseURL: server.baseURL, model: 'm', dimension: 8 }).embed(['a', 'b']));
    expect(err.retryable).toBe(true);
    expect(err.message).toMatch(/expected 2 embeddings, got 1/);
  });

  it('maps 429 and 500 to retryable errors and 400 to a non-retryable one', async () => {
    const e = new OpenAiEmbedder({ baseURL: server.baseURL, model: 'm', dimension: 8 });
    server.next({ type: 'error', status: 429, headers: { 'retry-after': '2' } });
    const limited = await failure(e.embed(['a']));
    expect(limited).toBeInstanceOf(RateLimitedError);
    expect(limited.retryable).toBe(true);
    expect((limited as RateLimitedError).retryAfterMs).toBe(2000);

    server.next({ type: 'error', status: 500 });
    const down = await failure(e.embed(['a']));
    expect(down.retryable).toBe(true);

    server.next({ type: 'error', status: 400, message: 'input too long' });
    const refused = await failure(e.embed(['a']));
    expect(refused.retryable).toBe(false);
    expect(refused.message).toMatch(/400/);

    // A failure of a later batch fails the call (no partial result).
    server.next({ type: 'no-usage' }, { type: 'error', status: 503 });
    const e2 = new OpenAiEmbedder({ baseURL: server.baseURL, model: 'm', dimension: 8, maxBatch: 1 });
    expect((await failure(e2.embed(['a', 'b']))).retryable).toBe(true);
  });

  it('reports an unreachable server as retryable', async () => {
    const e = new OpenAiEmbedder({ baseURL: 'http://127.0.0.1:9/v1', model: 'm', dimension: 8 });
    expect((await failure(e.embed(['a']))).retryable).toBe(true);
  });

  it('rethrows an abort of the signal', async () => {
    const ac = new AbortController();
    ac.abort();
    const err: unknown = await new OpenAiEmbedder({ baseURL: server.baseURL, model: 'm', dimension: 8 }).embed(['a'], ac.signal).catch((e: unknown) => e);
    expect((err as Error).name).toBe('AbortError');
  });
});
