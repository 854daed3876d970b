import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Local fake LLM APIs for testing the real SDK clients: one speaks OpenAI chat.completions
 * (`POST /v1/chat/completions`, JSON or SSE), one speaks Anthropic Messages (`POST /v1/messages`,
 * JSON or SSE events). Each test scripts the replies (a queue: JSON, SSE, raw bytes such as malformed
 * JSON, or a hang that never answers) and reads back what the SDK sent. An unscripted request gets
 * a 500 saying so, which tests see as a failure.
 */

/** A request the fake received. */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  /** The JSON body (undefined when the body was not JSON). */
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- tests read arbitrary fields of what the SDK sent
}

/** One SSE event: `data` is sent as JSON unless it is a string. */
export interface SseEvent {
  event?: string;
  data: unknown;
}

/** A scripted reply. */
export type ScriptedReply =
  | { type: 'json'; status?: number; body: unknown; headers?: Record<string, string> }
  | { type: 'sse'; events: SseEvent[]; status?: number }
  | { type: 'raw'; status?: number; body: string; contentType?: string; headers?: Record<string, string> }
  | { type: 'hang' };

/** A running fake server. */
export class FakeLlmServer {
  readonly requests: RecordedRequest[] = [];
  /** Hanging requests whose client went away (an abort reached the server). */
  disconnects = 0;
  private readonly queue: ScriptedReply[] = [];
  private waiters: (() => void)[] = [];

  constructor(private readonly server: http.Server, readonly url: string, readonly baseURL: string) {}

  /** Adds replies to the queue (answered in order, one per request). */
  enqueue(...replies: ScriptedReply[]): this {
    this.queue.push(...replies);
    return this;
  }

  /** Replies still queued. */
  get pending(): number {
    return this.queue.length;
  }

  /** The last request received. */
  get lastRequest(): RecordedRequest {
    const last = this.requests[this.requests.length - 1];
    if (!last) throw new Error('the fake server received no request');
    return last;
  }

  /** Resolves once `count` requests have arrived. */
  async waitForRequests(count: number): Promise<void> {
    while (this.requests.length < count) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  /** Resolves once `count` hanging requests were closed by their client. */
  async waitForDisconnects(count: number): Promise<void> {
    while (this.disconnects < count) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** @internal */
  handle(req: http.IncomingMessage, res: http.ServerResponse, route: string, text: string): void {
    let body: unknown;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      body = undefined;
    }
    this.requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body });
    this.wake();
    if (req.method !== 'POST' || req.url?.split('?')[0] !== route) {
      sendJson(res, 404, { error: { type: 'not_found_error', message: `no route ${req.method} ${req.url}` } });
      return;
    }
    const reply = this.queue.shift();
    if (!reply) {
      sendJson(res, 500, { error: { type: 'api_error', message: 'fake server: no scripted response left' } });
      return;
    }
    switch (reply.type) {
      case 'json':
        sendJson(res, reply.status ?? 200, reply.body, reply.headers);
        return;
      case 'raw':
        res.writeHead(reply.status ?? 200, { 'content-type': reply.contentType ?? 'application/json', ...reply.headers });
        res.end(reply.body);
        return;
      case 'sse':
        res.writeHead(reply.status ?? 200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
        for (const e of reply.events) {
          res.write(`${e.event ? `event: ${e.event}\n` : ''}data: ${typeof e.data === 'string' ? e.data : JSON.stringify(e.data)}\n\n`);
        }
        res.end();
        return;
      case 'hang':
        res.on('close', () => {
          this.disconnects += 1;
          this.wake();
        });
        return;
    }
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}

function sendJson(res: http.ServerResponse, status: number, body: unknown, headers?: Record<string, string>): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

async function start(route: string, basePath: string): Promise<FakeLlmServer> {
  const handlers: { fake?: FakeLlmServer } = {};
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handlers.fake?.handle(req, res, route, Buffer.concat(chunks).toString('utf8')));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  handlers.fake = new FakeLlmServer(server, url, `${url}${basePath}`);
  return handlers.fake;
}

/** A fake OpenAI chat.completions API; `baseURL` ends in `/v1` as the openai SDK expects. */
export function startFakeOpenAiServer(): Promise<FakeLlmServer> {
  return start('/v1/chat/completions', '/v1');
}

/** A fake Anthropic Messages API; `baseURL` is the origin (the SDK adds `/v1/messages`). */
export function startFakeAnthropicServer(): Promise<FakeLlmServer> {
  return start('/v1/messages', '');
}

/** A tool call of a scripted OpenAI reply (`arguments` is the raw JSON text the model produced). */
export interface FakeOpenAiToolCall {
  id: string;
  name: string;
  arguments: string;
}

/** What a scripted OpenAI reply says. */
export interface FakeOpenAiAnswer {
  content?: string | null;
  toolCalls?: FakeOpenAiToolCall[];
  finishReason?: string;
  usage?: { prompt_tokens: number; completion_tokens: number };
  model?: string;
}

function pieces(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

/** Replies of the fake OpenAI API. */
export const openAiReplies = {
  /** A chat.completion JSON. */
  completion(a: FakeOpenAiAnswer): ScriptedReply {
    const toolCalls = a.toolCalls?.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } }));
    return {
      type: 'json',
      body: {
        id: 'chatcmpl-fake', object: 'chat.completion', created: 1, model: a.model ?? 'gpt-4o-mini',
        choices: [{ index: 0, message: { role: 'assistant', content: a.content ?? null, refusal: null, ...(toolCalls ? { tool_calls: toolCalls } : {}) }, finish_reason: a.finishReason ?? (toolCalls ? 'tool_calls' : 'stop'), logprobs: null }],
        usage: a.usage ?? { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
      },
    };
  },
  /** The same answer as SSE chunks: content in pieces, tool-call arguments in pieces by index, then a usage-only chunk and `[DONE]`. */
  stream(a: FakeOpenAiAnswer, pieceSize = 4): ScriptedReply {
    const base = { id: 'chatcmpl-fake', object: 'chat.completion.chunk', created: 1, model: a.model ?? 'gpt-4o-mini' };
    const chunk = (delta: unknown, finish: string | null = null): SseEvent => ({ data: { ...base, choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }] } });
    const events: SseEvent[] = [chunk({ role: 'assistant', content: '' })];
    for (const p of pieces(a.content ?? '', pieceSize)) events.push(chunk({ content: p }));
    (a.toolCalls ?? []).forEach((c, index) => {
      events.push(chunk({ tool_calls: [{ index, id: c.id, type: 'function', function: { name: c.name, arguments: '' } }] }));
      for (const p of pieces(c.arguments, pieceSize)) events.push(chunk({ tool_calls: [{ index, function: { arguments: p } }] }));
    });
    events.push(chunk({}, a.finishReason ?? (a.toolCalls?.length ? 'tool_calls' : 'stop')));
    const usage = a.usage ?? { prompt_tokens: 10, completion_tokens: 5 };
    events.push({ data: { ...base, choices: [], usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens } } });
    events.push({ data: '[DONE]' });
    return { type: 'sse', events };
  },
  /** An error in the OpenAI format. */
  error(status: number, message: string, headers?: Record<string, string>): ScriptedReply {
    return { type: 'json', status, body: { error: { message, type: status === 429 ? 'rate_limit_exceeded' : 'invalid_request_error', code: null, param: null } }, ...(headers ? { headers } : {}) };
  },
};

/** A tool use of a scripted Anthropic reply. */
export interface FakeAnthropicToolUse {
  id: string;
  name: string;
  input: Record<string, unknown>;
}

/** What a scripted Anthropic reply says. */
export interface FakeAnthropicAnswer {
  text?: string;
  toolUses?: FakeAnthropicToolUse[];
  stopReason?: string;
  usage?: { input_tokens: number; output_tokens: number };
  model?: string;
}

function messageShell(a: FakeAnthropicAnswer): Record<string, unknown> {
  return { id: 'msg_fake', type: 'message', role: 'assistant', model: a.model ?? 'claude-sonnet-5-5', stop_sequence: null, container: null };
}

/** Replies of the fake Anthropic API. */
export const anthropicReplies = {
  /** A Message JSON. */
  message(a: FakeAnthropicAnswer): ScriptedReply {
    const content = [
      ...(a.text !== undefined ? [{ type: 'text', text: a.text, citations: null }] : []),
      ...(a.toolUses ?? []).map((t) => ({ type: 'tool_use', id: t.id, name: t.name, input: t.input, caller: { type: 'direct' } })),
    ];
    return {
      type: 'json',
      body: { ...messageShell(a), content, stop_reason: a.stopReason ?? (a.toolUses?.length ? 'tool_use' : 'end_turn'), usage: a.usage ?? { input_tokens: 12, output_tokens: 6 } },
    };
  },
  /** The same answer as SSE events: message_start, a content block per text/tool use (text_delta / input_json_delta pieces), message_delta, message_stop. */
  stream(a: FakeAnthropicAnswer, pieceSize = 4): ScriptedReply {
    const usage = a.usage ?? { input_tokens: 12, output_tokens: 6 };
    const ev = (event: string, data: Record<string, unknown>): SseEvent => ({ event, data: { type: event, ...data } });
    const events: SseEvent[] = [ev('message_start', { message: { ...messageShell(a), content: [], stop_reason: null, usage: { input_tokens: usage.input_tokens, output_tokens: 1 } } })];
    events.push({ event: 'ping', data: { type: 'ping' } });
    let index = 0;
    if (a.text !== undefined) {
      events.push(ev('content_block_start', { index, content_block: { type: 'text', text: '', citations: null } }));
      for (const p of pieces(a.text, pieceSize)) events.push(ev('content_block_delta', { index, delta: { type: 'text_delta', text: p } }));
      events.push(ev('content_block_stop', { index }));
      index += 1;
    }
    for (const t of a.toolUses ?? []) {
      events.push(ev('content_block_start', { index, content_block: { type: 'tool_use', id: t.id, name: t.name, input: {}, caller: { type: 'direct' } } }));
      for (const p of pieces(JSON.stringify(t.input), pieceSize)) events.push(ev('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: p } }));
      events.push(ev('content_block_stop', { index }));
      index += 1;
    }
    events.push(ev('message_delta', { delta: { stop_reason: a.stopReason ?? (a.toolUses?.length ? 'tool_use' : 'end_turn'), stop_sequence: null }, usage: { output_tokens: usage.output_tokens } }));
    events.push(ev('message_stop', {}));
    return { type: 'sse', events };
  },
  /** An error in the Anthropic format. */
  error(status: number, type: string, message: string, headers?: Record<string, string>): ScriptedReply {
    return { type: 'json', status, body: { type: 'error', error: { type, message } }, ...(headers ? { headers } : {}) };
  },
  /** A stream that starts, then fails with an `error` event (e.g. `overloaded_error`). */
  streamError(type: string, message: string): ScriptedReply {
    return {
      type: 'sse',
      events: [
        { event: 'message_start', data: { type: 'message_start', message: { ...messageShell({}), content: [], stop_reason: null, usage: { input_tokens: 3, output_tokens: 1 } } } },
        { event: 'error', data: { type: 'error', error: { type, message } } },
      ],
    };
  },
};
