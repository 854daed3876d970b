import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isToolError, NonRetryableToolError, RateLimitedError, type ToolError } from '../../../src/contracts/tool-errors.js';
import { AnthropicProvider } from '../../../src/providers/anthropic.provider.js';
import type { CompletionRequest, ToolSpec } from '../../../src/providers/provider.js';
import { anthropicReplies, startFakeAnthropicServer, type FakeLlmServer } from '../../helpers/fake-llm-servers.js';

const lookup: ToolSpec = {
  name: 'lookup_brand',
  description: 'Brand facts by id',
  parameters: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] },
};

const ask = (extra: Partial<CompletionRequest> = {}): CompletionRequest => ({
  model: 'claude-sonnet-5-5',
  messages: [{ role: 'system', content: 'You write marketing copy.' }, { role: 'user', content: 'A tagline for Acme?' }],
  ...extra,
});

async function failure(p: Promise<unknown>): Promise<ToolError> {
  const err: unknown = await p.then(() => undefined, (e: unknown) => e);
  if (!isToolError(err)) throw new Error(`expected a ToolError, got ${String(err)}`);
  return err;
}

describe('AnthropicProvider against a fake Messages API server', () => {
  let server: FakeLlmServer;
  let provider: AnthropicProvider;
  let streaming: AnthropicProvider;

  beforeAll(async () => {
    server = await startFakeAnthropicServer();
    provider = new AnthropicProvider({ apiKey: 'ant-test', baseURL: server.baseURL });
    streaming = new AnthropicProvider({ apiKey: 'ant-test', baseURL: server.baseURL, stream: true, maxTokens: 300 });
  });
  afterAll(() => server.close());
  beforeEach(() => {
    server.requests.length = 0;
    expect(server.pending).toBe(0);
  });

  it('completes a plain message: system prompt apart, default max_tokens, usage priced', async () => {
    server.enqueue(anthropicReplies.message({ text: 'Gear that lasts.', usage: { input_tokens: 2000, output_tokens: 100 } }));
    const res = await provider.complete(ask());
    expect(res).toMatchObject({ provider: 'anthropic', model: 'claude-sonnet-5-5', content: 'Gear that lasts.', toolCalls: [], finishReason: 'stop', offline: false });
    expect(res.usage).toEqual({ inputTokens: 2000, outputTokens: 100 });
    expect(res.costUsd).toBeCloseTo((2000 * 2 + 100 * 10) / 1e6, 12);
    const sent = server.lastRequest;
    expect(sent.path).toBe('/v1/messages');
    expect(`${sent.headers.authorization ?? ''} ${String(sent.headers['x-api-key'] ?? '')}`).toContain('ant-test');
    expect(sent.headers['anthropic-version']).toBeTruthy();
    expect(sent.body).toMatchObject({ model: 'claude-sonnet-5-5', max_tokens: 1024, system: 'You write marketing copy.', messages: [{ role: 'user', content: 'A tagline for Acme?' }] });
    expect(sent.body.stream).toBeUndefined();
  });

  it('sends tools with input_schema and returns tool_use blocks as tool calls', async () => {
    server.enqueue(anthropicReplies.message({ text: 'Looking it up.', toolUses: [{ id: 'toolu_1', name: 'lookup_brand', input: { id: 'acme' } }] }));
    const res = await provider.complete(ask({ tools: [lookup], maxTokens: 200 }));
    expect(res.finishReason).toBe('tool_calls');
    expect(res.content).toBe('Looking it up.');
    expect(res.toolCalls).toEqual([{ id: 'toolu_1', name: 'lookup_brand', arguments: { id: 'acme' } }]);
    expect(server.lastRequest.body.tools).toEqual([{ name: 'lookup_brand', description: lookup.description, input_schema: lookup.parameters }]);
    expect(server.lastRequest.body.max_tokens).toBe(200);
  });

  it('sends tool_use blocks and merges consecutive tool results into one user message', async () => {
    server.enqueue(anthropicReplies.message({ text: 'Acme: gear that lasts, since 1950.' }));
    await provider.complete(ask({
      tools: [lookup],
      messages: [
        { role: 'system', content: 'Be factual.' },
        { role: 'user', content: 'Tagline for acme and zeta?' },
        { role: 'assistant', content: 'Checking both.', toolCalls: [{ id: 't1', name: 'lookup_brand', arguments: { id: 'acme' } }, { id: 't2', name: 'lookup_brand', arguments: { id: 'zeta' } }] },
        { role: 'tool', toolCallId: 't1', content: 'founded 1950' },
        { role: 'tool', toolCallId: 't2', content: 'founded 1990' },
        { role: 'user', content: 'Only acme, please.' },
      ],
    }));
    expect(server.lastRequest.body.system).toBe('Be factual.');
    expect(server.lastRequest.body.messages).toEqual([
      { role: 'user', content: 'Tagline for acme and zeta?' },
      { role: 'assistant', content: [
        { type: 'text', text: 'Checking both.' },
        { type: 'tool_use', id: 't1', name: 'lookup_brand', input: { id: 'acme' } },
        { type: 'tool_use', id: 't2', name: 'lookup_brand', input: { id: 'zeta' } },
      ] },
      { role: 'user', content: [
        { type: 'tool_result', tool_use_id: 't1', content: 'founded 1950' },
        { type: 'tool_result', tool_use_id: 't2', content: 'founded 1990' },
      ] },
      { role: 'user', content: 'Only acme, please.' },
    ]);
  });

  it('assembles a streamed message from text_delta and input_json_delta events', async () => {
    server.enqueue(anthropicReplies.stream({
      text: 'Let me look that up.',
      toolUses: [{ id: 'toolu_a', name: 'lookup_brand', input: { id: 'acme', fields: ['founded', 'tagline'] } }],
      usage: { input_tokens: 50, output_tokens: 30 },
    }, 3));
    const res = await streaming.complete(ask({ tools: [lookup], model: 'claude-haiku-4-5' }));
    expect(res).toMatchObject({ model: 'claude-haiku-4-5', content: 'Let me look that up.', finishReason: 'tool_calls' });
    expect(res.toolCalls).toEqual([{ id: 'toolu_a', name: 'lookup_brand', arguments: { id: 'acme', fields: ['founded', 'tagline'] } }]);
    expect(res.usage).toEqual({ inputTokens: 50, outputTokens: 30 });
    expect(res.costUsd).toBeCloseTo((50 * 1 + 30 * 5) / 1e6, 12);
    expect(server.lastRequest.body).toMatchObject({ stream: true, max_tokens: 300 });
  });

  it('streams plain text with stop reason end_turn, and max_tokens maps to length', async () => {
    server.enqueue(anthropicReplies.stream({ text: 'Short and sweet.' }), anthropicReplies.stream({ text: 'Cut o', stopReason: 'max_tokens' }));
    expect(await streaming.complete(ask())).toMatchObject({ content: 'Short and sweet.', finishReason: 'stop', toolCalls: [] });
    expect(await streaming.complete(ask())).toMatchObject({ content: 'Cut o', finishReason: 'length' });
  });

  it('turns an overloaded error event in the middle of a stream into a retryable error', async () => {
    server.enqueue(anthropicReplies.streamError('overloaded_error', 'Overloaded'));
    const err = await failure(streaming.complete(ask()));
    expect(err).toMatchObject({ retryable: true, code: 'LLM_UNAVAILABLE' });
  });

  it('turns a 500 and a 529 into retryable ToolErrors', async () => {
    server.enqueue(anthropicReplies.error(500, 'api_error', 'boom'), anthropicReplies.error(529, 'overloaded_error', 'Overloaded'));
    expect(await failure(provider.complete(ask()))).toMatchObject({ retryable: true, code: 'LLM_UNAVAILABLE' });
    expect(await failure(provider.complete(ask()))).toMatchObject({ retryable: true, code: 'LLM_UNAVAILABLE' });
    expect(server.requests).toHaveLength(2);
  });

  it('turns a 400 into a NonRetryableToolError naming the problem', async () => {
    server.enqueue(anthropicReplies.error(400, 'invalid_request_error', 'messages: roles must alternate'));
    const err = await failure(provider.complete(ask()));
    expect(err).toBeInstanceOf(NonRetryableToolError);
    expect(err.message).toContain('roles must alternate');
  });

  it('turns a 429 into a RateLimitedError with retry-after parsed', async () => {
    server.enqueue(anthropicReplies.error(429, 'rate_limit_error', 'Too many requests', { 'retry-after': '3' }));
    const err = await failure(provider.complete(ask()));
    expect(err).toBeInstanceOf(RateLimitedError);
    expect((err as RateLimitedError).retryAfterMs).toBe(3000);
  });

  it('uses the default retry delay for a 429 without retry-after', async () => {
    server.enqueue(anthropicReplies.error(429, 'rate_limit_error', 'Too many requests'));
    const err = await failure(provider.complete(ask()));
    expect((err as RateLimitedError).retryAfterMs).toBe(1000);
  });

  it('treats malformed JSON as a retryable bad response', async () => {
    server.enqueue({ type: 'raw', body: '{"content": [oops' });
    expect(await failure(provider.complete(ask()))).toMatchObject({ retryable: true, code: 'LLM_BAD_RESPONSE' });
  });

  it('propagates an abort of the signal on a hanging server as an abort', async () => {
    server.enqueue({ type: 'hang' });
    const controller = new AbortController();
    const call = provider.complete(ask({ signal: controller.signal }));
    await server.waitForRequests(1);
    controller.abort();
    const err: unknown = await call.then(() => undefined, (e: unknown) => e);
    expect(isToolError(err)).toBe(false);
    expect((err as Error).name).toBe('AbortError');
    await server.waitForDisconnects(1);
  });

  it('propagates an abort of a hanging streamed request', async () => {
    server.enqueue({ type: 'hang' });
    const controller = new AbortController();
    const call = streaming.complete(ask({ signal: controller.signal }));
    await server.waitForRequests(1);
    controller.abort();
    const err: unknown = await call.then(() => undefined, (e: unknown) => e);
    expect((err as Error).name).toBe('AbortError');
  });
});
