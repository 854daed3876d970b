import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { isStageError, type StageError } from '../../../src/contracts/execution.js';
import { ToolError } from '../../../src/contracts/tool-errors.js';
import { OpenAiCompatibleProvider } from '../../../src/providers/openai-compatible.provider.js';
import type { ModelPrice } from '../../../src/providers/pricing.js';
import { ProviderRouter } from '../../../src/providers/provider-router.js';
import { runAgentLoop, type AgentLoopInput, type ToolUse } from '../../../src/tools/agents/agent-loop.js';
import { brandKnowledgeTool } from '../../../src/tools/builtin/brand-knowledge.tool.js';
import { llmCompleteTool } from '../../../src/tools/builtin/llm-complete.tool.js';
import { ToolResilience } from '../../../src/tools/execution/resilience.js';
import { MemoryToolCallStore } from '../../../src/tools/execution/tool-call-store.js';
import { ToolExecutor } from '../../../src/tools/execution/tool-executor.js';
import { CredentialResolver } from '../../../src/tools/governance/credentials.js';
import { StaticGovernanceSource } from '../../../src/tools/governance/governance-source.js';
import type { PermissionRule } from '../../../src/tools/governance/permission-rules.js';
import { MemoryRateLimiter } from '../../../src/tools/governance/rate-limiter.js';
import { ToolRegistry } from '../../../src/tools/registry.js';
import type { AnyTool } from '../../../src/tools/tool.js';
import { openAiReplies, startFakeOpenAiServer, type FakeLlmServer, type FakeOpenAiAnswer } from '../../helpers/fake-llm-servers.js';

const RUN = 'run-fc';
const KEY = `${RUN}:research:1`;

const CONTEXT: Record<string, unknown> = {
  identity: { name: 'Acme Outdoors' },
  positioning: { statement: 'Gear that lasts', audience: 'weekend hikers in the Alps', differentiators: ['Resoled for free'] },
  objectives: ['Drive pre-orders'],
  task: { name: 'Launch post' },
};

/** A write tool of a CRM (needs an allow rule). */
function crmUpdate(calls: unknown[]): AnyTool {
  return {
    name: 'crm.update', version: '1.0.0', description: 'Adds a note to a CRM contact', sideEffect: 'write',
    input: z.object({ contactId: z.string(), note: z.string() }), output: z.object({ ok: z.boolean() }),
    execute: async (input: unknown) => { calls.push(input); return { output: { ok: true } }; },
  };
}

/** A lookup whose upstream is down (a retryable failure, tried once). */
const flakyLookup: AnyTool = {
  name: 'stock.lookup', version: '1.0.0', description: 'Stock level of a product', sideEffect: 'read', policy: { maxAttempts: 1 },
  input: z.object({ sku: z.string() }), output: z.object({ inStock: z.number() }),
  execute: async () => { throw new ToolError('inventory service answered 503', true, 'UPSTREAM_5XX'); },
};

let server: FakeLlmServer;

beforeAll(async () => {
  server = await startFakeOpenAiServer();
});
afterAll(() => server.close());
afterEach(() => {
  server.requests.length = 0;
  expect(server.pending, 'every scripted reply was used').toBe(0);
});

/** The agent loop over the real OpenAI-compatible provider talking to the fake server, tools through a governed executor. */
function setup(opts: { stream?: boolean; prices?: Record<string, ModelPrice>; permissions?: PermissionRule[] } = {}) {
  const provider = new OpenAiCompatibleProvider({
    name: 'openai', apiKey: 'sk-test', baseURL: server.baseURL, stream: opts.stream ?? false, ...(opts.prices ? { prices: opts.prices } : {}),
  });
  const router = new ProviderRouter({ providers: [provider], routes: { standard: [{ provider: 'openai', model: 'gpt-4o-mini' }] } });
  const registry = new ToolRegistry();
  const writes: unknown[] = [];
  registry.register(llmCompleteTool(router));
  registry.register(brandKnowledgeTool(async (_t, runId) => (runId === RUN ? CONTEXT : null)));
  registry.register(crmUpdate(writes));
  registry.register(flakyLookup);
  const store = new MemoryToolCallStore();
  const executor = new ToolExecutor({
    registry, store, rateLimiter: new MemoryRateLimiter(), resilience: new ToolResilience({ toolCall: () => {}, circuitState: () => {} }),
    governance: new StaticGovernanceSource({ permissions: opts.permissions ?? [], rateLimits: [], credentialRefs: [] }),
    credentials: new CredentialResolver({ envPrefix: 'VMP_SECRET_', dir: '/nonexistent', env: {} }),
  });
  const loop = (tools: ToolUse[] = [{ ref: 'brand.knowledge@^1' }], over: Partial<AgentLoopInput> = {}) => runAgentLoop(executor, {
    role: 'researcher', tenantId: 't1', projectId: 'p1', runId: RUN, stageId: 'research', keyPrefix: KEY, signal: new AbortController().signal,
    tier: 'standard', messages: [{ role: 'system', content: 'You are the researcher.' }, { role: 'user', content: 'What do we know about the audience?' }],
    brief: { role: 'researcher', task: 'Launch post' }, tools, maxSteps: 6, maxCostUsd: 0.5, ...over,
  });
  return { loop, store, writes };
}

const reply = (a: FakeOpenAiAnswer, stream: boolean) => (stream ? openAiReplies.stream(a) : openAiReplies.completion(a));
const askKnowledge = (args = '{"query":"weekend hikers"}', id = 'call_1'): FakeOpenAiAnswer => ({ toolCalls: [{ id, name: 'brand__knowledge', arguments: args }] });

async function stageError(p: Promise<unknown>): Promise<StageError> {
  const err: unknown = await p.then(() => undefined, (e: unknown) => e);
  if (!isStageError(err)) throw new Error(`expected a StageError, got ${String(err)}`);
  return err;
}

describe.each([false, true])('agent loop over the OpenAI-compatible provider (stream: %s)', (stream) => {
  it('runs the tool the model asks for (brand__knowledge) through the executor and returns the final answer', async () => {
    const { loop, store } = setup({ stream });
    server.enqueue(reply(askKnowledge(), stream), reply({ content: '- The audience: weekend hikers in the Alps.' }, stream));
    const result = await loop();
    expect(result).toMatchObject({ content: '- The audience: weekend hikers in the Alps.', provider: 'openai', model: 'gpt-4o-mini', offline: false, steps: 2, fallbacks: [] });
    expect(result.tools.sort()).toEqual(['brand.knowledge@1.0.0', 'llm.complete@1.0.0']);

    // First request: the tool offered under its OpenAI name, with its JSON Schema.
    expect(server.requests).toHaveLength(2);
    const [first, second] = server.requests;
    expect(first?.body.stream ?? false).toBe(stream);
    expect(first?.body.tools).toEqual([{ type: 'function', function: expect.objectContaining({ name: 'brand__knowledge', parameters: expect.objectContaining({ type: 'object' }) }) }]);
    expect(first?.body.tools[0].function.parameters.properties).toHaveProperty('query');

    // Second request: the assistant's tool call, then the tool's result as a tool message.
    const messages = second?.body.messages as Array<Record<string, unknown>>;
    expect(messages).toHaveLength(4);
    expect(messages[2]).toMatchObject({ role: 'assistant', tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'brand__knowledge', arguments: '{"query":"weekend hikers"}' } }] });
    expect(messages[3]).toMatchObject({ role: 'tool', tool_call_id: 'call_1' });
    const toolResult = JSON.parse(messages[3]?.content as string) as { results: Array<{ source: string; text: string }> };
    expect(toolResult.results[0]).toEqual({ source: 'audience', text: 'weekend hikers in the Alps', score: 1 });

    // Every call went through the executor with the stage's keys: model turn 0, tool call 1:0, model turn 2.
    expect(store.calls.map((c) => [c.tool, c.outcome, c.idempotencyKey, c.agent])).toEqual([
      ['llm.complete', 'ok', `${KEY}:0`, 'researcher'],
      ['brand.knowledge', 'ok', `${KEY}:1:0`, 'researcher'],
      ['llm.complete', 'ok', `${KEY}:2`, 'researcher'],
    ]);
  });

  it('fails the stage (non-retryable) when the model asks for a tool it was not offered, and records the refusal', async () => {
    const { loop, store } = setup({ stream });
    server.enqueue(reply({ toolCalls: [{ id: 'call_9', name: 'web__search', arguments: '{"q":"boots"}' }] }, stream));
    const err = await stageError(loop());
    expect(err.retryable).toBe(false);
    expect(err.message).toBe('researcher called tool web.search, which failed (TOOL_NOT_ALLOWED): tool web__search is not available to you; available: brand__knowledge');
    expect(store.calls[1]).toMatchObject({
      tool: 'web.search', outcome: 'denied', errorCode: 'TOOL_NOT_ALLOWED', idempotencyKey: `${KEY}:1:call_9`, agent: 'researcher', runId: RUN,
      audit: { decision: 'deny', replayed: false },
    });
    expect(server.requests).toHaveLength(1);
  });

  it('fails the stage when the model calls a tool the registry does not have, and records it', async () => {
    const { loop, store } = setup({ stream });
    server.enqueue(reply({ toolCalls: [{ id: 'call_9', name: 'web__search', arguments: '{"q":"boots"}' }] }, stream));
    const err = await stageError(loop([{ ref: 'brand.knowledge@^1' }, { ref: 'web.search@^1' }]));
    expect(err.retryable).toBe(false);
    expect(err.message).toMatch(/^researcher called tool web\.search, which failed \(UNKNOWN_TOOL\): unknown tool web\.search@\^1; known: /);
    // Not offered to the model (it does not exist), but its call is still recorded.
    expect(server.requests[0]?.body.tools.map((t: { function: { name: string } }) => t.function.name)).toEqual(['brand__knowledge']);
    expect(store.calls[1]).toMatchObject({ tool: 'web.search', version: '^1', outcome: 'error', errorCode: 'UNKNOWN_TOOL', idempotencyKey: `${KEY}:1:0` });
  });

  it('fails the stage with permission denied for a write tool without an allow rule; runs it with one', async () => {
    const denied = setup({ stream });
    server.enqueue(reply({ toolCalls: [{ id: 'call_2', name: 'crm__update', arguments: '{"contactId":"c1","note":"hi"}' }] }, stream));
    const err = await stageError(denied.loop([{ ref: 'crm.update@^1' }]));
    expect(err.retryable).toBe(false);
    expect(err.message).toBe('researcher called tool crm.update, which failed (TOOL_PERMISSION_DENIED): tool crm.update is not permitted: write tools need a rule that allows them (none applies)');
    expect(denied.writes).toEqual([]);
    expect(denied.store.calls[1]).toMatchObject({ tool: 'crm.update', outcome: 'denied', errorCode: 'TOOL_PERMISSION_DENIED', audit: { decision: 'deny' } });

    const allowed = setup({ stream, permissions: [{ id: 'crm-researcher', projectId: null, agent: 'researcher', tool: 'crm.update', effect: 'allow', constraints: null }] });
    server.enqueue(
      reply({ toolCalls: [{ id: 'call_2', name: 'crm__update', arguments: '{"contactId":"c1","note":"hi"}' }] }, stream),
      reply({ content: 'Noted.' }, stream),
    );
    expect((await allowed.loop([{ ref: 'crm.update@^1' }])).content).toBe('Noted.');
    expect(allowed.writes).toEqual([{ contactId: 'c1', note: 'hi' }]);
    expect(allowed.store.calls[1]).toMatchObject({ tool: 'crm.update', outcome: 'ok', audit: { decision: 'allow', ruleId: 'crm-researcher' } });
  });

  it('fails the stage naming the argument that breaks the tool\'s schema', async () => {
    const { loop, store } = setup({ stream });
    server.enqueue(reply(askKnowledge('{"query":42}'), stream));
    const err = await stageError(loop());
    expect(err.retryable).toBe(false);
    expect(err.message).toMatch(/^researcher called tool brand\.knowledge, which failed \(TOOL_INPUT_INVALID\): input of brand\.knowledge@1\.0\.0 is invalid: query: /);
    expect(store.calls[1]).toMatchObject({ tool: 'brand.knowledge', outcome: 'error', errorCode: 'TOOL_INPUT_INVALID' });
  });

  it('fails the stage on arguments that are not JSON, and records the refusal', async () => {
    const { loop, store } = setup({ stream });
    server.enqueue(reply(askKnowledge('{"query": aud'), stream));
    const err = await stageError(loop());
    expect(err.retryable).toBe(false);
    expect(err.message).toMatch(/^researcher called tool brand\.knowledge, which failed \(TOOL_ARGUMENTS_UNPARSABLE\): arguments of brand__knowledge must be a JSON object/);
    expect(store.calls[1]).toMatchObject({ tool: 'brand.knowledge', outcome: 'error', errorCode: 'TOOL_ARGUMENTS_UNPARSABLE' });
  });

  it('fails the stage as retryable when a tool keeps failing with a retryable error', async () => {
    const { loop, store } = setup({ stream });
    server.enqueue(reply({ toolCalls: [{ id: 'call_5', name: 'stock__lookup', arguments: '{"sku":"boot-1"}' }] }, stream));
    const err = await stageError(loop([{ ref: 'stock.lookup@^1' }]));
    expect(err.retryable).toBe(true);
    expect(err.message).toBe('researcher called tool stock.lookup, which failed (UPSTREAM_5XX): inventory service answered 503');
    expect(store.calls[1]).toMatchObject({ tool: 'stock.lookup', outcome: 'error', errorCode: 'UPSTREAM_5XX', idempotencyKey: `${KEY}:1:0` });
  });

  it('fails the stage when the model keeps calling tools past maxSteps', async () => {
    const { loop, store } = setup({ stream });
    server.enqueue(reply(askKnowledge('{"query":"a"}', 'c1'), stream), reply(askKnowledge('{"query":"b"}', 'c2'), stream), reply(askKnowledge('{"query":"c"}', 'c3'), stream));
    const err = await stageError(loop(undefined, { maxSteps: 3 }));
    expect(err.retryable).toBe(false);
    expect(err.message).toBe('researcher did not finish within 3 model turns');
    expect(server.requests).toHaveLength(3);
    expect(store.calls.filter((c) => c.tool === 'brand.knowledge').map((c) => c.idempotencyKey)).toEqual([`${KEY}:1:0`, `${KEY}:3:0`, `${KEY}:5:0`]);
  });

  it('fails the stage when the model calls cost more than maxCostUsd (summed over turns)', async () => {
    // 10 prompt tokens at $30,000 per 1M: $0.30 a turn. The second turn brings the stage to $0.60 > $0.50.
    const { loop, store } = setup({ stream, prices: { 'gpt-4o-mini': { inputPerMTok: 30_000, outputPerMTok: 0 } } });
    server.enqueue(reply(askKnowledge(), stream), reply({ content: 'done' }, stream));
    const err = await stageError(loop());
    expect(err.retryable).toBe(false);
    expect(err.message).toBe('researcher spent $0.6000, over the stage\'s limit of $0.5');
    expect(store.calls.filter((c) => c.tool === 'llm.complete').map((c) => c.costUsd)).toEqual([0.3, 0.3]);
  });
});
