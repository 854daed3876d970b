import { describe, expect, it } from 'vitest';
import { isStageError, type StageHandlerInput } from '../../../src/contracts/execution.js';
import type { JsonValue } from '../../../src/domain/canonical-json.js';
import type { RunFacts } from '../../../src/persistence/runs/run-facts.js';
import { OfflineProvider } from '../../../src/providers/offline.provider.js';
import { ProviderRouter } from '../../../src/providers/provider-router.js';
import type { CompletionRequest, CompletionResponse, LlmProvider } from '../../../src/providers/provider.js';
import { agentHandler, agentHandlers, isAgentOutput, type AgentOutput } from '../../../src/tools/agents/agent.handlers.js';
import { brandBrief } from '../../../src/tools/agents/brand-brief.js';
import { brandKnowledgeTool } from '../../../src/tools/builtin/brand-knowledge.tool.js';
import { llmCompleteTool } from '../../../src/tools/builtin/llm-complete.tool.js';
import { ToolResilience } from '../../../src/tools/execution/resilience.js';
import { MemoryToolCallStore } from '../../../src/tools/execution/tool-call-store.js';
import { ToolExecutor } from '../../../src/tools/execution/tool-executor.js';
import { checkCompliance } from '../../../src/tools/gates/brand-compliance.gate.js';
import { CredentialResolver } from '../../../src/tools/governance/credentials.js';
import { StaticGovernanceSource } from '../../../src/tools/governance/governance-source.js';
import { MemoryRateLimiter } from '../../../src/tools/governance/rate-limiter.js';
import { ToolRegistry } from '../../../src/tools/registry.js';

const RUN = 'run-1';

const CONTEXT: Record<string, unknown> = {
  identity: { name: 'Acme Outdoors' },
  voice: { tone: 'warm and practical', preferredTerms: ['trail-ready'], avoidTerms: ['synergy'] },
  positioning: { statement: 'Gear that lasts a lifetime of weekend hikes', audience: 'weekend hikers in the Alps', differentiators: ['Resoled for free'] },
  rules: { bannedTerms: ['cheap', 'budget'], requiredDisclaimers: ['Prices valid while stocks last.'] },
  campaign: { name: 'Spring trails' },
  objectives: ['Drive pre-orders of the spring boots'],
  channels: ['instagram'],
  task: { name: 'Launch post' },
  deliverableType: 'social_post',
  specs: { lengthWords: { max: 80 }, callToAction: 'Pre-order today' },
};

/** The facts of the run as the handlers read them (plain data, no database). */
function runFacts(over: Partial<RunFacts> = {}): RunFacts {
  return {
    runId: RUN, tenantId: 't1', projectId: 'p1', refs: { brandId: 'b1', campaignId: 'c1', taskId: 'task1' },
    template: { id: 'social_post', version: 1 }, tier: 'standard', mode: 'supervised', contextSnapshotId: 'snap1', contextHash: 'hash1',
    feedback: [], lastReview: null, ...over,
  };
}

/** The offline provider, counting the completions it actually ran. */
class CountingOffline implements LlmProvider {
  readonly name = 'offline';
  readonly offline = true;
  readonly requests: CompletionRequest[] = [];
  private readonly inner = new OfflineProvider();
  complete(request: CompletionRequest): Promise<CompletionResponse> {
    this.requests.push(request);
    return this.inner.complete(request);
  }
}

function setup(facts: RunFacts | null = runFacts()) {
  const provider = new CountingOffline();
  // One model name per tier, so a completion tells which tier it ran on.
  const route = (tier: string) => [{ provider: 'offline', model: tier === 'standard' ? 'offline' : `offline-${tier}` }];
  const router = new ProviderRouter({ providers: [provider], routes: { economy: route('economy'), standard: route('standard'), premium: route('premium') } });
  const registry = new ToolRegistry();
  registry.register(llmCompleteTool(router));
  const contexts: string[] = [];
  registry.register(brandKnowledgeTool(async (_tenantId, runId) => { contexts.push(runId); return runId === RUN ? CONTEXT : null; }));
  const store = new MemoryToolCallStore();
  const executor = new ToolExecutor({
    registry, store, rateLimiter: new MemoryRateLimiter(), resilience: new ToolResilience({ toolCall: () => {}, circuitState: () => {} }),
    governance: new StaticGovernanceSource({ permissions: [], rateLimits: [], credentialRefs: [] }),
    credentials: new CredentialResolver({ envPrefix: 'VMP_SECRET_', dir: '/nonexistent', env: {} }),
  });
  const deps = { executor, facts: async (runId: string) => (facts && runId === facts.runId ? facts : null) };
  return { deps, store, provider, contexts };
}

/** An attempt of a stage; its key is the attempt key `runId:stageRunId:attempt` as the engine makes it (one StageRun per stage and round). */
function input(stageId: string, params: Record<string, unknown>, over: Partial<StageHandlerInput> = {}): StageHandlerInput {
  const round = over.round ?? 0;
  const stageRunId = over.stageRunId ?? `sr-${stageId}-r${round}`;
  const attempt = over.attempt ?? 1;
  return {
    key: `${RUN}:${stageRunId}:${attempt}`, tenantId: 't1', runId: RUN, stageId, stageRunId, round, attempt, kind: 'agent',
    params, context: CONTEXT, contextHash: 'hash1', upstream: {}, signal: new AbortController().signal, ...over,
  };
}

/** The idempotency key prefix of an attempt (round 0 unless said). */
const attemptKey = (stageId: string, attempt = 1, round = 0) => `${RUN}:sr-${stageId}-r${round}:${attempt}`;

const COPY_PARAMS = { role: 'copywriter', channel: 'instagram', deliverable: true };
const asOutput = (o: JsonValue) => o as unknown as AgentOutput;

describe('agent handlers with the offline model', () => {
  it('registers one handler per role but the judge', () => {
    const { deps } = setup();
    expect(agentHandlers(deps).map((h) => h.kind)).toEqual(['agent.strategist', 'agent.researcher', 'agent.audience', 'agent.copywriter', 'agent.editor']);
  });

  it('copywriter: writes an offline deliverable for the channel with the required phrases and no banned terms', async () => {
    const { deps, store } = setup();
    const result = await agentHandler('copywriter', deps).run(input('copy-instagram', COPY_PARAMS));
    const out = asOutput(result.output);
    expect(isAgentOutput(out)).toBe(true);
    expect(out).toMatchObject({
      role: 'copywriter', channel: 'instagram', deliverable: true, provider: 'offline', model: 'offline', offline: true,
      fallbacks: [], costUsd: 0, steps: 1, round: 0,
    });
    expect(out.tools).toContain('llm.complete@1.0.0');
    expect(result.costUsd).toBe(0);
    expect(out.content).toContain('Prices valid while stocks last.');
    expect(out.content).toContain('Pre-order today');
    expect(out.content).toContain('[offline draft]');
    expect(out.content).not.toMatch(/\bcheap\b|\bbudget\b/i);
    // Compliant by the gate's own reading: no error issue at all.
    expect(checkCompliance(out.content, brandBrief(CONTEXT), 'instagram').filter((i) => i.severity === 'error')).toEqual([]);
    // One model turn, through llm.complete, recorded with the stage's key and the run's project and role.
    expect(store.calls.map((c) => [c.tool, c.outcome, c.idempotencyKey, c.agent, c.projectId, c.runId, c.stageId])).toEqual([
      ['llm.complete', 'ok', `${attemptKey('copy-instagram')}:0`, 'copywriter', 'p1', RUN, 'copy-instagram'],
    ]);
  });

  it('gives the model the brand voice, rules and channel limits (and the offline brief the structured facts)', async () => {
    const { deps, provider } = setup();
    await agentHandler('copywriter', deps).run(input('copy-x', { ...COPY_PARAMS, channel: 'x', hashtags: ['#SpringTrails'] }));
    const req = provider.requests[0];
    const system = req?.messages[0]?.content ?? '';
    const user = req?.messages[1]?.content ?? '';
    expect(system).toContain('You are the copywriter.');
    expect(system).toContain('Never use these banned terms: cheap, budget.');
    expect(system).toContain('Every deliverable must include, verbatim: "Prices valid while stocks last."');
    expect(user).toContain('Task: Launch post (social_post for x).');
    expect(user).toContain('Channel limits: at most 280 characters, at most 3 hashtags, at most 80 words.');
    expect(user).toContain('Use these hashtags: #SpringTrails.');
    expect(req?.brief).toMatchObject({
      role: 'copywriter', channel: 'x', brand: 'Acme Outdoors', maxWords: 80,
      mustInclude: ['Prices valid while stocks last.', 'Pre-order today', 'trail-ready', '#SpringTrails'], avoid: ['cheap', 'budget', 'synergy'],
    });
  });

  it('a rework round with reviewer feedback gives a different draft that addresses it', async () => {
    const first = setup();
    const round0 = asOutput((await agentHandler('copywriter', first.deps).run(input('copy-instagram', COPY_PARAMS))).output);
    const review = { passed: false, drafts: [{ channel: 'instagram', issues: [{ severity: 'error', message: 'misses the hashtag' }, { severity: 'warning', message: 'ignored' }] }] };
    const second = setup(runFacts({ feedback: [{ round: 1, feedback: 'Shorter, more energy', stages: null }], lastReview: review }));
    const round1 = asOutput((await agentHandler('copywriter', second.deps).run(input('copy-instagram', COPY_PARAMS, { round: 1 }))).output);
    expect(round1.round).toBe(1);
    expect(round1.content).not.toBe(round0.content);
    expect(round1.content).toContain('Reworked');
    expect(round1.content).toContain('Prices valid while stocks last.');
    const user = second.provider.requests[0]?.messages[1]?.content ?? '';
    expect(user).toContain('This is rework round 1. Address this feedback:\n- Reviewer: Shorter, more energy\n- Quality gate: the draft misses the hashtag');
    expect(user).not.toContain('ignored');
    expect(second.provider.requests[0]?.brief?.feedback).toEqual(['Reviewer: Shorter, more energy', 'Quality gate: the draft misses the hashtag']);
  });

  it('round 0 ignores feedback (a fresh draft), and the same round twice writes the same draft', async () => {
    const withFeedback = setup(runFacts({ feedback: [{ round: 1, feedback: 'Shorter', stages: null }] }));
    const a = asOutput((await agentHandler('copywriter', withFeedback.deps).run(input('copy-instagram', COPY_PARAMS))).output);
    const b = asOutput((await agentHandler('copywriter', setup().deps).run(input('copy-instagram', COPY_PARAMS))).output);
    expect(a.content).toBe(b.content);
  });

  it('researcher: retrieves brand knowledge first, through the executor, and uses it', async () => {
    const { deps, store, provider, contexts } = setup();
    const result = await agentHandler('researcher', deps).run(input('research', { role: 'researcher', tools: ['brand.knowledge@^1'] }));
    const out = asOutput(result.output);
    expect(out).toMatchObject({ role: 'researcher', channel: null, deliverable: false, offline: true });
    const retrieval = store.calls.find((c) => c.tool === 'brand.knowledge');
    expect(retrieval).toMatchObject({ version: '1.0.0', outcome: 'ok', idempotencyKey: `${attemptKey('research')}:retrieve`, agent: 'researcher', runId: RUN, stageId: 'research' });
    expect((retrieval?.output as { results: unknown[] }).results.length).toBeGreaterThan(0);
    expect(contexts).toEqual([RUN]);
    expect(store.calls.map((c) => c.idempotencyKey)).toEqual([`${attemptKey('research')}:retrieve`, `${attemptKey('research')}:0`]);
    // The retrieved passages reach the model: in the prompt and in the offline brief.
    const user = provider.requests[0]?.messages[1]?.content ?? '';
    expect(user).toContain('Retrieved knowledge:');
    expect(user).toContain('differentiator: Resoled for free');
    expect(provider.requests[0]?.brief?.retrieved).toContain('differentiator: Resoled for free');
    // The model was offered the stage's tool (as an OpenAI function name).
    expect(provider.requests[0]?.tools?.map((t) => t.name)).toEqual(['brand__knowledge']);
  });

  it('editor: reads the upstream draft, keeps the required phrases', async () => {
    const { deps, provider } = setup();
    const copy = asOutput((await agentHandler('copywriter', deps).run(input('copy-instagram', COPY_PARAMS))).output);
    const edited = asOutput((await agentHandler('editor', deps).run(input('edit-instagram', { role: 'editor', channel: 'instagram', deliverable: true }, {
      upstream: { 'copy-instagram': { ...copy } },
    }))).output);
    expect(edited).toMatchObject({ role: 'editor', deliverable: true });
    expect(edited.content).toContain('Prices valid while stocks last.');
    expect(provider.requests[1]?.messages[1]?.content).toContain(`Work so far:\n[copy-instagram] ${copy.content}`);
    expect(provider.requests[1]?.brief?.upstream).toEqual([copy.content]);
  });

  it('the same attempt again replays the recorded calls: the model does not run a second time', async () => {
    const { deps, store, provider } = setup();
    const handler = agentHandler('researcher', deps);
    const stage = input('research', { role: 'researcher' });
    const first = await handler.run(stage);
    expect(provider.requests).toHaveLength(1);
    const again = await handler.run({ ...stage, signal: new AbortController().signal });
    expect(again.output).toEqual(first.output);
    expect(provider.requests).toHaveLength(1);
    const k = attemptKey('research');
    expect(store.calls.map((c) => [c.tool, c.idempotencyKey, c.outcome, c.audit.replayed])).toEqual([
      ['brand.knowledge', `${k}:retrieve`, 'ok', false],
      ['llm.complete', `${k}:0`, 'ok', false],
      ['brand.knowledge', `${k}:retrieve`, 'replayed', true],
      ['llm.complete', `${k}:0`, 'replayed', true],
    ]);
    expect(store.calls.filter((c) => c.tool === 'llm.complete' && c.outcome === 'ok')).toHaveLength(1);
  });

  it('a new attempt, or the stage in a rework round, has new keys: the model runs again', async () => {
    const { deps, store, provider } = setup();
    const handler = agentHandler('researcher', deps);
    await handler.run(input('research', { role: 'researcher' }));
    await handler.run(input('research', { role: 'researcher' }, { attempt: 2 }));
    await handler.run(input('research', { role: 'researcher' }, { round: 1 }));
    expect(provider.requests).toHaveLength(3);
    expect(store.calls.filter((c) => c.tool === 'llm.complete').map((c) => [c.idempotencyKey, c.outcome])).toEqual([
      [`${attemptKey('research', 1)}:0`, 'ok'], [`${attemptKey('research', 2)}:0`, 'ok'], [`${attemptKey('research', 1, 1)}:0`, 'ok'],
    ]);
  });

  it('honours the tier param, else the run\'s tier', async () => {
    const { deps } = setup(runFacts({ tier: 'premium' }));
    const model = async (stageId: string, params: Record<string, unknown>) => asOutput((await agentHandler('strategist', deps).run(input(stageId, { role: 'strategist', ...params }))).output).model;
    expect(await model('strategy', {})).toBe('offline-premium');
    expect(await model('strategy2', { tier: 'economy' })).toBe('offline-economy');
    expect(await model('strategy3', { tier: 'galactic' })).toBe('offline-premium');
  });

  it('fails non-retryably when the run is unknown', async () => {
    const { deps } = setup(null);
    const err = await agentHandler('copywriter', deps).run(input('copy-instagram', COPY_PARAMS)).catch((e: unknown) => e);
    expect(isStageError(err)).toBe(true);
    expect(err).toMatchObject({ retryable: false, message: `run ${RUN} was not found` });
  });
});
