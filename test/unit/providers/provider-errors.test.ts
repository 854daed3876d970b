import { describe, expect, it } from 'vitest';
import { NonRetryableToolError, RateLimitedError, ToolError } from '../../../src/contracts/tool-errors.js';
import { toAnthropicMessages } from '../../../src/providers/anthropic.provider.js';
import { toOpenAiMessage } from '../../../src/providers/openai-compatible.provider.js';
import { abortError, DEFAULT_RETRY_AFTER_MS, errorForStatus, parseRetryAfterMs } from '../../../src/providers/provider-errors.js';
import { parseToolCall } from '../../../src/providers/tool-arguments.js';

const ctx = { provider: 'openai', model: 'gpt-4o' };

describe('parseRetryAfterMs', () => {
  it('reads retry-after-ms first, then retry-after in seconds', () => {
    expect(parseRetryAfterMs(new Headers({ 'retry-after-ms': '1500', 'retry-after': '9' }))).toBe(1500);
    expect(parseRetryAfterMs(new Headers({ 'retry-after': '2' }))).toBe(2000);
    expect(parseRetryAfterMs(new Headers({ 'retry-after': '0.5' }))).toBe(500);
  });

  it('reads an HTTP date relative to now, never negative', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfterMs(new Headers({ 'retry-after': 'Thu, 01 Jan 2026 00:00:30 GMT' }), () => now)).toBe(30_000);
    expect(parseRetryAfterMs(new Headers({ 'retry-after': 'Wed, 31 Dec 2025 23:00:00 GMT' }), () => now)).toBe(0);
  });

  it('gives undefined without a usable header', () => {
    expect(parseRetryAfterMs(new Headers())).toBeUndefined();
    expect(parseRetryAfterMs(new Headers({ 'retry-after': 'soon' }))).toBeUndefined();
    expect(parseRetryAfterMs(undefined)).toBeUndefined();
  });
});

describe('errorForStatus', () => {
  it('makes 408, 409, 429 and 5xx retryable', () => {
    for (const status of [408, 409, 500, 502, 503, 529]) expect(errorForStatus(ctx, status, 'x').retryable, String(status)).toBe(true);
  });

  it('makes a 429 a RateLimitedError with the header delay or the default', () => {
    const limited = errorForStatus(ctx, 429, 'slow', new Headers({ 'retry-after': '4' }));
    expect(limited).toBeInstanceOf(RateLimitedError);
    expect((limited as RateLimitedError).retryAfterMs).toBe(4000);
    expect((errorForStatus(ctx, 429, 'slow') as RateLimitedError).retryAfterMs).toBe(DEFAULT_RETRY_AFTER_MS);
  });

  it('makes other 4xx non-retryable, auth failures with their own code', () => {
    expect(errorForStatus(ctx, 400, 'bad')).toBeInstanceOf(NonRetryableToolError);
    expect(errorForStatus(ctx, 404, 'no model').retryable).toBe(false);
    expect(errorForStatus(ctx, 401, 'key').code).toBe('LLM_AUTH_FAILED');
    expect(errorForStatus(ctx, 422, 'bad').code).toBe('LLM_REQUEST_REJECTED');
  });

  it('names provider, model and status', () => {
    const err = errorForStatus(ctx, 503, 'down');
    expect(err).toBeInstanceOf(ToolError);
    expect(err.message).toContain('openai:gpt-4o');
    expect(err.details).toMatchObject({ provider: 'openai', model: 'gpt-4o', status: 503 });
  });
});

describe('abortError', () => {
  it('is the signal reason when it is an Error, else an AbortError', () => {
    const a = new AbortController();
    a.abort();
    expect(abortError(a.signal).name).toBe('AbortError');
    const b = new AbortController();
    const reason = new Error('cancelled by user');
    b.abort(reason);
    expect(abortError(b.signal)).toBe(reason);
    const c = new AbortController();
    c.abort('shutdown');
    expect(abortError(c.signal)).toMatchObject({ name: 'AbortError', message: 'shutdown' });
  });
});

describe('parseToolCall', () => {
  it('parses JSON object arguments', () => {
    expect(parseToolCall('1', 'f', '{"a":1}')).toEqual({ id: '1', name: 'f', arguments: { a: 1 } });
    expect(parseToolCall('1', 'f', '')).toEqual({ id: '1', name: 'f', arguments: {} });
  });

  it('keeps unparsable or non-object arguments raw with empty arguments', () => {
    expect(parseToolCall('1', 'f', '{"a":')).toEqual({ id: '1', name: 'f', arguments: {}, rawArguments: '{"a":' });
    expect(parseToolCall('1', 'f', '[1,2]')).toEqual({ id: '1', name: 'f', arguments: {}, rawArguments: '[1,2]' });
  });
});

describe('message mapping', () => {
  it('refuses a tool message without the call id it answers', () => {
    expect(() => toOpenAiMessage({ role: 'tool', content: 'x' })).toThrow(NonRetryableToolError);
    expect(() => toAnthropicMessages([{ role: 'tool', content: 'x' }])).toThrow(NonRetryableToolError);
  });

  it('keeps the raw arguments of an unparsable tool call when sending it back to OpenAI', () => {
    expect(toOpenAiMessage({ role: 'assistant', content: 'x', toolCalls: [{ id: 'c', name: 'f', arguments: {}, rawArguments: '{"a":' }] })).toMatchObject({
      content: 'x', tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{"a":' } }],
    });
  });

  it('joins several system messages for Anthropic and leaves system undefined when there is none', () => {
    expect(toAnthropicMessages([{ role: 'system', content: 'A' }, { role: 'user', content: 'u' }, { role: 'system', content: 'B' }]).system).toBe('A\n\nB');
    expect(toAnthropicMessages([{ role: 'user', content: 'u' }]).system).toBeUndefined();
  });

  it('does not merge tool results separated by another message', () => {
    const { messages } = toAnthropicMessages([
      { role: 'tool', toolCallId: 'a', content: '1' },
      { role: 'assistant', content: 'ok' },
      { role: 'tool', toolCallId: 'b', content: '2' },
    ]);
    expect(messages).toHaveLength(3);
    expect(messages[2]).toEqual({ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'b', content: '2' }] });
  });
});
