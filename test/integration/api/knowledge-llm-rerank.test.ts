import { beforeAll, describe, expect, it } from 'vitest';
import { OfflineProvider } from '../../../src/providers/offline.provider.js';
import type { CompletionRequest, CompletionResponse, LlmProvider } from '../../../src/providers/provider.js';
import { brandBody } from '../../helpers/test-api.js';
import { usePlatform, type TestPlatform } from '../../helpers/test-engine.js';

/** A model that judges rerank requests (it prefers passages that mention "Polar") and writes offline copy otherwise. */
class JudgeModel implements LlmProvider {
  readonly name = 'judge';
  readonly offline = false;
  readonly rerankRequests: CompletionRequest[] = [];
  private readonly inner = new OfflineProvider();
  async complete(request: CompletionRequest): Promise<CompletionResponse> {
    const base = { ...(await this.inner.complete(request)), provider: this.name, model: request.model, offline: false };
    if (!request.messages[0]?.content.startsWith('You rank passages')) return base;
    this.rerankRequests.push(request);
    const user = request.messages[1]?.content ?? '';
    const scores = [...user.matchAll(/\[P(\d+)\] ([^\n]*)/g)].map((m) => ({ id: `P${m[1]}`, relevance: /Polar/.test(m[2] ?? '') ? 10 : 1 }));
    return { ...base, content: JSON.stringify({ scores }), costUsd: 0.0004, usage: { inputTokens: 300, outputTokens: 40 } };
  }
}

const judge = new JudgeModel();
const routes = 'economy=judge:judge-1,offline:offline;standard=judge:judge-1,offline:offline';
const platform = usePlatform({ adapter: 'in-process', tools: { providers: [judge], llm: { routes } } });
let p: TestPlatform;
let key: string;
let brandId: string;

beforeAll(async () => {
  p = platform.current;
  const t = await p.tenant();
  key = t.key;
  brandId = (await (await p.call(key, { method: 'POST', url: '/v2/brands', payload: brandBody('Acme') })).json() as { id: string }).id;
  const texts = [
    'Winter boots with a warm lining for snowy trails and cold mornings.',
    'Warm socks of merino wool for winter hikes.',
    'The Polar 800 jacket keeps you warm down to minus 20 degrees.',
    'A winter checklist: warm layers, a thermos and spare gloves.',
  ];
  for (const [i, text] of texts.entries()) {
    await p.knowledge?.indexer.index({
      tenantId: t.id, brandId, campaignId: null, taskType: null, stage: null, source: 'artifact', sourceKey: `doc:${i}`, sourceVersion: 1,
      runId: null, learningId: null, qualityScore: 0.9, negative: false, format: 'text', text,
    });
  }
});

describe('knowledge search with a real model configured', () => {
  it('asks the model to rerank through llm.complete (metered and audited) and blends its judgement into the order', async () => {
    const res = await p.call(key, { method: 'POST', url: '/v2/knowledge/search', payload: { brandId, query: 'warm winter gear', k: 4 } });
    expect(res.statusCode).toBe(200);
    const body = res.json() as { reranker: string; costUsd: number; embeddingCostUsd: number; results: Array<{ text: string; breakdown: { llm: number | null } }> };
    expect(body.reranker).toBe('llm:judge:judge-1');
    expect(body.results[0]?.text).toMatch(/Polar 800/);
    expect(body.results[0]?.breakdown.llm).toBe(1);
    expect(body.results.slice(1).every((r) => r.breakdown.llm === 0.1)).toBe(true);
    expect(judge.rerankRequests).toHaveLength(1);
    // The model call is a tool call of the tenant (permissions, metering, audit), priced there.
    const usage = await p.call(key, { method: 'GET', url: '/v2/tool-usage' });
    expect(JSON.stringify(usage.json())).toContain('llm.complete@1.0.0');
    const audit = await p.db.orm.em.fork().getConnection().execute<Array<{ n: string }>>(
      "select count(*)::text as n from tool_call where tool = 'llm.complete' and idempotency_key like 'knowledge-search:%' and cost_usd > 0");
    expect(Number(audit[0]?.n)).toBe(1);
  });

  it('a model that fails leaves the score-fusion ranking', async () => {
    const original = judge.complete.bind(judge);
    judge.complete = async (request) => {
      if (request.messages[0]?.content.startsWith('You rank passages')) throw Object.assign(new Error('model down'), { retryable: false });
      return original(request);
    };
    try {
      const res = await p.call(key, { method: 'POST', url: '/v2/knowledge/search', payload: { brandId, query: 'warm winter gear', k: 4 } });
      expect(res.statusCode).toBe(200);
      expect((res.json() as { reranker: string }).reranker).toBe('fusion');
    } finally {
      judge.complete = original;
    }
  });
});
