import { describe, expect, it } from 'vitest';
import type { StageHandlerInput } from '../../../src/contracts/execution.js';
import type { JsonValue } from '../../../src/domain/canonical-json.js';
import type { RunFacts } from '../../../src/persistence/runs/run-facts.js';
import { OfflineProvider } from '../../../src/providers/offline.provider.js';
import { ProviderRouter } from '../../../src/providers/provider-router.js';
import type { CompletionRequest, CompletionResponse, LlmProvider } from '../../../src/providers/provider.js';
import type { Retriever } from '../../../src/rag/retrieval/retriever.js';
import type { SearchRequest, SearchResponse } from '../../../src/rag/retrieval/retrieval-types.js';
import { agentHandler, type AgentOutput } from '../../../src/tools/agents/agent.handlers.js';
import { brandKnowledgeTool } from '../../../src/tools/builtin/brand-knowledge.tool.js';
import { llmCompleteTool } from '../../../src/tools/builtin/llm-complete.tool.js';
import { ragRetrieveTool } from '../../../src/tools/builtin/rag-retrieve.tool.js';
import { ToolResilience } from '../../../src/tools/execution/resilience.js';
import { MemoryToolCallStore } from '../../../src/tools/execution/tool-call-store.js';
import { ToolExecutor } from '../../../src/tools/execution/tool-executor.js';
import { CredentialResolver } from '../../../src/tools/governance/credentials.js';
import { StaticGovernanceSource } from '../../../src/tools/governance/governance-source.js';
import { MemoryRateLimiter } from '../../../src/tools/governance/rate-limiter.js';
import { ToolRegistry } from '../../../src/tools/registry.js';

const RUN = 'run-1';
const TENANT = '00000000-0000-4000-8000-000000000001';
const BRAND = '00000000-0000-4000-8000-0000000000b1';
const CAMPAIGN = '00000000-0000-4000-8000-0000000000c1';
const CONTEXT: Record<string, unknown> = {
  identity: { name: 'Acme Outdoors' }, voice: { tone: 'warm and practical' },
  positioning: { statement: 'Gear that lasts', audience: 'weekend hikers' },
  rules: { bannedTerms: ['cheap'], requiredDisclaimers: ['Prices valid while stocks last.'] },
  campaign: { name: 'Spring trails' }, objectives: ['Drive pre-orders of the spring boots'], channels: ['instagram'],
  task: { name: 'Launch post' }, deliverableType: 'social_post', specs: { lengthWords: { max: 80 } },
};
const facts: RunFacts = {
  runId: RUN, tenantId: TENANT, projectId: 'p1', refs: { brandId: BRAND, campaignId: CAMPAIGN, taskId: 'task1' },
  template: { id: 'social_post', version: 1 }, tier: 'standard', mode: 'supervised', contextSnapshotId: 's', contextHash: 'h', feedback: [], lastReview: null,
};

class RecordingOffline implements LlmProvider {
  readonly name = 'offline';
  readonly offline = true;
  readonly requests: CompletionRequest[] = [];
  private readonly inner = new OfflineProvider();
  complete(request: CompletionRequest): Promise<CompletionResponse> {
    this.requests.push(request);
    return this.inner.complete(request);
  }
}

function result(chunkId: string, text: string, score: number): SearchResponse['results'][number] {
  return {
    chunkId, text, heading: null, score,
    breakdown: { vector: 0.5, lexical: 0.3, boosts: { campaign: 0.12, taskType: 0, similarCampaign: 0 }, fused: 0.5, rerank: 0.6, llm: null },
    provenance: {
      source: 'artifact', sourceKey: `artifact:${chunkId}:v2`, sourceVersion: 2, runId: '00000000-0000-4000-8000-0000000000aa', campaignId: CAMPAIGN,
      taskType: 'social_post', stage: 'copy', qualityScore: 0.9, negative: false, createdAt: '2026-01-01T00:00:00.000Z',
    },
  };
}

function setup(knowledge: boolean) {
  const provider = new RecordingOffline();
  const route = [{ provider: 'offline', model: 'offline' }];
  const router = new ProviderRouter({ providers: [provider], routes: { economy: route, standard: route, premium: route } });
  const registry = new ToolRegistry();
  registry.register(llmCompleteTool(router));
  registry.register(brandKnowledgeTool(async () => CONTEXT));
  const searches: SearchRequest[] = [];
  const retriever = {
    search: async (req: SearchRequest): Promise<SearchResponse> => {
      searches.push(req);
      return {
        results: [result('chunk-1', 'The Ridgeline boot sheds mud with a deep lug sole.', 0.91), result('chunk-2', '[offline draft]\nWaterproof to 20,000 mm.', 0.7)],
        similarCampaigns: [], reranker: 'fusion', costUsd: 0, embeddingCostUsd: 0, embedder: 'local/hash-ngram-384',
        candidates: { vector: 2, lexical: 1, droppedWithoutRow: 0 },
      };
    },
  } as unknown as Retriever;
  registry.register(ragRetrieveTool({ retriever, scope: async (tenantId, runId) => (tenantId === TENANT && runId === RUN ? { brandId: BRAND, campaignId: CAMPAIGN, taskType: 'social_post' } : null) }));
  const store = new MemoryToolCallStore();
  const executor = new ToolExecutor({
    registry, store, rateLimiter: new MemoryRateLimiter(), resilience: new ToolResilience({ toolCall: () => {}, circuitState: () => {} }),
    governance: new StaticGovernanceSource({ permissions: [], rateLimits: [], credentialRefs: [] }),
    credentials: new CredentialResolver({ envPrefix: 'VMP_SECRET_', dir: '/nonexistent', env: {} }),
  });
  return { deps: { executor, facts: async (id: string) => (id === RUN ? facts : null), knowledge }, provider, store, searches, executor };
}

function input(stageId: string, params: Record<string, unknown>): StageHandlerInput {
  return {
    key: `${RUN}:sr-${stageId}:1`, tenantId: TENANT, runId: RUN, stageId, stageRunId: `sr-${stageId}`, round: 0, attempt: 1, kind: 'agent',
    params, context: CONTEXT, contextHash: 'h', upstream: {}, signal: new AbortController().signal,
  };
}
const asOutput = (o: JsonValue) => o as unknown as AgentOutput;

describe('agents with the knowledge layer (rag.retrieve)', () => {
  it.each(['researcher', 'copywriter'] as const)('%s retrieves through the executor, cites [K1].. in its prompt and records the citations', async (role) => {
    const { deps, provider, store, searches } = setup(true);
    const out = asOutput((await agentHandler(role, deps).run(input(`${role}-stage`, role === 'copywriter' ? { channel: 'instagram', deliverable: true } : {}))).output);
    const call = store.calls.find((c) => c.tool === 'rag.retrieve');
    expect(call).toMatchObject({ outcome: 'ok', idempotencyKey: `${RUN}:sr-${role}-stage:1:knowledge`, agent: role, runId: RUN });
    // Brand, campaign and task type come from the run, not from anything the agent sent.
    expect(searches[0]).toMatchObject({ tenantId: TENANT, brandId: BRAND, campaignId: CAMPAIGN, taskType: 'social_post', includeNegative: false });
    const user = provider.requests[0]?.messages[1]?.content ?? '';
    expect(user).toContain('cite what you use as [K1], [K2]');
    expect(user).toContain('[K1] (artifact, artifact:chunk-1:v2) The Ridgeline boot sheds mud with a deep lug sole.');
    expect(user).toContain('[K2] (artifact, artifact:chunk-2:v2)');
    expect(out.citations).toEqual([
      { marker: 'K1', chunkId: 'chunk-1', source: 'artifact', sourceKey: 'artifact:chunk-1:v2', sourceVersion: 2, runId: '00000000-0000-4000-8000-0000000000aa', score: 0.91 },
      { marker: 'K2', chunkId: 'chunk-2', source: 'artifact', sourceKey: 'artifact:chunk-2:v2', sourceVersion: 2, runId: '00000000-0000-4000-8000-0000000000aa', score: 0.7 },
    ]);
    // The offline provider gets the passages (offline-draft marker lines removed) to draw on.
    expect(provider.requests[0]?.brief?.retrieved).toEqual(expect.arrayContaining(['The Ridgeline boot sheds mud with a deep lug sole.', 'Waterproof to 20,000 mm.']));
  });

  it('the copywriter\'s offline draft draws on the retrieved knowledge', async () => {
    const { deps } = setup(true);
    const out = asOutput((await agentHandler('copywriter', deps).run(input('copy', { channel: 'email', deliverable: true }))).output);
    expect(out.content).toMatch(/Ridgeline boot sheds mud/);
  });

  it('the editor, strategist and audience analyst do not retrieve; without the knowledge layer nobody does', async () => {
    const withLayer = setup(true);
    for (const role of ['editor', 'strategist', 'audience'] as const) await agentHandler(role, withLayer.deps).run(input(`${role}-s`, {}));
    expect(withLayer.store.calls.some((c) => c.tool === 'rag.retrieve')).toBe(false);
    const without = setup(false);
    const out = asOutput((await agentHandler('copywriter', without.deps).run(input('copy', { channel: 'instagram' }))).output);
    expect(without.store.calls.some((c) => c.tool === 'rag.retrieve')).toBe(false);
    expect(out.citations).toEqual([]);
  });

  it('rag.retrieve refuses a brand in its arguments, calls outside a run, and runs of another tenant', async () => {
    const { executor, searches } = setup(true);
    const base = { ref: 'rag.retrieve@^1', tenantId: TENANT, idempotencyKey: 'k1' };
    await expect(executor.invoke({ ...base, runId: RUN, input: { query: 'boots', brandId: '00000000-0000-4000-8000-0000000000b2' } })).rejects.toMatchObject({ code: 'TOOL_INPUT_INVALID' });
    await expect(executor.invoke({ ...base, idempotencyKey: 'k2', input: { query: 'boots' } })).rejects.toMatchObject({ code: 'TOOL_NEEDS_RUN' });
    await expect(executor.invoke({ ...base, idempotencyKey: 'k3', tenantId: '00000000-0000-4000-8000-000000000002', runId: RUN, input: { query: 'boots' } })).rejects.toMatchObject({ code: 'TOOL_NEEDS_RUN' });
    await expect(executor.invoke({ ...base, idempotencyKey: 'k4', runId: RUN, input: { query: '   ' } })).rejects.toMatchObject({ code: 'TOOL_INPUT_INVALID' });
    expect(searches).toEqual([]);
  });
});
