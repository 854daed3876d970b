import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ToolError } from '../../../src/contracts/tool-errors.js';
import { CredentialResolver } from '../../../src/tools/governance/credentials.js';
import { StaticGovernanceSource, type GovernanceSnapshot } from '../../../src/tools/governance/governance-source.js';
import { MemoryRateLimiter } from '../../../src/tools/governance/rate-limiter.js';
import { ToolRegistry } from '../../../src/tools/registry.js';
import { ToolResilience } from '../../../src/tools/execution/resilience.js';
import { MemoryToolCallStore } from '../../../src/tools/execution/tool-call-store.js';
import { ToolExecutor, type ToolInvocation } from '../../../src/tools/execution/tool-executor.js';
import type { AnyTool, ToolCallContext, ToolPolicy } from '../../../src/tools/tool.js';

const FAST: Partial<ToolPolicy> = { timeoutMs: 200, maxAttempts: 3, backoffMs: 1, maxBackoffMs: 2, breakerThreshold: 100, breakerHalfOpenAfterMs: 50 };

function tool(name: string, execute: (input: { text: string }, ctx: ToolCallContext) => Promise<unknown>, extra: Partial<AnyTool> = {}): AnyTool {
  return {
    name, version: '1.0.0', description: name, sideEffect: 'read',
    input: z.object({ text: z.string().max(100) }), output: z.object({ result: z.string() }),
    policy: FAST, execute: async (input: { text: string }, ctx: ToolCallContext) => ({ output: await execute(input, ctx) }), ...extra,
  };
}

function setup(tools: AnyTool[], governance: Partial<GovernanceSnapshot> = {}, env: Record<string, string> = {}) {
  const registry = new ToolRegistry();
  for (const t of tools) registry.register(t);
  const store = new MemoryToolCallStore();
  const states: Array<[string, number]> = [];
  const resilience = new ToolResilience({ toolCall: () => {}, circuitState: (k, s) => states.push([k, s]) });
  const executor = new ToolExecutor({
    registry, resilience, store, rateLimiter: new MemoryRateLimiter(),
    governance: new StaticGovernanceSource({ permissions: [], rateLimits: [], credentialRefs: [], ...governance }),
    credentials: new CredentialResolver({ envPrefix: 'VMP_SECRET_', dir: '/nonexistent', env }),
  });
  let n = 0;
  const call = (ref: string, input: unknown, extra: Partial<ToolInvocation> = {}) =>
    executor.invoke({ ref, input, tenantId: 't1', agent: 'copywriter', runId: null, stageId: 's', idempotencyKey: `k${n++}`, ...extra });
  return { executor, store, call, states, resilience };
}

const failure = (p: Promise<unknown>) => p.then(() => { throw new Error('expected a failure'); }, (e: unknown) => e as ToolError);

describe('ToolExecutor', () => {
  it('names an unknown tool or version and records the call as an error', async () => {
    const { call, store } = setup([tool('echo', async (i) => ({ result: i.text }))]);
    const err = await failure(call('echo@^2', { text: 'x' }));
    expect(err.code).toBe('UNKNOWN_TOOL');
    expect(err.message).toContain('echo@^2');
    expect(err.message).toContain('echo@1.0.0');
    expect(store.calls[0]).toMatchObject({ tool: 'echo', version: '^2', outcome: 'error', errorCode: 'UNKNOWN_TOOL' });
  });

  it('refuses input that breaks the schema before running the tool', async () => {
    let ran = 0;
    const { call, store } = setup([tool('echo', async (i) => { ran++; return { result: i.text }; })]);
    const err = await failure(call('echo', { text: 42 }));
    expect(err.code).toBe('TOOL_INPUT_INVALID');
    expect(err.message).toMatch(/text/);
    expect(err.retryable).toBe(false);
    expect(ran).toBe(0);
    expect(store.calls[0]?.errorCode).toBe('TOOL_INPUT_INVALID');
  });

  it('treats output that breaks the schema as a retryable tool error and retries it', async () => {
    let ran = 0;
    const { call } = setup([tool('bad', async () => { ran++; return { result: 7 }; })]);
    const err = await failure(call('bad', { text: 'x' }));
    expect(err.code).toBe('TOOL_OUTPUT_INVALID');
    expect(ran).toBe(3);
  });

  it('retries retryable failures with backoff and returns the first success', async () => {
    let ran = 0;
    const { call, store } = setup([tool('flaky', async (i) => {
      ran++;
      if (ran < 3) throw new ToolError('HTTP 503', true, 'UPSTREAM_5XX');
      return { result: i.text };
    })]);
    const result = await call('flaky', { text: 'ok' });
    expect(result).toMatchObject({ output: { result: 'ok' }, tries: 3, replayed: false });
    expect(store.calls).toHaveLength(1);
    expect(store.calls[0]).toMatchObject({ outcome: 'ok', tries: 3 });
  });

  it('never retries a non-retryable failure', async () => {
    let ran = 0;
    const { call } = setup([tool('strict', async () => { ran++; throw new ToolError('HTTP 400', false, 'BAD_REQUEST'); })]);
    const err = await failure(call('strict', { text: 'x' }));
    expect(err.code).toBe('BAD_REQUEST');
    expect(ran).toBe(1);
  });

  it('times out a hanging tool per try, aborts its signal, and reports a timeout after the retries', async () => {
    const aborted: boolean[] = [];
    const { call } = setup([tool('hang', (_i, ctx) => new Promise(() => {
      ctx.signal.addEventListener('abort', () => aborted.push(true));
    }), { policy: { ...FAST, timeoutMs: 30, maxAttempts: 2 } })]);
    const err = await failure(call('hang', { text: 'x' }));
    expect(err.code).toBe('TOOL_TIMEOUT');
    expect(aborted).toHaveLength(2);
  });

  it('opens the circuit of a provider after consecutive failures, fails fast while open, and closes after a successful half-open try', async () => {
    let ran = 0;
    let healthy = false;
    const policy = { ...FAST, maxAttempts: 1, breakerThreshold: 3, breakerHalfOpenAfterMs: 60 };
    const { call, states, resilience } = setup([
      tool('a', async (i) => { ran++; if (!healthy) throw new ToolError('HTTP 502', true); return { result: i.text }; }, { provider: 'http:example', policy }),
      tool('b', async (i) => { ran++; return { result: i.text }; }, { provider: 'http:example', policy }),
    ]);
    for (let i = 0; i < 3; i++) expect((await failure(call('a', { text: 'x' }))).code).toBe('TOOL_FAILED');
    expect(resilience.isOpen('http:example')).toBe(true);
    const before = ran;
    const open = await failure(call('b', { text: 'x' }));
    expect(open.code).toBe('TOOL_CIRCUIT_OPEN');
    expect(ran).toBe(before);
    await new Promise((r) => setTimeout(r, 80));
    healthy = true;
    expect((await call('a', { text: 'back' })).output).toEqual({ result: 'back' });
    expect(resilience.isOpen('http:example')).toBe(false);
    expect(states.filter(([k]) => k === 'http:example').map(([, s]) => s)).toEqual([0, 1, 2, 0]);
  });

  it('calls the fallback tool when the primary fails after its retries', async () => {
    const { call, store } = setup([
      tool('primary', async () => { throw new ToolError('HTTP 500', true); }),
      tool('secondary', async (i) => ({ result: `fallback:${i.text}` })),
    ]);
    const result = await call('primary', { text: 'x' }, { fallback: 'secondary@^1', idempotencyKey: 'run:s:1:0' });
    expect(result).toMatchObject({ tool: 'secondary', output: { result: 'fallback:x' }, fallbackOf: 'primary' });
    expect(store.calls.map((c) => [c.tool, c.outcome, c.idempotencyKey])).toEqual([
      ['primary', 'error', 'run:s:1:0'], ['secondary', 'ok', 'run:s:1:0:fallback'],
    ]);
  });

  it('answers a repeated idempotency key with the recorded result and does not run a write tool again', async () => {
    let ran = 0;
    const publish = tool('publish', async (i) => { ran++; return { result: `published ${i.text} #${ran}` }; }, { sideEffect: 'write' });
    const { call, store } = setup([publish], { permissions: [{ id: 'p1', projectId: null, agent: null, tool: 'publish', effect: 'allow', constraints: null }] });
    const first = await call('publish', { text: 'x' }, { idempotencyKey: 'run1:s:1:0' });
    const again = await call('publish', { text: 'x' }, { idempotencyKey: 'run1:s:1:0' });
    expect(ran).toBe(1);
    expect(again).toMatchObject({ replayed: true, output: first.output });
    expect(store.calls.map((c) => c.audit.replayed)).toEqual([false, true]);
  });

  it('denies write and external tools without an allow rule, and audits the denial', async () => {
    let ran = 0;
    const { call, store } = setup([tool('send', async () => { ran++; return { result: 'sent' }; }, { sideEffect: 'external' })]);
    const err = await failure(call('send', { text: 'x' }));
    expect(err.code).toBe('TOOL_PERMISSION_DENIED');
    expect(err.message).toContain('external tools need a rule');
    expect(ran).toBe(0);
    expect(store.calls[0]).toMatchObject({ outcome: 'denied' });
    expect(store.calls[0]?.audit).toMatchObject({ decision: 'deny', ruleId: null });
  });

  it('lets a deny rule win over an allow, and checks an allow rule’s argument constraints', async () => {
    const t = tool('post', async (i) => ({ result: i.text }), { sideEffect: 'write' });
    const { call } = setup([t], {
      permissions: [
        { id: 'allow-all', projectId: null, agent: null, tool: 'post', effect: 'allow', constraints: { text: { oneOf: ['draft', 'final'] } } },
        { id: 'deny-editor', projectId: null, agent: 'editor', tool: 'p*', effect: 'deny', constraints: null },
      ],
    });
    expect((await call('post', { text: 'draft' })).output).toEqual({ result: 'draft' });
    const constrained = await failure(call('post', { text: 'other' }));
    expect(constrained.message).toContain('argument text must be one of');
    const denied = await failure(call('post', { text: 'draft' }, { agent: 'editor' }));
    expect(denied.message).toContain('denied by rule deny-editor');
  });

  it('fails a call over a fail-policy rate limit with its retry-after, and waits under a wait policy', async () => {
    const { call } = setup([tool('api', async (i) => ({ result: i.text }))], {
      rateLimits: [{ id: 'r1', tool: 'api', action: '*', limit: 2, windowMs: 60_000, onLimit: 'fail', maxWaitMs: 0 }],
    });
    await call('api', { text: '1' });
    await call('api', { text: '2' });
    const err = await failure(call('api', { text: '3' }));
    expect(err.code).toBe('TOOL_RATE_LIMITED');
    expect((err.details as { retryAfterMs: number }).retryAfterMs).toBeGreaterThan(0);

    const waiting = setup([tool('api', async (i) => ({ result: i.text }))], {
      rateLimits: [{ id: 'r2', tool: '*', action: '*', limit: 1, windowMs: 50, onLimit: 'wait', maxWaitMs: 1000 }],
    });
    await waiting.call('api', { text: '1' });
    const t0 = Date.now();
    expect((await waiting.call('api', { text: '2' })).output).toEqual({ result: '2' });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1);
  });

  it('resolves credential references at call time and scrubs the secret from recorded and returned output', async () => {
    const leaky = tool('leaky', async (i, ctx) => ({ result: `${i.text} with ${await ctx.credential('api')}` }));
    const { call, store } = setup([leaky], { credentialRefs: [{ name: 'api', provider: 'env', ref: 'VMP_SECRET_API' }] }, { VMP_SECRET_API: 'canary-s3cr3t-value' });
    const result = await call('leaky', { text: 'hello' });
    expect(JSON.stringify(result)).not.toContain('canary-s3cr3t-value');
    expect(result.output).toEqual({ result: 'hello with [redacted:api]' });
    expect(JSON.stringify(store.calls)).not.toContain('canary-s3cr3t-value');
  });

  it('fails with a clear credential error when the reference or its secret is absent, without retrying', async () => {
    let ran = 0;
    const needs = tool('needs', async (_i, ctx) => { ran++; return { result: await ctx.credential('missing') }; });
    const { call } = setup([needs]);
    const err = await failure(call('needs', { text: 'x' }));
    expect(err.code).toBe('TOOL_CREDENTIAL_MISSING');
    expect(err.message).toContain('credential missing is not available');
    expect(ran).toBe(1);
  });

  it('stops at once when the caller aborts, without retrying', async () => {
    let ran = 0;
    const { call } = setup([tool('slow', (_i, ctx) => { ran++; return new Promise((_r, reject) => ctx.signal.addEventListener('abort', () => reject(new Error('aborted')))); })]);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20);
    const err = await failure(call('slow', { text: 'x' }, { signal: controller.signal }));
    expect(err.code).toBe('TOOL_CANCELLED');
    expect(ran).toBe(1);
  });

  it('rejects calls beyond a tool’s bulkhead and queue', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => { release = r; });
    const { call } = setup([tool('narrow', async (i) => { await gate; return { result: i.text }; }, { policy: { ...FAST, timeoutMs: 1000, bulkhead: 1, bulkheadQueue: 0 } })]);
    const first = call('narrow', { text: '1' });
    const err = await failure(call('narrow', { text: '2' }));
    expect(err.code).toBe('TOOL_BUSY');
    release();
    expect((await first).output).toEqual({ result: '1' });
  });
});
