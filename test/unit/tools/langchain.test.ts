import { DynamicStructuredTool, tool as lcTool } from '@langchain/core/tools';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { ToolError } from '../../../src/contracts/tool-errors.js';
import { registerLangChainTool, toLangChainTool, toLangChainTools } from '../../../src/tools/adapters/langchain.adapter.js';
import { CredentialResolver } from '../../../src/tools/governance/credentials.js';
import { StaticGovernanceSource, type GovernanceSnapshot } from '../../../src/tools/governance/governance-source.js';
import { MemoryRateLimiter } from '../../../src/tools/governance/rate-limiter.js';
import { ToolResilience } from '../../../src/tools/execution/resilience.js';
import { MemoryToolCallStore } from '../../../src/tools/execution/tool-call-store.js';
import { ToolExecutor } from '../../../src/tools/execution/tool-executor.js';
import { ToolRegistry } from '../../../src/tools/registry.js';
import type { AnyTool } from '../../../src/tools/tool.js';

const FAST = { timeoutMs: 500, maxAttempts: 1, backoffMs: 1, maxBackoffMs: 2 };

const wordCount: AnyTool = {
  name: 'text.word_count', version: '1.0.0', description: 'Counts the words of a text', sideEffect: 'read', policy: FAST,
  input: z.object({ text: z.string().max(1000) }), output: z.object({ words: z.number().int() }),
  execute: async (input: { text: string }) => ({ output: { words: input.text.split(/\s+/).filter(Boolean).length } }),
};
const shout: AnyTool = {
  name: 'text.shout', version: '1.0.0', description: 'Upper-cases a text', sideEffect: 'read', policy: FAST,
  input: z.object({ text: z.string() }), output: z.string(),
  execute: async (input: { text: string }) => ({ output: input.text.toUpperCase() }),
};

function setup(governance: Partial<GovernanceSnapshot> = {}) {
  const registry = new ToolRegistry();
  registry.register(wordCount);
  registry.register(shout);
  const store = new MemoryToolCallStore();
  const executor = new ToolExecutor({
    registry, store, rateLimiter: new MemoryRateLimiter(), resilience: new ToolResilience({ toolCall: () => {}, circuitState: () => {} }),
    governance: new StaticGovernanceSource({ permissions: [], rateLimits: [], credentialRefs: [], ...governance }),
    credentials: new CredentialResolver({ envPrefix: 'VMP_SECRET_', dir: '/nonexistent', env: {} }),
  });
  return { registry, executor, store };
}

const failure = (p: Promise<unknown>) => p.then(() => { throw new Error('expected a failure'); }, (e: unknown) => e as ToolError);

describe('registry tools as LangChain tools', () => {
  it('invokes through the executor: governed, recorded, keyed by the context counter', async () => {
    const { registry, executor, store } = setup();
    const context = { tenantId: 't1', agent: 'editor', runId: 'run1', stageId: 'edit', keyPrefix: 'run1:edit:1' };
    const [count, loud] = toLangChainTools(registry, executor, ['text.word_count@^1', 'text.shout'], context);
    expect(count).toBeInstanceOf(DynamicStructuredTool);
    expect(count?.name).toBe('text__word_count');
    expect(count?.description).toBe('Counts the words of a text');
    expect(await count!.invoke({ text: 'one two three' })).toBe('{"words":3}');
    expect(await loud!.invoke({ text: 'hey' })).toBe('HEY');
    expect(store.calls.map((c) => [c.tool, c.outcome, c.idempotencyKey, c.agent, c.runId])).toEqual([
      ['text.word_count', 'ok', 'run1:edit:1:0', 'editor', 'run1'],
      ['text.shout', 'ok', 'run1:edit:1:1', 'editor', 'run1'],
    ]);
  });

  it("answers a LangChain tool call with a ToolMessage and refuses input its schema refuses", async () => {
    const { registry, executor, store } = setup();
    const count = toLangChainTool(registry, executor, 'text.word_count', { tenantId: 't1', keyPrefix: 'k' });
    const message = await count.invoke({ id: 'call_1', name: 'text__word_count', args: { text: 'a b' }, type: 'tool_call' });
    expect(message).toMatchObject({ tool_call_id: 'call_1', content: '{"words":2}' });
    await expect(count.invoke({ text: 42 } as never)).rejects.toThrow();
    expect(store.calls).toHaveLength(1);
  });

  it('throws the executor error when the call is denied', async () => {
    const { registry, executor, store } = setup({ permissions: [{ id: 'no-shout', projectId: null, agent: null, tool: 'text.shout', effect: 'deny', constraints: null }] });
    const loud = toLangChainTool(registry, executor, 'text.shout', { tenantId: 't1', keyPrefix: 'k' });
    const err = await failure(loud.invoke({ text: 'x' }));
    expect(err.code).toBe('TOOL_PERMISSION_DENIED');
    expect(store.calls[0]).toMatchObject({ outcome: 'denied' });
  });
});

describe('LangChain tools in the registry', () => {
  it('registers a zod tool(...) and calls it through the executor; the catalog lists its schema', async () => {
    const { registry, executor, store } = setup();
    const calls: Array<{ city: string }> = [];
    const weather = lcTool(async (input: { city: string; days?: number }) => {
      calls.push(input);
      return `Sunny in ${input.city}`;
    }, { name: 'getForecast', description: 'Weather forecast', schema: z.object({ city: z.string().min(1), days: z.number().int().max(7).optional() }) });
    const def = registerLangChainTool(registry, weather, { sideEffect: 'read' });
    expect(def.name).toBe('get_forecast');
    const listed = registry.list().find((d) => d.name === 'get_forecast');
    expect(listed).toMatchObject({
      version: '1.0.0', origin: 'langchain', sideEffect: 'read', description: 'Weather forecast',
      inputSchema: { type: 'object', properties: { city: { type: 'string', minLength: 1 } }, required: ['city'] },
      outputSchema: { type: 'object', properties: { result: {} } },
    });
    const result = await executor.invoke({ ref: 'get_forecast@^1', input: { city: 'Lisbon' }, tenantId: 't1', idempotencyKey: 'lc-1' });
    expect(result.output).toEqual({ result: 'Sunny in Lisbon' });
    expect(calls).toEqual([{ city: 'Lisbon' }]);
    expect(store.calls[0]).toMatchObject({ tool: 'get_forecast', outcome: 'ok' });
    const bad = await failure(executor.invoke({ ref: 'get_forecast', input: { city: '', days: 9 }, tenantId: 't1', idempotencyKey: 'lc-2' }));
    expect(bad.code).toBe('TOOL_INPUT_INVALID');
    expect(calls).toHaveLength(1);
  });

  it('registers a tool described by JSON Schema: exported as is, validated, external by default (needs an allow rule)', async () => {
    const { registry, executor } = setup();
    const schema = { type: 'object', properties: { to: { type: 'string' }, body: { type: 'string' } }, required: ['to', 'body'] } as const;
    const send = new DynamicStructuredTool({
      name: 'send_email', description: 'Sends an email', schema,
      func: async (input: Record<string, unknown>) => ({ sent: true, to: input.to }),
    });
    registerLangChainTool(registry, send, { name: 'mail.send', version: '2.0.0' });
    expect(registry.list().find((d) => d.name === 'mail.send')).toMatchObject({ version: '2.0.0', sideEffect: 'external', inputSchema: schema });
    const allowed = setup({ permissions: [{ id: 'mail', projectId: null, agent: null, tool: 'mail.*', effect: 'allow', constraints: null }] });
    registerLangChainTool(allowed.registry, send, { name: 'mail.send' });
    const result = await allowed.executor.invoke({ ref: 'mail.send', input: { to: 'a@b.c', body: 'hi' }, tenantId: 't1', idempotencyKey: 'm1' });
    expect(result.output).toEqual({ result: { sent: true, to: 'a@b.c' } });
    const missing = await failure(allowed.executor.invoke({ ref: 'mail.send', input: { to: 'a@b.c' }, tenantId: 't1', idempotencyKey: 'm2' }));
    expect(missing.code).toBe('TOOL_INPUT_INVALID');
    const denied = await failure(executor.invoke({ ref: 'mail.send', input: { to: 'a', body: 'b' }, tenantId: 't1', idempotencyKey: 'm3' }));
    expect(denied.code).toBe('TOOL_PERMISSION_DENIED');
  });
});
