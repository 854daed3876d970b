import { describe, expect, it } from 'vitest';
import type { JsonValue } from '../../../src/domain/canonical-json.js';
import type { StageHandlerInput } from '../../../src/contracts/execution.js';
import type { RunFacts } from '../../../src/persistence/runs/run-facts.js';
import { OfflineProvider } from '../../../src/providers/offline.provider.js';
import { ProviderRouter } from '../../../src/providers/provider-router.js';
import type { CompletionRequest, CompletionResponse, LlmProvider } from '../../../src/providers/provider.js';
import type { AgentOutput } from '../../../src/tools/agents/agent.handlers.js';
import { llmCompleteTool } from '../../../src/tools/builtin/llm-complete.tool.js';
import { ToolResilience } from '../../../src/tools/execution/resilience.js';
import { MemoryToolCallStore } from '../../../src/tools/execution/tool-call-store.js';
import { ToolExecutor } from '../../../src/tools/execution/tool-executor.js';
import { reviewHandler, type GateReport } from '../../../src/tools/gates/review.handler.js';
import { CredentialResolver } from '../../../src/tools/governance/credentials.js';
import { StaticGovernanceSource } from '../../../src/tools/governance/governance-source.js';
import { MemoryRateLimiter } from '../../../src/tools/governance/rate-limiter.js';
import { ToolRegistry } from '../../../src/tools/registry.js';

const RUN = 'run-1';

function facts(runId: string): RunFacts {
  return {
    runId, tenantId: 't1', projectId: 'p1', refs: { brandId: 'b1', campaignId: 'c1', taskId: 'task1' },
    template: { id: 'social_post', version: 1 }, tier: 'standard', mode: 'supervised', contextSnapshotId: 'snap1', contextHash: 'hash1',
    feedback: [], lastReview: null,
  };
}

function context(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    identity: { name: 'Acme Outdoors' },
    voice: { tone: 'warm', preferredTerms: ['trail-ready'] },
    rules: { bannedTerms: ['cheap'], requiredDisclaimers: ['Prices valid while stocks last.'] },
    objectives: ['Drive pre-orders'],
    task: { name: 'Launch post' },
    deliverableType: 'social_post',
    specs: { lengthWords: { min: 10, max: 60 }, callToAction: 'Shop now' },
    ...over,
  };
}

const COMPLIANT = 'Acme Outdoors makes trail-ready boots for weekend hikers. They last for years on rocky paths. Shop now and walk further. Prices valid while stocks last.\n[offline draft]';

function draft(content: string, channel: string | null = 'instagram', deliverable = true): JsonValue {
  const out: AgentOutput = {
    role: 'editor', channel, content, deliverable, provider: 'offline', model: 'offline', offline: true,
    tools: ['llm.complete@1.0.0'], fallbacks: [], costUsd: 0, steps: 1, round: 0,
  };
  return { ...out };
}

/** A review attempt; its key is the attempt key `runId:stageRunId:attempt` as the engine makes it. */
function input(upstream: Record<string, JsonValue>, over: Partial<StageHandlerInput> = {}): StageHandlerInput {
  const stageRunId = over.stageRunId ?? 'sr-review';
  const attempt = over.attempt ?? 1;
  return {
    key: `${RUN}:${stageRunId}:${attempt}`, tenantId: 't1', runId: RUN, stageId: '$review', stageRunId, round: 0, attempt, kind: 'review.gates',
    params: { minScore: 0.6 }, context: context(), contextHash: 'hash1', upstream, signal: new AbortController().signal, ...over,
  };
}

/** A judge model: answers every request with `answer` (a function of the request), and records what it was asked. */
class ScriptedJudge implements LlmProvider {
  readonly name = 'judge';
  readonly offline = false;
  readonly requests: CompletionRequest[] = [];
  constructor(private readonly answer: (req: CompletionRequest) => string, private readonly costUsd = 0.002) {}

  async complete(request: CompletionRequest): Promise<CompletionResponse> {
    this.requests.push(request);
    return {
      provider: this.name, model: request.model, content: this.answer(request), toolCalls: [], finishReason: 'stop',
      usage: { inputTokens: 100, outputTokens: 20 }, costUsd: this.costUsd, offline: false,
    };
  }
}

function setup(provider: LlmProvider) {
  const route = [{ provider: provider.name, model: provider.offline ? 'offline' : 'judge-1' }];
  const router = new ProviderRouter({ providers: [provider], routes: { economy: route } }); // the judge runs on the economy tier
  const registry = new ToolRegistry();
  registry.register(llmCompleteTool(router));
  const store = new MemoryToolCallStore();
  const executor = new ToolExecutor({
    registry, store, rateLimiter: new MemoryRateLimiter(), resilience: new ToolResilience({ toolCall: () => {}, circuitState: () => {} }),
    governance: new StaticGovernanceSource({ permissions: [], rateLimits: [], credentialRefs: [] }),
    credentials: new CredentialResolver({ envPrefix: 'VMP_SECRET_', dir: '/nonexistent', env: {} }),
  });
  const handler = reviewHandler({ executor, facts: async (runId) => facts(runId) });
  return { handler, store };
}

const report = (output: JsonValue) => output as unknown as GateReport;

describe('review.gates with the offline model (heuristic scorer)', () => {
  it('passes a compliant deliverable', async () => {
    const { handler, store } = setup(new OfflineProvider());
    const result = await handler.run(input({ 'edit-instagram': draft(COMPLIANT) }));
    const r = report(result.output);
    expect(r).toMatchObject({ passed: true, threshold: 0.6, round: 0 });
    expect(r.drafts).toHaveLength(1);
    expect(r.drafts[0]).toMatchObject({ stageId: 'edit-instagram', channel: 'instagram', passed: true, score: 1, scorer: 'heuristic', issues: [] });
    expect(result.summary).toEqual({ gate: { passed: true, score: 1 } });
    expect(result.costUsd).toBe(0);
    // The judge went through llm.complete (governed and recorded), keyed per attempt and draft.
    expect(store.calls.map((c) => [c.tool, c.outcome, c.agent, c.idempotencyKey])).toEqual([
      ['llm.complete', 'ok', 'judge', `${RUN}:sr-review:1:judge:edit-instagram`],
    ]);
  });

  it('fails a deliverable with a banned term and names it in the notes', async () => {
    const { handler } = setup(new OfflineProvider());
    const bad = COMPLIANT.replace('trail-ready boots', 'cheap boots');
    const result = await handler.run(input({ 'edit-instagram': draft(COMPLIANT), 'edit-x': draft(bad, 'x') }));
    const r = report(result.output);
    expect(r.passed).toBe(false);
    expect(r.drafts.map((d) => [d.stageId, d.passed])).toEqual([['edit-instagram', true], ['edit-x', false]]);
    expect(r.drafts[1]?.issues).toContainEqual({ check: 'banned_term', severity: 'error', message: 'uses the banned term "cheap"' });
    expect(result.summary?.gate?.passed).toBe(false);
    expect(result.summary?.gate?.notes).toBe('x uses the banned term "cheap"');
  });

  it('fails a draft scoring below the template\'s minScore', async () => {
    const { handler } = setup(new OfflineProvider());
    // Compliant, but no brand, no call to action, no preferred term: 1 - 0.15 - 0.15 - 0.1 = 0.6 < 0.65.
    const plain = 'Our boots last for years on rocky paths and muddy tracks alike. Prices valid while stocks last.';
    const result = await handler.run(input({ 'edit-ads': draft(plain, 'ads') }, { params: { minScore: 0.65 } }));
    const r = report(result.output);
    expect(r).toMatchObject({ passed: false, threshold: 0.65 });
    expect(r.drafts[0]?.score).toBeCloseTo(0.6, 10);
    expect(result.summary?.gate?.notes).toMatch(/^ads scores 0\.60, below the threshold 0\.65 \(heuristic: missed names the brand, has the call to action, uses preferred terms\)$/);
    expect(result.summary?.gate?.score).toBeCloseTo(0.6, 10);
  });

  it('raises the threshold to the brand policy\'s rules.minQualityScore when it is higher than the template\'s', async () => {
    const { handler } = setup(new OfflineProvider());
    const plain = 'Our boots last for years on rocky paths and muddy tracks alike. Prices valid while stocks last.';
    const ctx = context({ rules: { bannedTerms: ['cheap'], requiredDisclaimers: ['Prices valid while stocks last.'], minQualityScore: 0.7 } });
    const result = await handler.run(input({ 'edit-ads': draft(plain, 'ads') }, { params: { minScore: 0.5 }, context: ctx }));
    expect(report(result.output)).toMatchObject({ passed: false, threshold: 0.7 });
    expect(result.summary?.gate?.notes).toMatch(/below the threshold 0\.70/);
  });

  it('reports task criteria with a minimum as not scored (a warning, the gate still passes)', async () => {
    const { handler } = setup(new OfflineProvider());
    const ctx = context({ qualityCriteria: [{ id: 'clarity', description: 'Easy to read', minScore: 0.7 }, { id: 'fresh', description: 'Not a cliché' }] });
    const r = report((await handler.run(input({ 'edit-instagram': draft(COMPLIANT) }, { context: ctx }))).output);
    expect(r.passed).toBe(true);
    expect(r.drafts[0]?.issues).toEqual([{ check: 'score', severity: 'warning', message: 'criterion clarity was not scored (offline heuristic scorer)' }]);
  });

  it('uses the template\'s claims list', async () => {
    const { handler } = setup(new OfflineProvider());
    const claim = COMPLIANT.replace('They last', 'Award winning, they last');
    const passes = report((await handler.run(input({ 'edit-instagram': draft(claim) }))).output);
    expect(passes.passed).toBe(true);
    const fails = report((await handler.run(input({ 'edit-instagram': draft(claim) }, { params: { claims: ['award winning'] }, attempt: 2 }))).output);
    expect(fails.drafts[0]?.issues.map((i) => i.message)).toEqual(['makes the unsubstantiated claim "award winning"']);
  });
});

describe('review.gates with a judge model', () => {
  const criteria = [
    { id: 'clarity', description: 'Easy to read', minScore: 0.7 },
    { id: 'tone', description: 'Warm', minScore: 0.5 },
    { id: 'fresh', description: 'Not a cliché' },
  ];

  it('uses the judge\'s scores: a criterion under its minimum fails, a missing one is a warning', async () => {
    const judge = new ScriptedJudge(() => `Verdict: {"score": 0.9, "criteria": {"clarity": 0.5, "fresh": 0.2}, "rationale": "Warm but dense."}`);
    const { handler } = setup(judge);
    const result = await handler.run(input({ 'edit-instagram': draft(COMPLIANT) }, { context: context({ qualityCriteria: criteria }) }));
    const r = report(result.output);
    expect(r.passed).toBe(false);
    expect(r.drafts[0]).toMatchObject({ score: 0.9, scorer: 'judge', rationale: 'Warm but dense.', criteria: { clarity: 0.5, fresh: 0.2 } });
    expect(r.drafts[0]?.issues).toEqual([
      { check: 'score', severity: 'error', message: 'scores 0.50 on criterion clarity, below its minimum 0.70' },
      { check: 'score', severity: 'warning', message: 'criterion tone was not scored (the judge gave no score for it)' },
    ]);
    expect(result.summary?.gate).toEqual({ passed: false, score: 0.9, notes: 'instagram scores 0.50 on criterion clarity, below its minimum 0.70' });
    expect(result.costUsd).toBeCloseTo(0.002, 10);
    // The judge got the rubric by criterion id and the draft without the offline marker, on the economy tier.
    expect(judge.requests).toHaveLength(1);
    const prompt = judge.requests[0]?.messages.map((m) => m.content).join('\n') ?? '';
    expect(prompt).toContain('- clarity: Easy to read');
    expect(prompt).toContain('- fresh: Not a cliché');
    expect(prompt).toContain('Shop now and walk further.');
    expect(prompt).not.toContain('[offline draft]');
    expect(judge.requests[0]?.model).toBe('judge-1');
  });

  it('passes when the judge scores every criterion at its minimum or above', async () => {
    const { handler } = setup(new ScriptedJudge(() => '{"score": 0.8, "criteria": {"clarity": 0.7, "tone": 0.9}, "rationale": "Good."}'));
    const result = await handler.run(input({ 'edit-instagram': draft(COMPLIANT) }, { context: context({ qualityCriteria: criteria }) }));
    expect(report(result.output).drafts[0]).toMatchObject({ passed: true, issues: [] });
    expect(result.summary?.gate).toEqual({ passed: true, score: 0.8 });
  });

  it('fails a draft the judge scores below the threshold, with the judge\'s rationale', async () => {
    const { handler } = setup(new ScriptedJudge(() => '{"score": 0.3, "rationale": "Off brief."}'));
    const result = await handler.run(input({ 'edit-instagram': draft(COMPLIANT) }));
    expect(result.summary?.gate).toEqual({ passed: false, score: 0.3, notes: 'instagram scores 0.30, below the threshold 0.60 (Off brief.)' });
  });

  it('falls back to the heuristic scorer when the judge gives no readable score', async () => {
    const { handler } = setup(new ScriptedJudge(() => 'Looks great to me!'));
    const r = report((await handler.run(input({ 'edit-instagram': draft(COMPLIANT) }))).output);
    expect(r.drafts[0]).toMatchObject({ passed: true, scorer: 'heuristic', score: 1, rationale: 'the judge answered without a score; heuristic used' });
  });

  it('judges every deliverable and sums the cost; the gate score is the lowest', async () => {
    const judge = new ScriptedJudge((req) => (req.messages.some((m) => m.content.includes('(x)')) ? '{"score": 0.7}' : '{"score": 0.95}'), 0.001);
    const { handler } = setup(judge);
    const result = await handler.run(input({ 'edit-instagram': draft(COMPLIANT), 'edit-x': draft(COMPLIANT, 'x') }));
    expect(report(result.output).drafts.map((d) => [d.channel, d.score])).toEqual([['instagram', 0.95], ['x', 0.7]]);
    expect(result.summary?.gate).toEqual({ passed: true, score: 0.7 });
    expect(result.costUsd).toBeCloseTo(0.002, 10);
  });
});

describe('review.gates without deliverables', () => {
  it('fails the gate with a clear note', async () => {
    const judge = new ScriptedJudge(() => '{"score": 1}');
    const { handler } = setup(judge);
    // Upstream agent work that is not a final deliverable, and outputs that are not agent outputs.
    const result = await handler.run(input({ 'copy-instagram': draft(COMPLIANT, 'instagram', false), other: { text: 'hello' }, nothing: null }));
    expect(report(result.output)).toEqual({ passed: false, threshold: 0.6, round: 0, drafts: [] });
    expect(result.summary?.gate).toEqual({ passed: false, score: 0, notes: 'no deliverable to review: the template has no stage with params.deliverable' });
    expect(judge.requests).toHaveLength(0);
  });
});
