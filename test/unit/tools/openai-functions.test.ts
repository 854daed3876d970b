import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  executeToolCalls, fromOpenAiToolName, toOpenAiToolName, toOpenAiTools, toToolSpecs, ToolNameMappingError,
} from '../../../src/tools/adapters/openai-functions.adapter.js';
import { CredentialResolver } from '../../../src/tools/governance/credentials.js';
import { StaticGovernanceSource, type GovernanceSnapshot } from '../../../src/tools/governance/governance-source.js';
import { MemoryRateLimiter } from '../../../src/tools/governance/rate-limiter.js';
import { ToolResilience } from '../../../src/tools/execution/resilience.js';
import { MemoryToolCallStore } from '../../../src/tools/execution/tool-call-store.js';
import { ToolError } from '../../../src/contracts/tool-errors.js';
import { ToolExecutor } from '../../../src/tools/execution/tool-executor.js';
import { ToolRegistry } from '../../../src/tools/registry.js';
import type { AnyTool } from '../../../src/tools/tool.js';

const FAST = { timeoutMs: 500, maxAttempts: 1, backoffMs: 1, maxBackoffMs: 2 };

const search: AnyTool = {
  name: 'web.search', version: '1.0.0', description: 'Searches the web', sideEffect: 'read', policy: FAST,
  input: z.object({ query: z.string().min(1), limit: z.number().int().max(10).optional() }),
  output: z.object({ hits: z.array(z.string()) }),
  execute: async (input: { query: string }) => ({ output: { hits: [`result for ${input.query}`] } }),
};
const searchV2: AnyTool = { ...search, version: '2.0.0', description: 'Searches the web (v2)' };
const publish: AnyTool = {
  name: 'social.publish', version: '1.0.0', description: 'Publishes a post', sideEffect: 'write', policy: FAST,
  input: z.object({ text: z.string() }), output: z.object({ id: z.string() }),
  execute: async () => ({ output: { id: 'post-1' } }),
};

function setup(governance: Partial<GovernanceSnapshot> = {}) {
  const registry = new ToolRegistry();
  for (const t of [search, searchV2, publish]) registry.register(t);
  const store = new MemoryToolCallStore();
  const executor = new ToolExecutor({
    registry, store, rateLimiter: new MemoryRateLimiter(), resilience: new ToolResilience({ toolCall: () => {}, circuitState: () => {} }),
    governance: new StaticGovernanceSource({ permissions: [], rateLimits: [], credentialRefs: [], ...governance }),
    credentials: new CredentialResolver({ envPrefix: 'VMP_SECRET_', dir: '/nonexistent', env: {} }),
  });
  return { registry, executor, store };
}

const ctx = { tenantId: 't1', agent: 'researcher', runId: 'run1', stageId: 'research', keyPrefix: 'run1:research:1:0' };
const errorOf = (content: string) => (JSON.parse(content) as { error: { code: string; message: string } }).error;

describe('OpenAI function export', () => {
  it('maps dots to double underscores and back', () => {
    for (const name of ['web.search', 'mcp.crm.find_contact', 'plain', 'a-b.c_d', 'llm.complete']) {
      const mapped = toOpenAiToolName(name);
      expect(mapped).toMatch(/^[a-zA-Z0-9_-]{1,64}$/);
      expect(fromOpenAiToolName(mapped)).toBe(name);
    }
    expect(toOpenAiToolName('mcp.crm.find_contact')).toBe('mcp__crm__find_contact');
  });

  it('refuses names that would not map back or are too long', () => {
    expect(() => toOpenAiToolName('a__b')).toThrow(ToolNameMappingError);
    expect(() => toOpenAiToolName('a_.b')).toThrow(/map back/);
    expect(() => toOpenAiToolName(`t${'x'.repeat(70)}`)).toThrow(/must match/);
  });

  it('exports one function per tool (highest version) with its input JSON Schema, strict off', () => {
    const { registry } = setup();
    for (const source of [registry.entries(), registry.list()]) {
      const tools = toOpenAiTools(source);
      expect(tools).toHaveLength(2);
      const fn = tools.find((t) => t.type === 'function' && t.function.name === 'web__search');
      expect(fn).toMatchObject({
        type: 'function',
        function: {
          name: 'web__search', description: 'Searches the web (v2)', strict: false,
          parameters: { type: 'object', properties: { query: { type: 'string', minLength: 1 } }, required: ['query'] },
        },
      });
      expect(fn?.type === 'function' && fn.function.parameters).not.toHaveProperty('$schema');
    }
    expect(toToolSpecs([publish])).toEqual([{ name: 'social__publish', description: 'Publishes a post', parameters: expect.objectContaining({ type: 'object' }) }]);
  });
});

describe('executeToolCalls', () => {
  it('runs calls through the executor and answers with JSON outputs, keyed by prefix and index', async () => {
    const { executor, store } = setup();
    const { messages, failures } = await executeToolCalls(executor, [
      { id: 'c1', name: 'web__search', arguments: { query: 'boots' } },
      { id: 'c2', type: 'function', function: { name: 'web__search', arguments: '{"query":"tents"}' } },
    ], ctx);
    expect(failures).toEqual([]);
    expect(messages).toEqual([
      { role: 'tool', toolCallId: 'c1', content: JSON.stringify({ hits: ['result for boots'] }) },
      { role: 'tool', toolCallId: 'c2', content: JSON.stringify({ hits: ['result for tents'] }) },
    ]);
    expect(store.calls.map((c) => [c.tool, c.version, c.outcome, c.idempotencyKey, c.agent])).toEqual([
      ['web.search', '2.0.0', 'ok', 'run1:research:1:0:0', 'researcher'],
      ['web.search', '2.0.0', 'ok', 'run1:research:1:0:1', 'researcher'],
    ]);
  });

  it('calls the fallback the stage names for an allowed tool that keeps failing', async () => {
    const { registry, executor, store } = setup();
    registry.register({ ...search, name: 'web.flaky', execute: async () => { throw new ToolError('HTTP 503', true); } });
    const { messages, failures } = await executeToolCalls(executor, [{ id: 'c1', name: 'web__flaky', arguments: { query: 'boots' } }], {
      ...ctx, allowed: ['web.flaky@^1'], fallbacks: { 'web.flaky@^1': 'web.search@^1' },
    });
    expect(failures).toEqual([]);
    expect(messages[0]?.content).toBe(JSON.stringify({ hits: ['result for boots'] }));
    expect(store.calls.map((c) => [c.tool, c.outcome])).toEqual([['web.flaky', 'error'], ['web.search', 'ok']]);
  });

  it('resolves an allowed ref with its range', async () => {
    const { executor, store } = setup();
    const { failures } = await executeToolCalls(executor, [{ id: 'c1', name: 'web__search', arguments: { query: 'x' } }], { ...ctx, allowed: ['web.search@^1'] });
    expect(failures).toEqual([]);
    expect(store.calls[0]?.version).toBe('1.0.0');
  });

  it('answers an unknown tool with an error message and reports it', async () => {
    const { executor } = setup();
    const { messages, failures } = await executeToolCalls(executor, [{ id: 'c1', name: 'web__fetch', arguments: {} }], ctx);
    expect(errorOf(messages[0]!.content)).toMatchObject({ code: 'UNKNOWN_TOOL', message: expect.stringContaining('web.fetch') });
    expect(failures).toEqual([expect.objectContaining({ toolCallId: 'c1', name: 'web__fetch', tool: 'web.fetch', code: 'UNKNOWN_TOOL', retryable: false })]);
  });

  it('refuses a tool outside the allowed list without calling it', async () => {
    const { executor, store } = setup();
    const { messages, failures } = await executeToolCalls(executor, [{ id: 'c1', name: 'social__publish', arguments: { text: 'hi' } }], { ...ctx, allowed: ['web.search'] });
    expect(errorOf(messages[0]!.content)).toEqual({ code: 'TOOL_NOT_ALLOWED', message: 'tool social__publish is not available to you; available: web__search' });
    expect(failures[0]?.code).toBe('TOOL_NOT_ALLOWED');
    expect(store.calls).toHaveLength(0);
  });

  it('answers a forbidden tool (deny rule) with the permission error, audited as denied', async () => {
    const { executor, store } = setup({ permissions: [{ id: 'deny-search', projectId: null, agent: 'researcher', tool: 'web.*', effect: 'deny', constraints: null }] });
    const { messages, failures } = await executeToolCalls(executor, [{ id: 'c1', name: 'web__search', arguments: { query: 'x' } }], ctx);
    expect(errorOf(messages[0]!.content)).toMatchObject({ code: 'TOOL_PERMISSION_DENIED', message: expect.stringContaining('deny-search') });
    expect(failures[0]).toMatchObject({ code: 'TOOL_PERMISSION_DENIED', tool: 'web.search' });
    expect(store.calls[0]).toMatchObject({ outcome: 'denied' });
  });

  it('answers arguments that break the schema with the problems, so the model can correct them', async () => {
    const { executor } = setup();
    const { messages, failures } = await executeToolCalls(executor, [{ id: 'c1', name: 'web__search', arguments: { query: '', limit: 50 } }], ctx);
    const error = errorOf(messages[0]!.content);
    expect(error.code).toBe('TOOL_INPUT_INVALID');
    expect(error.message).toMatch(/query/);
    expect(error.message).toMatch(/limit/);
    expect(failures[0]?.code).toBe('TOOL_INPUT_INVALID');
  });

  it('answers unparsable JSON arguments without calling the tool, and keeps going with the next call', async () => {
    const { executor, store } = setup();
    const { messages, failures } = await executeToolCalls(executor, [
      { id: 'c1', type: 'function', function: { name: 'web__search', arguments: '{"query": "boo' } },
      { id: 'c2', name: 'web__search', arguments: {}, rawArguments: '[1,2]' },
      { id: 'c3', name: 'web__search', arguments: { query: 'ok' } },
    ], ctx);
    expect(errorOf(messages[0]!.content)).toEqual({ code: 'TOOL_ARGUMENTS_UNPARSABLE', message: 'arguments of web__search must be a JSON object; got "{\\"query\\": \\"boo"' });
    expect(errorOf(messages[1]!.content).code).toBe('TOOL_ARGUMENTS_UNPARSABLE');
    expect(messages[2]).toEqual({ role: 'tool', toolCallId: 'c3', content: JSON.stringify({ hits: ['result for ok'] }) });
    expect(failures.map((f) => [f.toolCallId, f.code])).toEqual([['c1', 'TOOL_ARGUMENTS_UNPARSABLE'], ['c2', 'TOOL_ARGUMENTS_UNPARSABLE']]);
    expect(store.calls.map((c) => c.idempotencyKey)).toEqual(['run1:research:1:0:2']);
  });
});
