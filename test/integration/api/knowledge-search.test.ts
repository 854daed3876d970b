import { beforeAll, describe, expect, it } from 'vitest';
import type { ERROR_CATALOG } from '../../../src/domain/errors.js';
import { indexKnowledgeFixture, loadKnowledgeFixture, type FixtureIds } from '../../helpers/knowledge-fixture.js';
import { brandBody } from '../../helpers/test-api.js';
import { rowCounts } from '../../helpers/test-db.js';
import { usePlatform, type TestPlatform } from '../../helpers/test-engine.js';

const platform = usePlatform({ adapter: 'in-process', tools: {} });
const fixture = loadKnowledgeFixture();
const UNKNOWN = '0190a0b0-0000-7000-8000-000000000000';

interface TenantData {
  id: string;
  key: string;
  viewer: string;
  ids: FixtureIds;
  /** chunk id → brand key */
  brandOf: Map<string, string>;
}
let p: TestPlatform;
let a: TenantData;
let b: TenantData;
let deletedBrand: string;

async function seedTenant(name: string): Promise<TenantData> {
  const { id, key } = await p.tenant(name);
  const post = async (url: string, payload: unknown) => {
    const res = await p.call(key, { method: 'POST', url, payload: payload as Record<string, unknown> });
    if (res.statusCode !== 201) throw new Error(`${url}: ${res.statusCode} ${res.body}`);
    return res.json() as { id: string; key?: string };
  };
  const ids: FixtureIds = { brands: {}, campaigns: {} };
  for (const [k, brandName] of Object.entries(fixture.brands)) ids.brands[k] = (await post('/v2/brands', brandBody(brandName))).id;
  for (const [c, brandKey] of Object.entries(fixture.campaigns)) ids.campaigns[c] = (await post('/v2/campaigns', { brandId: ids.brands[brandKey], name: c })).id;
  const { docOf } = await indexKnowledgeFixture(p.knowledge?.indexer as NonNullable<TestPlatform['knowledge']>['indexer'], id, fixture, ids);
  const brandOf = new Map([...docOf].map(([chunk, doc]) => [chunk, fixture.docs.find((d) => d.id === doc)?.brand as string]));
  const viewer = (await post('/v2/api-keys', { name: 'viewer', role: 'viewer' })).key as string;
  return { id, key, viewer, ids, brandOf };
}

/** Everything a refused request must leave as it was: every table, knowledge rows, learnings and vectors. */
async function snapshot(): Promise<Record<string, number>> {
  const conn = p.db.orm.em.fork().getConnection();
  const n = async (sql: string) => Number((await conn.execute<Array<{ n: string }>>(sql))[0]?.n);
  return {
    ...(await rowCounts(p.db.orm)),
    knowledge_chunk: await n('select count(*)::text as n from knowledge_chunk'),
    learning: await n('select count(*)::text as n from learning'),
    tool_call: await n('select count(*)::text as n from tool_call'),
    vectors: (await p.knowledge?.store.stats())?.vectors ?? -1,
  };
}

const search = (key: string, payload: unknown) => p.call(key, { method: 'POST', url: '/v2/knowledge/search', payload: payload as Record<string, unknown> });

beforeAll(async () => {
  p = platform.current;
  if (!p.knowledge) throw new Error('the test platform should have the knowledge layer on');
  a = await seedTenant(`ks-a-${Date.now()}`);
  b = await seedTenant(`ks-b-${Date.now()}`);
  deletedBrand = (await (await p.call(a.key, { method: 'POST', url: '/v2/brands', payload: brandBody('Gone') })).json() as { id: string }).id;
  await p.db.orm.em.fork().getConnection().execute('update brand set deleted_at = now() where id = ?', [deletedBrand]);
});

describe('POST /v2/knowledge/search', () => {
  it('returns the brand\'s relevant chunks with scores, breakdown and provenance (viewer key, default k 8)', async () => {
    const res = await search(a.viewer, { brandId: a.ids.brands.ac, query: 'waterproof boots for muddy trails', campaignId: a.ids.campaigns['ac-st'], taskType: 'social_post' });
    expect(res.statusCode).toBe(200);
    const body = res.json() as { k: number; results: Array<{ chunkId: string; text: string; score: number; breakdown: Record<string, unknown>; provenance: Record<string, unknown> }>; reranker: string; embedder: string };
    expect(body.k).toBe(8);
    expect(body.results).toHaveLength(8);
    expect(body).toMatchObject({ reranker: 'fusion', embedder: 'local/hash-ngram-384' });
    expect(body.results[0]?.text).toMatch(/Ridgeline boot/);
    expect(body.results[0]?.provenance).toMatchObject({ source: 'artifact', campaignId: a.ids.campaigns['ac-st'], taskType: 'social_post', negative: false });
    expect(body.results[0]?.breakdown).toMatchObject({ boosts: { campaign: 0.12, taskType: 0.06, similarCampaign: 0 } });
    for (const r of body.results) expect(a.brandOf.get(r.chunkId)).toBe('ac');
  });

  it('returns negative examples only with includeNegative, and then only those', async () => {
    const pos = (await search(a.key, { brandId: a.ids.brands.lu, query: 'miracle cream cures eczema', k: 50 })).json() as { results: Array<{ provenance: { negative: boolean } }> };
    expect(pos.results.every((r) => !r.provenance.negative)).toBe(true);
    const neg = (await search(a.key, { brandId: a.ids.brands.lu, query: 'miracle cream cures eczema', k: 50, includeNegative: true })).json() as { results: Array<{ text: string; provenance: { negative: boolean } }> };
    expect(neg.results.map((r) => r.text)).toEqual([fixture.docs.find((d) => d.id === 'lu-11')?.text]);
  });

  it('applies filters', async () => {
    const res = await search(a.key, { brandId: a.ids.brands.nw, query: 'coffee', k: 50, filters: { sources: ['feedback'], minQualityScore: 0.8, createdAfter: '2020-01-01T00:00:00Z' } });
    expect(res.statusCode).toBe(200);
    const body = res.json() as { results: Array<{ provenance: { source: string } }> };
    expect(body.results.length).toBeGreaterThan(0);
    expect(body.results.every((r) => r.provenance.source === 'feedback')).toBe(true);
  });

  it('never returns another brand\'s or another tenant\'s chunks, under every combination of filters, boosts and polarity', async () => {
    let checked = 0;
    for (const t of [a, b]) {
      const other = t === a ? b : a;
      for (const brandKey of Object.keys(fixture.brands)) {
        const ownCampaign = t.ids.campaigns[Object.keys(fixture.campaigns).find((c) => fixture.campaigns[c] === brandKey) as string];
        const filterSets: Array<Record<string, unknown> | undefined> = [
          undefined, { sources: ['artifact', 'feedback'] }, { campaignIds: Object.values(other.ids.campaigns) }, { campaignIds: Object.values(t.ids.campaigns) },
          { taskTypes: ['social_post', 'email'] }, { stages: ['copy'] }, { minQualityScore: 0.5 },
        ];
        for (const filters of filterSets) {
          for (const boost of [{}, { campaignId: ownCampaign, taskType: 'email' }]) {
            for (const includeNegative of [false, true]) {
              const res = await search(t.key, { brandId: t.ids.brands[brandKey], query: 'cold brew boots sunscreen jacket subscription', k: 50, includeNegative, ...boost, ...(filters ? { filters } : {}) });
              expect(res.statusCode).toBe(200);
              for (const r of (res.json() as { results: Array<{ chunkId: string }> }).results) {
                checked++;
                expect(t.brandOf.get(r.chunkId), `chunk ${r.chunkId}`).toBe(brandKey);
              }
            }
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(500);
  });

  type Code = keyof typeof ERROR_CATALOG;
  const cases: Array<[string, () => unknown, number, Code, string | (() => string)]> = [
    ['an empty query', () => ({ brandId: a.ids.brands.ac, query: '' }), 400, 'VALIDATION_FAILED', 'query must not be empty'],
    ['a blank query', () => ({ brandId: a.ids.brands.ac, query: '  \n ' }), 400, 'VALIDATION_FAILED', 'query must not be blank'],
    ['an oversized query', () => ({ brandId: a.ids.brands.ac, query: 'x'.repeat(2001) }), 400, 'VALIDATION_FAILED', 'query must be at most 2000 characters'],
    ['a missing query', () => ({ brandId: a.ids.brands.ac }), 400, 'VALIDATION_FAILED', 'query'],
    ['k 0', () => ({ brandId: a.ids.brands.ac, query: 'boots', k: 0 }), 400, 'VALIDATION_FAILED', 'k must be at least 1'],
    ['k 51', () => ({ brandId: a.ids.brands.ac, query: 'boots', k: 51 }), 400, 'VALIDATION_FAILED', 'k must be at most 50'],
    ['k "x"', () => ({ brandId: a.ids.brands.ac, query: 'boots', k: 'x' }), 400, 'VALIDATION_FAILED', 'k must be a whole number'],
    ['a fractional k', () => ({ brandId: a.ids.brands.ac, query: 'boots', k: 2.5 }), 400, 'VALIDATION_FAILED', 'k must be a whole number'],
    ['a brand id that is not a uuid', () => ({ brandId: 'acme', query: 'boots' }), 400, 'VALIDATION_FAILED', 'brandId must be a UUID'],
    ['a missing brand id', () => ({ query: 'boots' }), 400, 'VALIDATION_FAILED', 'brandId'],
    ['an unknown field', () => ({ brandId: a.ids.brands.ac, query: 'boots', tenantId: b.id }), 400, 'VALIDATION_FAILED', 'tenantId'],
    ['an unknown filter', () => ({ brandId: a.ids.brands.ac, query: 'boots', filters: { brandId: b.ids.brands.ac } }), 400, 'VALIDATION_FAILED', 'brandId'],
    ['an unknown source', () => ({ brandId: a.ids.brands.ac, query: 'boots', filters: { sources: ['web'] } }), 400, 'VALIDATION_FAILED', 'must be one of artifact'],
    ['an empty source list', () => ({ brandId: a.ids.brands.ac, query: 'boots', filters: { sources: [] } }), 400, 'VALIDATION_FAILED', 'sources must not be empty'],
    ['a quality filter above 1', () => ({ brandId: a.ids.brands.ac, query: 'boots', filters: { minQualityScore: 1.5 } }), 400, 'VALIDATION_FAILED', 'minQualityScore must be at most 1'],
    ['campaign ids that are not uuids', () => ({ brandId: a.ids.brands.ac, query: 'boots', filters: { campaignIds: ['spring'] } }), 400, 'VALIDATION_FAILED', 'campaignIds must be UUIDs'],
    ['a malformed date', () => ({ brandId: a.ids.brands.ac, query: 'boots', filters: { createdAfter: 'yesterday' } }), 400, 'VALIDATION_FAILED', 'createdAfter must be an ISO 8601 date-time'],
    ['an inverted time range', () => ({ brandId: a.ids.brands.ac, query: 'boots', filters: { createdAfter: '2026-02-01T00:00:00Z', createdBefore: '2026-01-01T00:00:00Z' } }), 400, 'VALIDATION_FAILED', 'createdAfter must be before createdBefore'],
    ['filters that are not an object', () => ({ brandId: a.ids.brands.ac, query: 'boots', filters: 'sources=artifact' }), 400, 'VALIDATION_FAILED', 'filters'],
    ['includeNegative not a boolean', () => ({ brandId: a.ids.brands.ac, query: 'boots', includeNegative: 'yes' }), 400, 'VALIDATION_FAILED', 'includeNegative must be true or false'],
    ['an unknown brand', () => ({ brandId: UNKNOWN, query: 'boots' }), 404, 'NOT_FOUND', () => `brand ${UNKNOWN} was not found`],
    ['another tenant\'s brand', () => ({ brandId: b.ids.brands.ac, query: 'boots' }), 404, 'NOT_FOUND', () => `brand ${b.ids.brands.ac} was not found`],
    ['a deleted brand', () => ({ brandId: deletedBrand, query: 'boots' }), 404, 'NOT_FOUND', () => `brand ${deletedBrand} was not found`],
    ['a campaign of another brand', () => ({ brandId: a.ids.brands.ac, query: 'boots', campaignId: a.ids.campaigns['nw-cb'] }), 422, 'INVALID_REFERENCE', 'is not a campaign of brand'],
    ['a campaign of another tenant', () => ({ brandId: a.ids.brands.ac, query: 'boots', campaignId: b.ids.campaigns['ac-st'] }), 422, 'INVALID_REFERENCE', 'is not a campaign of brand'],
  ];

  it.each(cases)('refuses %s with a clear 4xx and changes nothing', async (_name, payload, status, code, says) => {
    const before = await snapshot();
    const res = await search(a.key, payload());
    expect(res.statusCode).toBe(status);
    const err = (res.json() as { error: { code: string; message: string; details?: unknown } }).error;
    expect(err.code).toBe(code);
    expect(`${err.message} ${JSON.stringify(err.details ?? {})}`).toContain(typeof says === 'function' ? says() : says);
    expect(await snapshot()).toEqual(before);
  });

  it('refuses a body that is not JSON, and a request without a key', async () => {
    const bad = await p.call(a.key, { method: 'POST', url: '/v2/knowledge/search', payload: '{"brandId":', headers: { 'content-type': 'application/json' } });
    expect(bad.statusCode).toBe(400);
    const anon = await p.app.inject({ method: 'POST', url: '/v2/knowledge/search', payload: { brandId: a.ids.brands.ac, query: 'boots' } });
    expect(anon.statusCode).toBe(401);
  });
});

describe('GET /v2/knowledge/stats', () => {
  it('counts chunks per brand and source, negatives and learnings, for the caller\'s tenant only', async () => {
    const res = await p.call(a.viewer, { method: 'GET', url: '/v2/knowledge/stats' });
    expect(res.statusCode).toBe(200);
    const body = res.json() as { brands: Array<{ brandId: string; chunks: number; negativeChunks: number; sources: Record<string, number> }>; totals: { chunks: number }; vectors: number; vectorStore: string; embedder: string };
    expect(body.brands.map((x) => x.brandId).sort()).toEqual(Object.values(a.ids.brands).sort());
    const nw = body.brands.find((x) => x.brandId === a.ids.brands.nw);
    const nwDocs = fixture.docs.filter((d) => d.brand === 'nw');
    expect(nw).toMatchObject({
      chunks: nwDocs.length, negativeChunks: nwDocs.filter((d) => d.negative).length,
      sources: { artifact: nwDocs.filter((d) => d.source === 'artifact').length, brand_rules: nwDocs.filter((d) => d.source === 'brand_rules').length, feedback: nwDocs.filter((d) => d.source === 'feedback').length, campaign_history: nwDocs.filter((d) => d.source === 'campaign_history').length },
    });
    expect(body.totals.chunks).toBe(fixture.docs.length);
    expect(body.vectors).toBe(fixture.docs.length);
    expect(body).toMatchObject({ vectorStore: 'embedded', embedder: 'local/hash-ngram-384' });
  });

  it('narrows to one brand; another tenant\'s, unknown, deleted or malformed brand ids are refused', async () => {
    const one = await p.call(a.key, { method: 'GET', url: `/v2/knowledge/stats?brandId=${a.ids.brands.lu}` });
    expect((one.json() as { brands: Array<{ brandId: string }> }).brands.map((x) => x.brandId)).toEqual([a.ids.brands.lu]);
    for (const id of [b.ids.brands.lu, UNKNOWN, deletedBrand]) expect((await p.call(a.key, { method: 'GET', url: `/v2/knowledge/stats?brandId=${id}` })).statusCode).toBe(404);
    const bad = await p.call(a.key, { method: 'GET', url: '/v2/knowledge/stats?brandId=nope' });
    expect(bad.statusCode).toBe(400);
    expect((await p.call(a.key, { method: 'GET', url: '/v2/knowledge/stats?other=1' })).statusCode).toBe(400);
  });
});
