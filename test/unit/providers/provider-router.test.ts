import { describe, expect, it } from 'vitest';
import { isToolError, NonRetryableToolError, RateLimitedError, ToolError } from '../../../src/contracts/tool-errors.js';
import { OfflineProvider } from '../../../src/providers/offline.provider.js';
import type { CallGuard, CompletionRequest, CompletionResponse, LlmProvider } from '../../../src/providers/provider.js';
import { defaultRoutes, formatRoutes, ProviderRouter, routesFromSpec, RouteSpecError } from '../../../src/providers/provider-router.js';

/** A provider scripted per call: each entry answers or throws. */
class ScriptedProvider implements LlmProvider {
  readonly offline = false;
  readonly calls: CompletionRequest[] = [];
  constructor(readonly name: string, private readonly script: (Error | string)[]) {}
  complete(request: CompletionRequest): Promise<CompletionResponse> {
    this.calls.push(request);
    const next = this.script.shift() ?? new Error('script exhausted');
    if (next instanceof Error) return Promise.reject(next);
    return Promise.resolve({
      provider: this.name, model: request.model, content: next, toolCalls: [], finishReason: 'stop',
      usage: { inputTokens: 1, outputTokens: 1 }, costUsd: 0.001, offline: false,
    });
  }
}

/** Records keys; `open` keys report an open circuit. */
class RecordingGuard implements CallGuard {
  readonly keys: string[] = [];
  constructor(private readonly open: string[] = []) {}
  run<T>(key: string, signal: AbortSignal | undefined, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    this.keys.push(key);
    return fn(signal ?? new AbortController().signal);
  }
  isOpen(key: string): boolean {
    return this.open.includes(key);
  }
}

const request = { messages: [{ role: 'user' as const, content: 'hi' }] };
const unavailable = (): ToolError => new ToolError('HTTP 503', true, 'LLM_UNAVAILABLE');

async function failure(p: Promise<unknown>): Promise<unknown> {
  return p.then(() => { throw new Error('expected a failure'); }, (e: unknown) => e);
}

describe('ProviderRouter.complete', () => {
  it('answers from the first route and reports it as the only attempt', async () => {
    const openai = new ScriptedProvider('openai', ['hello']);
    const guard = new RecordingGuard();
    const router = new ProviderRouter({ providers: [openai], routes: { standard: [{ provider: 'openai', model: 'gpt-4o-mini' }] }, guard });
    const res = await router.complete('standard', request);
    expect(res).toMatchObject({ content: 'hello', model: 'gpt-4o-mini', attempts: [{ provider: 'openai', model: 'gpt-4o-mini', outcome: 'ok' }] });
    expect(openai.calls[0]?.model).toBe('gpt-4o-mini');
    expect(guard.keys).toEqual(['llm:openai']);
  });

  it('falls back to the next route on a retryable error and records why', async () => {
    const anthropic = new ScriptedProvider('anthropic', [unavailable()]);
    const openai = new ScriptedProvider('openai', [new RateLimitedError('llm:openai', 'gpt-4.1', 2000)]);
    const router = new ProviderRouter({
      providers: { anthropic, openai, offline: new OfflineProvider() },
      routes: { premium: [{ provider: 'anthropic', model: 'claude-sonnet-5-5' }, { provider: 'openai', model: 'gpt-4.1' }, { provider: 'offline', model: 'offline' }] },
    });
    const res = await router.complete('premium', request);
    expect(res.offline).toBe(true);
    expect(res.attempts).toEqual([
      { provider: 'anthropic', model: 'claude-sonnet-5-5', outcome: 'failed', reason: 'HTTP 503', code: 'LLM_UNAVAILABLE' },
      { provider: 'openai', model: 'gpt-4.1', outcome: 'failed', reason: expect.stringContaining('rate limit') as string, code: 'TOOL_RATE_LIMITED' },
      { provider: 'offline', model: 'offline', outcome: 'ok' },
    ]);
  });

  it('skips a route whose circuit is open without calling it', async () => {
    const anthropic = new ScriptedProvider('anthropic', ['never']);
    const openai = new ScriptedProvider('openai', ['from openai']);
    const guard = new RecordingGuard(['llm:anthropic']);
    const router = new ProviderRouter({ providers: [anthropic, openai], routes: { premium: [{ provider: 'anthropic', model: 'm1' }, { provider: 'openai', model: 'm2' }] }, guard });
    const res = await router.complete('premium', request);
    expect(res.content).toBe('from openai');
    expect(anthropic.calls).toHaveLength(0);
    expect(guard.keys).toEqual(['llm:openai']);
    expect(res.attempts[0]).toMatchObject({ provider: 'anthropic', outcome: 'skipped', code: 'CIRCUIT_OPEN' });
  });

  it('falls back when the guard rejects with an open circuit (cockatiel BrokenCircuitError)', async () => {
    const broken = Object.assign(new Error('Execution prevented because the circuit breaker is open'), { isBrokenCircuitError: true });
    const guard: CallGuard = { run: (key, signal, fn) => (key === 'llm:a' ? Promise.reject(broken) : fn(signal ?? new AbortController().signal)) };
    const router = new ProviderRouter({ providers: [new ScriptedProvider('a', ['x']), new ScriptedProvider('b', ['from b'])], routes: { economy: [{ provider: 'a', model: 'm' }, { provider: 'b', model: 'm' }] }, guard });
    const res = await router.complete('economy', request);
    expect(res.content).toBe('from b');
    expect(res.attempts[0]).toMatchObject({ outcome: 'failed', code: 'CIRCUIT_OPEN' });
  });

  it('skips routes of providers that are not configured', async () => {
    const router = new ProviderRouter({ providers: [new OfflineProvider()], routes: defaultRoutes([]) });
    const res = await router.complete('standard', request);
    expect(res.provider).toBe('offline');
    const router2 = new ProviderRouter({ providers: [new OfflineProvider()], routes: { standard: [{ provider: 'openai', model: 'gpt-4o' }, { provider: 'offline', model: 'offline' }] } });
    expect((await router2.complete('standard', request)).attempts[0]).toMatchObject({ outcome: 'skipped', code: 'UNKNOWN_PROVIDER' });
  });

  it('stops at a non-retryable error without trying further routes', async () => {
    const first = new ScriptedProvider('a', [new NonRetryableToolError('HTTP 400 bad request', 'LLM_REQUEST_REJECTED')]);
    const second = new ScriptedProvider('b', ['unused']);
    const router = new ProviderRouter({ providers: [first, second], routes: { standard: [{ provider: 'a', model: 'm' }, { provider: 'b', model: 'm' }] } });
    const err = await failure(router.complete('standard', request));
    expect(err).toBeInstanceOf(NonRetryableToolError);
    expect(second.calls).toHaveLength(0);
  });

  it('throws a retryable error listing every route when all fail', async () => {
    const router = new ProviderRouter({
      providers: [new ScriptedProvider('a', [unavailable()]), new ScriptedProvider('b', [new ToolError('timed out', true, 'LLM_TIMEOUT')])],
      routes: { premium: [{ provider: 'a', model: 'm1' }, { provider: 'b', model: 'm2' }, { provider: 'c', model: 'm3' }] },
      guard: new RecordingGuard(),
    });
    const err = await failure(router.complete('premium', request));
    expect(isToolError(err)).toBe(true);
    expect(err).toMatchObject({ retryable: true, code: 'LLM_ALL_ROUTES_FAILED' });
    const message = (err as Error).message;
    for (const part of ['a:m1 (HTTP 503)', 'b:m2 (timed out)', 'c:m3 (provider is not configured)']) expect(message).toContain(part);
    expect((err as ToolError).details?.attempts).toHaveLength(3);
  });

  it('refuses a tier without routes, or with no configured provider, as non-retryable', async () => {
    const router = new ProviderRouter({ providers: [], routes: { premium: [{ provider: 'x', model: 'm' }] } });
    expect(await failure(router.complete('economy', request))).toMatchObject({ retryable: false, code: 'LLM_NO_ROUTE' });
    expect(await failure(router.complete('premium', request))).toMatchObject({ retryable: false, code: 'LLM_NO_ROUTE' });
  });

  it('propagates an abort of the caller signal instead of falling back', async () => {
    const controller = new AbortController();
    const aborting: LlmProvider = {
      name: 'a', offline: false,
      complete: () => {
        controller.abort();
        return Promise.reject(new DOMException('This operation was aborted', 'AbortError'));
      },
    };
    const second = new ScriptedProvider('b', ['unused']);
    const router = new ProviderRouter({ providers: [aborting, second], routes: { standard: [{ provider: 'a', model: 'm' }, { provider: 'b', model: 'm' }] } });
    const err = await failure(router.complete('standard', { ...request, signal: controller.signal }));
    expect((err as Error).name).toBe('AbortError');
    expect(isToolError(err)).toBe(false);
    expect(second.calls).toHaveLength(0);
  });

  it('passes the guard signal, not the caller signal, to the provider', async () => {
    const inner = new AbortController();
    const guard: CallGuard = { run: (_key, _signal, fn) => fn(inner.signal) };
    const p = new ScriptedProvider('a', ['ok']);
    const router = new ProviderRouter({ providers: [p], routes: { standard: [{ provider: 'a', model: 'm' }] }, guard });
    await router.complete('standard', { ...request, signal: new AbortController().signal });
    expect(p.calls[0]?.signal).toBe(inner.signal);
  });
});

describe('defaultRoutes', () => {
  it('includes only configured providers and always ends with offline', () => {
    const onlyOffline = defaultRoutes([]);
    for (const tier of ['economy', 'standard', 'premium'] as const) expect(onlyOffline[tier]).toEqual([{ provider: 'offline', model: 'offline' }]);
    const both = defaultRoutes(['openai', 'anthropic']);
    expect(both.premium.map((r) => r.provider)).toEqual(['anthropic', 'openai', 'offline']);
    expect(both.standard.map((r) => r.provider)).toEqual(['openai', 'anthropic', 'offline']);
    expect(defaultRoutes(['anthropic']).economy.every((r) => r.provider !== 'openai')).toBe(true);
    for (const tier of ['economy', 'standard', 'premium'] as const) expect(both[tier].at(-1)).toEqual({ provider: 'offline', model: 'offline' });
  });
});

describe('routesFromSpec', () => {
  it('parses tiers and their chains, ignoring spaces and empty parts', () => {
    expect(routesFromSpec(' economy = openai:gpt-4o-mini , offline:offline ; premium=anthropic:claude-sonnet-5-5,openai:gpt-4.1;')).toEqual({
      economy: [{ provider: 'openai', model: 'gpt-4o-mini' }, { provider: 'offline', model: 'offline' }],
      premium: [{ provider: 'anthropic', model: 'claude-sonnet-5-5' }, { provider: 'openai', model: 'gpt-4.1' }],
    });
    expect(routesFromSpec('')).toEqual({});
  });

  it('keeps colons inside model names', () => {
    expect(routesFromSpec('standard=ollama:llama3.1:8b')).toEqual({ standard: [{ provider: 'ollama', model: 'llama3.1:8b' }] });
  });

  it('round-trips through formatRoutes', () => {
    const spec = 'economy=openai:gpt-4o-mini,offline:offline;premium=anthropic:claude-sonnet-5-5';
    expect(formatRoutes(routesFromSpec(spec))).toBe(spec);
  });

  it.each([
    ['economy', 'no "="', 'economy'],
    ['cheap=openai:gpt-4o', 'unknown tier "cheap"', 'cheap=openai:gpt-4o'],
    ['economy=openai', 'bad route "openai" in tier economy', 'openai'],
    ['economy=openai:gpt-4o,', 'bad route "" in tier economy', ''],
    ['premium=:gpt-4o', 'bad route ":gpt-4o"', ':gpt-4o'],
    ['premium=openai:', 'bad route "openai:"', 'openai:'],
    ['premium=openai:gpt 4o', 'bad route "openai:gpt 4o"', 'openai:gpt 4o'],
    ['economy=openai:a;economy=openai:b', 'tier "economy" appears twice', 'economy=openai:b'],
  ])('rejects %j naming the bad part', (spec, message, part) => {
    let caught: unknown;
    try {
      routesFromSpec(spec);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(RouteSpecError);
    expect((caught as RouteSpecError).message).toContain(message);
    expect((caught as RouteSpecError).part).toBe(part);
  });
});
