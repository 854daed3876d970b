import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local fake of the OpenAI embeddings API (`POST /v1/embeddings`) for testing the real SDK client.
 * By default it answers every request: one vector per input, derived from the text's sha256 (so the
 * same text gets the same vector), of `dimensions` entries when the request asks for it, else the
 * server's own dimension; `encoding_format: base64` gets base64 float32, anything else float arrays;
 * usage counts one token per 4 characters (rounded up) per input. Tests can queue overrides for the
 * next requests (an error status, a wrong dimension, a short list) and read back what the SDK sent.
 */

/** A request the fake received. */
export interface EmbeddingsRequest {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: { model?: string; input?: string[] | string; dimensions?: number; encoding_format?: string };
}

/** An override of the next answer. */
export type EmbeddingsOverride =
  | { type: 'error'; status: number; message?: string; headers?: Record<string, string> }
  | { type: 'dimension'; dimension: number }
  | { type: 'drop-one' }
  | { type: 'no-usage' };

/** The deterministic vector the fake gives `text` (not normalised: values in -1..1). */
export function fakeVector(text: string, dimension: number): number[] {
  const out: number[] = [];
  let block = Buffer.alloc(0);
  for (let i = 0; out.length < dimension; i++) {
    if (block.length === 0) block = createHash('sha256').update(`${text}#${i}`).digest();
    out.push(block.readInt8(0) / 128);
    block = block.subarray(1);
  }
  return out;
}

export class FakeEmbeddingsServer {
  readonly requests: EmbeddingsRequest[] = [];
  private readonly overrides: EmbeddingsOverride[] = [];

  constructor(private readonly server: http.Server, readonly baseURL: string, readonly dimension: number) {}

  /** Overrides the answers of the next requests, in order. */
  next(...o: EmbeddingsOverride[]): this {
    this.overrides.push(...o);
    return this;
  }

  /** The body of the last request. */
  lastBody(): EmbeddingsRequest['body'] {
    const last = this.requests[this.requests.length - 1];
    if (!last) throw new Error('the fake embeddings server received no request');
    return last.body;
  }

  get pending(): number {
    return this.overrides.length;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** @internal */
  handle(req: http.IncomingMessage, res: http.ServerResponse, text: string): void {
    let body: EmbeddingsRequest['body'] = {};
    try {
      body = JSON.parse(text) as EmbeddingsRequest['body'];
    } catch {
      // left empty: answered as a bad request below
    }
    this.requests.push({ path: req.url ?? '', headers: req.headers, body });
    const send = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(payload));
    };
    if (req.method !== 'POST' || req.url !== '/v1/embeddings') return send(404, { error: { message: `no route ${req.method} ${req.url}` } });
    const inputs = typeof body.input === 'string' ? [body.input] : body.input;
    if (!Array.isArray(inputs) || !body.model) return send(400, { error: { message: 'model and input are required', type: 'invalid_request_error' } });
    const o = this.overrides.shift();
    if (o?.type === 'error') return send(o.status, { error: { message: o.message ?? `fake error ${o.status}`, type: 'server_error', code: null, param: null } }, o.headers);
    const dim = o?.type === 'dimension' ? o.dimension : (body.dimensions ?? this.dimension);
    const items = inputs.map((t, index) => {
      const v = fakeVector(t, dim);
      const embedding = body.encoding_format === 'base64' ? Buffer.from(Float32Array.from(v).buffer).toString('base64') : v;
      return { object: 'embedding', index, embedding };
    });
    if (o?.type === 'drop-one') items.pop();
    const tokens = inputs.reduce((n, t) => n + Math.ceil(t.length / 4), 0);
    // Answer in reverse order: clients must place vectors by `index`, not by position.
    send(200, { object: 'list', model: body.model, data: items.reverse(), ...(o?.type === 'no-usage' ? {} : { usage: { prompt_tokens: tokens, total_tokens: tokens } }) });
  }
}

/** Starts a fake embeddings server on a free loopback port; `baseURL` ends in `/v1`. */
export async function startFakeEmbeddingsServer(dimension = 8): Promise<FakeEmbeddingsServer> {
  const holder: { fake?: FakeEmbeddingsServer } = {};
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => holder.fake?.handle(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  holder.fake = new FakeEmbeddingsServer(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, dimension);
  return holder.fake;
}
