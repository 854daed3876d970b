import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isToolError, NonRetryableToolError, RateLimitedError, type ToolError } from '../../../src/contracts/tool-errors.js';
import { OpenAiCompatibleProvider } from '../../../src/providers/openai-compatible.provider.js';
import type { CompletionRequest, ToolSpec } from '../../../src/providers/provider.js';
import { openAiReplies, startFakeOpenAiServer, type FakeLlmServer } from '../../helpers/fake-llm-servers.js';

const weather: ToolSpec = {
  name: 'get_weather',
  description: 'Current weather of a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};

const ask = (extra: Partial<CompletionRequest> = {}): CompletionRequest => ({
  model: 'gpt-4o-mini',
  messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Weather in Paris?' }],
  ...extra,
});

async function failure(p: Promise<unknown>): Promise<ToolError> {
  const err: unknown = await p.then(() => undefined, (e: unknown) => e);
  if (!isToolError(err)) throw new Error(`expected a ToolError, got ${String(err)}`);
  return err;
}

describe('OpenAiCompatibleProvider against a fake chat.completions server', () => {
  let server: FakeLlmServer;
  let provider: OpenAiCompatibleProvider;
  let streaming: OpenAiCompatibleProvider;

  beforeAll(async () => {
    server = await startFakeOpenAiServer();
    provider = new OpenAiCompatibleProvider({ apiKey: 'sk-test', baseURL: server.baseURL, defaultHeaders: { 'x-team': 'vmp' } });
    streaming = new OpenAiCompatibleProvider({ name: 'vllm', apiKey: 'sk-test', baseURL: server.baseURL, stream: true });
  });
  afterAll(() => server.close());
  beforeEach(() => {
    server.requests.length = 0;
    expect(server.pending).toBe(0);
  });

  it('completes a plain chat and prices its usage', async () => {
    server.enqueue(openAiReplies.completion({ content: 'Sunny, 21°C.', usage: { prompt_tokens: 1000, completion_tokens: 500 } }));
    const res = await provider.complete(ask({ temperature: 0.2, maxTokens: 50 }));
    expect(res).toMatchObject({ provider: 'openai', model: 'gpt-4o-mini', content: 'Sunny, 21°C.', toolCalls: [], finishReason: 'stop', offline: false });
    expect(res.usage).toEqual({ inputTokens: 1000, outputTokens: 500 });
    expect(res.costUsd).toBeCloseTo((1000 * 0.15 + 500 * 0.6) / 1e6, 12);
    const sent = server.lastRequest;
    expect(sent.path).toBe('/v1/chat/completions');
    expect(sent.headers.authorization).toBe('Bearer sk-test');
    expect(sent.headers['x-team']).toBe('vmp');
    expect(sent.body).toMatchObject({
      model: 'gpt-4o-mini', temperature: 0.2, max_completion_tokens: 50,
      messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Weather in Paris?' }],
    });
    expect(sent.body.stream).toBeUndefined();
    expect(sent.body.tools).toBeUndefined();
  });

  it('offers tools as functions and parses the tool calls of the answer', async () => {
    server.enqueue(openAiReplies.completion({ toolCalls: [{ id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' }, { id: 'call_2', name: 'get_weather', arguments: '{"city": Par' }] }));
    const res = await provider.complete(ask({ tools: [weather] }));
    expect(res.finishReason).toBe('tool_calls');
    expect(res.toolCalls).toEqual([
      { id: 'call_1', name: 'get_weather', arguments: { city: 'Paris' } },
      { id: 'call_2', name: 'get_weather', arguments: {}, rawArguments: '{"city": Par' },
    ]);
    expect(server.lastRequest.body.tools).toEqual([{ type: 'function', function: { name: 'get_weather', description: weather.description, parameters: weather.parameters } }]);
  });

  it('sends the assistant tool calls and the tool results of a round trip', async () => {
    server.enqueue(openAiReplies.completion({ content: 'It is sunny in Paris.' }));
    const res = await provider.complete(ask({
      tools: [weather],
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        { role: 'assistant', content: '', toolCalls: [{ id: 'call_1', name: 'get_weather', arguments: { city: 'Paris' } }] },
        { role: 'tool', toolCallId: 'call_1', content: '{"sky":"sunny"}' },
      ],
    }));
    expect(res.content).toBe('It is sunny in Paris.');
    expect(server.lastRequest.body.messages).toEqual([
      { role: 'user', content: 'Weather in Paris?' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
      { role: 'tool', tool_call_id: 'call_1', content: '{"sky":"sunny"}' },
    ]);
  });

  it('assembles a streamed answer: content, tool call deltas by index and the final usage chunk', async () => {
    server.enqueue(openAiReplies.stream({
      content: 'Let me check the weather.',
      toolCalls: [{ id: 'call_a', name: 'get_weather', arguments: '{"city":"Paris"}' }, { id: 'call_b', name: 'get_weather', arguments: '{"city":"Oslo"}' }],
      usage: { prompt_tokens: 40, completion_tokens: 20 },
    }, 3));
    const res = await streaming.complete(ask({ tools: [weather], model: 'gpt-4.1' }));
    expect(res).toMatchObject({ provider: 'vllm', model: 'gpt-4.1', content: 'Let me check the weather.', finishReason: 'tool_calls' });
    expect(res.toolCalls).toEqual([
      { id: 'call_a', name: 'get_weather', arguments: { city: 'Paris' } },
      { id: 'call_b', name: 'get_weather', arguments: { city: 'Oslo' } },
    ]);
    expect(res.usage).toEqual({ inputTokens: 40, outputTokens: 20 });
    expect(res.costUsd).toBeCloseTo((40 * 2 + 20 * 8) / 1e6, 12);
    expect(server.lastRequest.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
  });

  it('streams plain text to the end with finish reason stop', async () => {
    server.enqueue(openAiReplies.stream({ content: 'Hello from a stream.' }));
    const res = await streaming.complete(ask());
    expect(res).toMatchObject({ content: 'Hello from a stream.', finishReason: 'stop', toolCalls: [] });
  });

  it('maps finish reason length and prices an unknown model at 0', async () => {
    server.enqueue(openAiReplies.completion({ content: 'Cut', finishReason: 'length', model: 'llama3.1:8b' }));
    const res = await provider.complete(ask({ model: 'llama3.1:8b' }));
    expect(res.finishReason).toBe('length');
    expect(res.costUsd).toBe(0);
  });

  it('turns a 500 into a retryable ToolError', async () => {
    server.enqueue(openAiReplies.error(500, 'upstream exploded'));
    const err = await failure(provider.complete(ask()));
    expect(err.retryable).toBe(true);
    expect(err.code).toBe('LLM_UNAVAILABLE');
    expect(err.message).toContain('HTTP 500');
  });

  it('turns a 400 into a NonRetryableToolError', async () => {
    server.enqueue(openAiReplies.error(400, 'bad tool schema'));
    const err = await failure(provider.complete(ask()));
    expect(err).toBeInstanceOf(NonRetryableToolError);
    expect(err.retryable).toBe(false);
    expect(err.message).toContain('bad tool schema');
  });

  it('turns a 401 into a non-retryable auth failure', async () => {
    server.enqueue(openAiReplies.error(401, 'invalid key'));
    const err = await failure(provider.complete(ask()));
    expect(err).toMatchObject({ retryable: false, code: 'LLM_AUTH_FAILED' });
  });

  it('turns a 429 into a RateLimitedError with the retry-after delay', async () => {
    server.enqueue(openAiReplies.error(429, 'slow down', { 'retry-after': '7' }));
    const err = await failure(provider.complete(ask()));
    expect(err).toBeInstanceOf(RateLimitedError);
    expect((err as RateLimitedError).retryAfterMs).toBe(7000);
    expect(err.retryable).toBe(true);
  });

  it('prefers retry-after-ms and makes exactly one request (the SDK does not retry)', async () => {
    server.enqueue(openAiReplies.error(429, 'slow down', { 'retry-after-ms': '250', 'retry-after': '9' }));
    const err = await failure(provider.complete(ask()));
    expect((err as RateLimitedError).retryAfterMs).toBe(250);
    expect(server.requests).toHaveLength(1);
  });

  it('treats malformed JSON as a retryable bad response', async () => {
    server.enqueue({ type: 'raw', body: '{"choices": [ this is not json' });
    const err = await failure(provider.complete(ask()));
    expect(err).toMatchObject({ retryable: true, code: 'LLM_BAD_RESPONSE' });
  });

  it('treats a completion without choices as a retryable bad response', async () => {
    server.enqueue({ type: 'json', body: { id: 'x', object: 'chat.completion', model: 'gpt-4o-mini' } });
    const err = await failure(provider.complete(ask()));
    expect(err).toMatchObject({ retryable: true, code: 'LLM_BAD_RESPONSE' });
  });

  it('propagates an abort of the signal on a hanging server as an abort, not a retryable error', async () => {
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

  it('propagates an abort in the middle of a hanging stream request', async () => {
    server.enqueue({ type: 'hang' });
    const controller = new AbortController();
    const call = streaming.complete(ask({ signal: controller.signal }));
    await server.waitForRequests(1);
    controller.abort(new Error('run cancelled'));
    await expect(call).rejects.toThrow('run cancelled');
  });

  it('times out a hanging server with a retryable timeout error', async () => {
    const impatient = new OpenAiCompatibleProvider({ apiKey: 'k', baseURL: server.baseURL, timeoutMs: 200 });
    server.enqueue({ type: 'hang' });
    const err = await failure(impatient.complete(ask()));
    expect(err).toMatchObject({ retryable: true, code: 'LLM_TIMEOUT' });
  });

  it('reports an unreachable server as retryable', async () => {
    const nowhere = new OpenAiCompatibleProvider({ apiKey: 'k', baseURL: 'http://127.0.0.1:9/v1' });
    const err = await failure(nowhere.complete(ask()));
    expect(err).toMatchObject({ retryable: true, code: 'LLM_UNAVAILABLE' });
  });

  it('uses max_tokens when configured for older OpenAI-compatible servers', async () => {
    const legacy = new OpenAiCompatibleProvider({ name: 'ollama', baseURL: server.baseURL, maxTokensField: 'max_tokens' });
    server.enqueue(openAiReplies.completion({ content: 'ok' }));
    const res = await legacy.complete(ask({ maxTokens: 64 }));
    expect(res.provider).toBe('ollama');
    expect(server.lastRequest.body.max_tokens).toBe(64);
    expect(server.lastRequest.body.max_completion_tokens).toBeUndefined();
  });
});
