import { createServer } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PlatformError } from '../../../src/domain/errors.js';
import { MilvusStoreError } from '../../../src/rag/vector-store/milvus-errors.js';
import { candidateCount } from '../../../src/rag/vector-store/milvus-search.js';
import { MilvusVectorStore } from '../../../src/rag/vector-store/milvus-vector-store.js';
import type { ChunkMetadata, VectorFilter, VectorRecord } from '../../../src/rag/vector-store/vector-store.port.js';
import { startFakeMilvus, type FakeMilvus } from '../../helpers/fake-milvus-server.js';

/**
 * The Milvus adapter against a protocol-level fake Milvus (test/helpers/fake-milvus-server.ts): the
 * real SDK speaks gRPC to a server built from the SDK's own service definitions, which stores rows in
 * memory and evaluates the filter expressions the adapter sends.
 */
const DIM = 8;
let fake: FakeMilvus;
let stores: MilvusVectorStore[] = [];
let collections = 0;

beforeAll(async () => {
  fake = await startFakeMilvus();
});
afterEach(async () => {
  await Promise.all(stores.map((s) => s.close()));
  stores = [];
});
afterAll(async () => {
  // Every RPC the SDK used has a real handler in the fake (none answered by the catch-all).
  expect(fake.unhandled).toEqual([]);
  await fake.close();
});

function open(over: Partial<ConstructorParameters<typeof MilvusVectorStore>[0]> = {}): MilvusVectorStore {
  const store = new MilvusVectorStore({ address: fake.address, dimension: DIM, collection: `kb_${++collections}`, timeoutMs: 5000, ...over });
  stores.push(store);
  return store;
}

/** A unit vector pointing mostly along axis `axis`, tilted towards axis+1 by `tilt`. */
function vec(axis: number, tilt = 0): Float32Array {
  const v = new Float32Array(DIM);
  v[axis % DIM] = 1;
  v[(axis + 1) % DIM] = tilt;
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

function meta(over: Partial<ChunkMetadata> = {}): ChunkMetadata {
  return {
    tenantId: 't1', brandId: 'b1', campaignId: 'c1', taskType: 'social_post', stage: 'copy', qualityScore: 0.8,
    source: 'artifact', sourceVersion: 3, negative: false, createdAt: 1_700_000_000_000, ...over,
  };
}

const rec = (id: string, vector: Float32Array, over: Partial<ChunkMetadata> = {}): VectorRecord => ({ id, vector, metadata: meta(over) });
const ids = (hits: Array<{ id: string }>): string[] => hits.map((h) => h.id);

describe('MilvusVectorStore against a fake Milvus', () => {
  it('init creates the collection with tenant_id as partition key, the metadata fields and an IP vector index, and loads it; a second init changes nothing', async () => {
    const store = open();
    await store.init();
    const c = fake.collections.get(store.collection)!;
    expect(c.fields.map((f) => [f.name, f.data_type])).toEqual([
      ['id', 'VarChar'], ['vector', 'FloatVector'], ['tenant_id', 'VarChar'], ['brand_id', 'VarChar'], ['campaign_id', 'VarChar'],
      ['task_type', 'VarChar'], ['stage', 'VarChar'], ['source', 'VarChar'], ['quality_score', 'Float'], ['source_version', 'Int64'],
      ['negative', 'Bool'], ['created_at', 'Int64'],
    ]);
    expect(c.fields.find((f) => f.is_primary_key)?.name).toBe('id');
    expect(c.fields.filter((f) => f.is_partition_key).map((f) => f.name)).toEqual(['tenant_id']);
    expect(c.fields.find((f) => f.name === 'vector')?.dim).toBe(DIM);
    expect(c.indexes.get('vector')?.params).toContainEqual({ key: 'metric_type', value: 'IP' });
    expect(c.loadState).toBe('Loaded');

    const creates = fake.requestsOf('CreateCollection').length;
    const again = open({ collection: store.collection });
    await again.init();
    await store.init();
    expect(fake.requestsOf('CreateCollection').length).toBe(creates);
    expect(await again.stats()).toEqual({ vectors: 0, dimension: DIM });
  });

  it('round-trips upsert, search, delete and stats, with the metadata (nulls included) as written', async () => {
    const store = open();
    await store.init();
    const nulls = meta({ campaignId: null, taskType: null, stage: null, source: 'brand_rules', qualityScore: 1, sourceVersion: 12, createdAt: 1_712_345_678_901 });
    await store.upsert([rec('a', vec(0)), { id: 'b', vector: vec(0, 0.5), metadata: nulls }, rec('c', vec(3), { qualityScore: 0.7 })]);

    const hits = await store.search({ tenantId: 't1', brandId: 'b1', vector: vec(0), k: 10 });
    expect(ids(hits)).toEqual(['a', 'b', 'c']);
    expect(hits[0]).toMatchObject({ similarity: expect.closeTo(1, 6), boost: 0, metadata: meta() });
    expect(hits[1]!.metadata).toEqual(nulls);
    expect(hits[1]!.similarity).toBeCloseTo(1 / Math.hypot(1, 0.5), 6);
    expect(hits[2]!.metadata.qualityScore).toBe(0.7); // a Float column, given back as the decimal written
    expect(hits.every((h) => h.score === h.similarity + h.boost)).toBe(true);

    expect(await store.stats()).toEqual({ vectors: 3, dimension: DIM });
    expect(await store.deleteByIds('t1', ['a', 'missing'])).toBe(1);
    expect(ids(await store.search({ tenantId: 't1', brandId: 'b1', vector: vec(0), k: 10 }))).toEqual(['b', 'c']);
    expect(await store.stats('t1')).toEqual({ vectors: 2, dimension: DIM });
    await store.close();
    await expect(store.search({ tenantId: 't1', brandId: 'b1', vector: vec(0), k: 1 })).rejects.toThrow(/is closed/);
  });

  it('upsert replaces a record by id (the last of duplicates in one call wins)', async () => {
    const store = open();
    await store.upsert([rec('a', vec(0)), rec('a', vec(1), { stage: 'edit' })]);
    await store.upsert([rec('b', vec(2))]);
    await store.upsert([rec('b', vec(1), { qualityScore: 0.25, sourceVersion: 4 })]);
    expect(await store.stats()).toEqual({ vectors: 2, dimension: DIM });
    const hits = await store.search({ tenantId: 't1', brandId: 'b1', vector: vec(1), k: 2 });
    expect(hits.map((h) => [h.id, h.metadata.stage, h.metadata.qualityScore, h.metadata.sourceVersion])).toEqual([['a', 'edit', 0.8, 3], ['b', 'copy', 0.25, 4]]);
    expect(hits[0]!.similarity).toBeCloseTo(1, 6);
  });

  it('returns the top k by score, ties broken by id', async () => {
    const store = open();
    await store.upsert(['e', 'd', 'c', 'b', 'a'].map((id) => rec(id, vec(2))).concat(rec('far', vec(5))));
    expect(ids(await store.search({ tenantId: 't1', brandId: 'b1', vector: vec(2), k: 3 }))).toEqual(['a', 'b', 'c']);
  });

  describe('filters', () => {
    let store: MilvusVectorStore;
    const data: VectorRecord[] = [
      rec('p1', vec(0), { campaignId: 'c1', taskType: 'social_post', stage: 'copy', source: 'artifact', qualityScore: 0.7, createdAt: 1000 }),
      rec('p2', vec(0, 0.1), { campaignId: 'c2', taskType: 'email', stage: 'edit', source: 'feedback', qualityScore: 0.9, createdAt: 2000 }),
      rec('p3', vec(0, 0.2), { campaignId: null, taskType: null, stage: null, source: 'brand_rules', qualityScore: 1, createdAt: 3000 }),
      rec('p4', vec(0, 0.3), { campaignId: 'c3', taskType: 'social_post', stage: 'review', source: 'campaign_history', qualityScore: 0.5, createdAt: 4000 }),
      rec('n1', vec(0, 0.05), { campaignId: 'c1', negative: true, createdAt: 1500 }),
      rec('n2', vec(0, 0.15), { campaignId: 'c2', negative: true, taskType: 'email', createdAt: 2500 }),
    ];
    const search = async (filter?: VectorFilter): Promise<string[]> =>
      ids(await store.search({ tenantId: 't1', brandId: 'b1', vector: vec(0), k: 20, filter })).sort();

    beforeAll(async () => {
      store = new MilvusVectorStore({ address: fake.address, dimension: DIM, collection: 'kb_filters', timeoutMs: 5000 });
      await store.upsert(data);
    });
    afterAll(async () => {
      await store.close();
    });

    it('excludes negatives by default and returns only negatives when filter.negative is true', async () => {
      expect(await search()).toEqual(['p1', 'p2', 'p3', 'p4']);
      expect(await search({ negative: false })).toEqual(['p1', 'p2', 'p3', 'p4']);
      expect(await search({ negative: true })).toEqual(['n1', 'n2']);
      expect(await search({ negative: true, campaignIds: ['c2'] })).toEqual(['n2']);
    });

    it('narrows by campaign, task type, stage and source lists (null never matches, an empty list does not constrain)', async () => {
      expect(await search({ campaignIds: ['c1', 'c3'] })).toEqual(['p1', 'p4']);
      expect(await search({ taskTypes: ['social_post'] })).toEqual(['p1', 'p4']);
      expect(await search({ stages: ['edit', 'review'] })).toEqual(['p2', 'p4']);
      expect(await search({ sources: ['brand_rules', 'feedback'] })).toEqual(['p2', 'p3']);
      expect(await search({ campaignIds: [], taskTypes: [], stages: [], sources: [] })).toEqual(['p1', 'p2', 'p3', 'p4']);
      expect(await search({ taskTypes: ['social_post'], stages: ['copy'], sources: ['artifact'], campaignIds: ['c1'] })).toEqual(['p1']);
    });

    it('applies the quality floor inclusively (a stored 0.7 passes a 0.7 floor) and the time window exclusively', async () => {
      expect(await search({ minQualityScore: 0.7 })).toEqual(['p1', 'p2', 'p3']);
      expect(await search({ minQualityScore: 0.95 })).toEqual(['p3']);
      expect(await search({ createdAfter: 1000 })).toEqual(['p2', 'p3', 'p4']);
      expect(await search({ createdBefore: 3000 })).toEqual(['p1', 'p2']);
      expect(await search({ createdAfter: 1000, createdBefore: 4000, minQualityScore: 0.8 })).toEqual(['p2', 'p3']);
    });

    it('sends one expression per search that starts with the tenant and the brand', async () => {
      const before = fake.requestsOf('Search').length;
      await search({ campaignIds: ['c1'], taskTypes: ['email'], stages: ['copy'], sources: ['artifact'], minQualityScore: 0.5, negative: true, createdAfter: 1, createdBefore: 9 });
      const dsl = fake.requestsOf('Search').slice(before).map((r) => r.dsl);
      expect(dsl).toEqual([
        'tenant_id == "t1" && brand_id == "b1" && campaign_id in ["c1"] && task_type in ["email"] && stage in ["copy"] && source in ["artifact"] && quality_score >= 0.5 && negative == true && created_at > 1 && created_at < 9',
      ]);
      for (const r of fake.requestsOf('Search')) expect(String(r.dsl)).toMatch(/^tenant_id == "[^"]+" && brand_id == "[^"]+"( && |$)/);
    });
  });

  describe('boosts', () => {
    it('adds the campaign, task type and similar-campaign weights to the similarity and re-ranks by the sum', async () => {
      const store = open();
      await store.upsert([
        rec('best', vec(0), { campaignId: 'other', taskType: 'email' }),
        rec('camp', vec(0, 0.6), { campaignId: 'c1', taskType: 'email' }),
        rec('task', vec(0, 0.5), { campaignId: 'other', taskType: 'social_post' }),
        rec('similar', vec(0, 0.7), { campaignId: 'c9', taskType: 'email' }),
        rec('both', vec(0, 1), { campaignId: 'c1', taskType: 'social_post' }),
      ]);
      const q = { tenantId: 't1', brandId: 'b1', vector: vec(0), k: 5 };
      expect(ids(await store.search(q))).toEqual(['best', 'task', 'camp', 'similar', 'both']);
      const hits = await store.search({ ...q, boosts: { campaign: { id: 'c1', weight: 0.3 }, taskType: { value: 'social_post', weight: 0.2 }, similarCampaigns: { ids: ['c9', 'c1'], weight: 0.05 } } });
      const byId = Object.fromEntries(hits.map((h) => [h.id, h]));
      expect(byId.best!.boost).toBe(0);
      expect(byId.camp!.boost).toBeCloseTo(0.35, 10);
      expect(byId.task!.boost).toBeCloseTo(0.2, 10);
      expect(byId.similar!.boost).toBeCloseTo(0.05, 10);
      expect(byId.both!.boost).toBeCloseTo(0.55, 10);
      for (const h of hits) expect(h.score).toBeCloseTo(h.similarity + h.boost, 10);
      expect(ids(hits)).toEqual(['both', 'camp', 'task', 'best', 'similar']);
      expect(hits.map((h) => h.score)).toEqual([...hits.map((h) => h.score)].sort((a, b) => b - a));
    });

    it('can lift a chunk from outside the top k into it, because the search asks Milvus for min(k * 4 + 20, 16384) candidates', async () => {
      expect([1, 250, 1000, 5000].map(candidateCount)).toEqual([24, 1020, 4020, 16384]);
      const store = open();
      const near = Array.from({ length: 10 }, (_, i) => rec(`near${i}`, vec(0, i / 100), { campaignId: 'x' }));
      await store.upsert([...near, rec('boosted', vec(0, 0.9), { campaignId: 'c1' })]);
      const before = fake.requestsOf('Search').length;
      const hits = await store.search({ tenantId: 't1', brandId: 'b1', vector: vec(0), k: 2, boosts: { campaign: { id: 'c1', weight: 1 } } });
      expect(ids(hits)).toEqual(['boosted', 'near0']);
      await store.search({ tenantId: 't1', brandId: 'b1', vector: vec(0), k: 1000 });
      const topks = fake.requestsOf('Search').slice(before).map((r) => (r.search_params as Array<{ key: string; value: string }>).find((p) => p.key === 'topk')?.value);
      expect(topks).toEqual(['28', '4020']);
    });
  });

  it("never returns another tenant's or brand's vectors, under every filter and boost combination", async () => {
    const store = open();
    const owners = [['t1', 'b1'], ['t1', 'b2'], ['t2', 'b1'], ['t2', 'b2']] as const;
    const variants: Array<Partial<ChunkMetadata>> = [
      {}, { negative: true }, { campaignId: null, taskType: null, stage: null }, { campaignId: 'c2', taskType: 'email', stage: 'edit', source: 'feedback', qualityScore: 0.2, createdAt: 5 },
    ];
    // The same vectors and metadata under every owner: only tenant and brand tell them apart.
    await store.upsert(owners.flatMap(([t, b]) => variants.map((v, i) => rec(`${t}-${b}-${i}`, vec(i, 0.3), { ...v, tenantId: t, brandId: b }))));
    const filters: VectorFilter[] = [
      {}, { negative: true }, { campaignIds: ['c1', 'c2'] }, { taskTypes: ['social_post', 'email'] }, { stages: ['copy', 'edit'] },
      { sources: ['artifact', 'feedback', 'brand_rules', 'campaign_history'] }, { minQualityScore: 0 }, { createdAfter: 0, createdBefore: 2e12 },
      { campaignIds: ['c2'], taskTypes: ['email'], stages: ['edit'], sources: ['feedback'], minQualityScore: 0.1, createdAfter: 1, createdBefore: 10 },
      { negative: true, campaignIds: ['c1'], taskTypes: ['social_post'], stages: ['copy'], sources: ['artifact'], minQualityScore: 0.5 },
    ];
    const boosts = { campaign: { id: 'c2', weight: 5 }, taskType: { value: 'email', weight: 5 }, similarCampaigns: { ids: ['c1', 'c2'], weight: 5 } };
    const before = fake.requestsOf('Search').length;
    for (const [t, b] of owners) {
      for (const filter of filters) {
        for (const withBoosts of [false, true]) {
          const hits = await store.search({ tenantId: t, brandId: b, vector: vec(0, 0.3), k: 50, filter, boosts: withBoosts ? boosts : undefined });
          expect(hits.length, JSON.stringify({ t, b, filter })).toBeGreaterThan(0);
          for (const h of hits) {
            expect(h.id.startsWith(`${t}-${b}-`), `${h.id} for ${t}/${b} ${JSON.stringify(filter)}`).toBe(true);
            expect([h.metadata.tenantId, h.metadata.brandId]).toEqual([t, b]);
          }
        }
      }
    }
    // The isolation is Milvus' (the filter's), not only the adapter's own check: every row the fake
    // sent back for these searches belongs to the searching tenant and brand.
    const asked = fake.requestsOf('Search').slice(before).map((r) => /^tenant_id == "(\w+)" && brand_id == "(\w+)"/.exec(String(r.dsl))!.slice(1));
    const tenants = fake.searchedColumn('tenant_id').slice(before);
    const brands = fake.searchedColumn('brand_id').slice(before);
    expect(asked).toHaveLength(owners.length * filters.length * 2);
    asked.forEach(([t, b], i) => {
      expect(tenants[i]!.length).toBeGreaterThan(0);
      expect(new Set(tenants[i])).toEqual(new Set([t]));
      expect(new Set(brands[i])).toEqual(new Set([b]));
    });
    expect(await store.stats('t1')).toEqual({ vectors: 8, dimension: DIM });
    expect(await store.stats('t3')).toEqual({ vectors: 0, dimension: DIM });
  });

  it('refuses ids and labels outside [A-Za-z0-9_.:-] before anything reaches Milvus', async () => {
    const store = open();
    await store.upsert([rec('a', vec(0))]);
    const searches = fake.requestsOf('Search').length;
    const deletes = fake.requestsOf('Delete').length;
    const q = { tenantId: 't1', brandId: 'b1', vector: vec(0), k: 5 };
    await expect(store.search({ ...q, tenantId: 't1" || tenant_id != "x' })).rejects.toThrow(/tenantId must be 1-64 characters of \[A-Za-z0-9_.:-\]/);
    await expect(store.search({ ...q, brandId: '' })).rejects.toThrow(/brandId/);
    await expect(store.search({ ...q, filter: { campaignIds: ['c1', 'c\\1'] } })).rejects.toThrow(/campaignIds\[\]/);
    await expect(store.search({ ...q, filter: { stages: ['copy ', 'edit'] } })).rejects.toThrow(/stages\[\]/);
    await expect(store.search({ ...q, boosts: { campaign: { id: 'c"1', weight: 1 } } })).rejects.toThrow(/boost value/);
    await expect(store.deleteByIds('t1', ['a"] || id in ["b'])).rejects.toThrow(/ids\[\]/);
    await expect(store.deleteBrand('t1', 'b 1')).rejects.toThrow(/brandId/);
    await expect(store.upsert([rec('x y', vec(0))])).rejects.toThrow(/id must be/);
    await expect(store.upsert([rec('ok', vec(0), { taskType: 'social post' })])).rejects.toThrow(/metadata.taskType/);
    await expect(store.upsert([rec('ok', new Float32Array(DIM + 1))])).rejects.toThrow(/dimension 9, expected 8/);
    await expect(store.upsert([rec('ok', new Float32Array(DIM))])).rejects.toThrow(/all zeros/);
    await expect(store.upsert([rec('ok', vec(0), { qualityScore: 1.5 })])).rejects.toThrow(/qualityScore must be a number in 0..1/);
    await expect(store.search({ ...q, vector: new Float32Array(3) })).rejects.toThrow(/dimension 3, expected 8/);
    await expect(store.search({ ...q, k: 0 })).rejects.toThrow(/k must be an integer in 1..1000/);
    await expect(store.search({ ...q, boosts: { campaign: { id: 'c1', weight: Number.NaN } } })).rejects.toThrow(/finite/);
    expect(fake.requestsOf('Search').length).toBe(searches);
    expect(fake.requestsOf('Delete').length).toBe(deletes);
    expect(await store.stats()).toEqual({ vectors: 1, dimension: DIM });
  });

  it('deletes by ids within the tenant only, by brand, and by age (optionally one brand), returning the counts', async () => {
    const store = open();
    await store.upsert([
      rec('a1', vec(0), { createdAt: 100 }), rec('a2', vec(1), { createdAt: 200 }), rec('a3', vec(2), { brandId: 'b2', createdAt: 100 }),
      rec('a4', vec(3), { brandId: 'b2', createdAt: 300 }), rec('o1', vec(0), { tenantId: 't2', createdAt: 100 }),
    ]);
    expect(await store.deleteByIds('t1', ['o1'])).toBe(0);
    expect(await store.deleteByIds('t1', [])).toBe(0);
    expect(await store.deleteOlderThan('t1', 150, 'b2')).toBe(1); // a3
    expect(await store.deleteOlderThan('t1', 250)).toBe(2); // a1, a2
    expect(await store.stats('t1')).toEqual({ vectors: 1, dimension: DIM });
    expect(await store.deleteBrand('t1', 'b2')).toBe(1); // a4
    expect(await store.deleteBrand('t1', 'b2')).toBe(0);
    expect(await store.stats('t2')).toEqual({ vectors: 1, dimension: DIM });
    expect(fake.requestsOf('Delete').slice(-5).map((r) => r.expr)).toEqual([
      'tenant_id == "t1" && id in ["o1"]',
      'tenant_id == "t1" && brand_id == "b2" && created_at < 150',
      'tenant_id == "t1" && created_at < 250',
      'tenant_id == "t1" && brand_id == "b2"',
      'tenant_id == "t1" && brand_id == "b2"',
    ]);
  });

  it('fails init with a clear error naming both dimensions when the collection exists with another dimension', async () => {
    const first = open({ dimension: 16 });
    await first.init();
    const second = open({ collection: first.collection, dimension: DIM });
    await expect(second.init()).rejects.toThrow(`Milvus collection "${first.collection}" holds vectors of dimension 16, but this store is configured for dimension 8`);
    await expect(second.search({ tenantId: 't1', brandId: 'b1', vector: vec(0), k: 1 })).rejects.toBeInstanceOf(MilvusStoreError);
  });

  it('fails within the timeout with SERVICE_UNAVAILABLE when nothing listens at the address, and keeps no hanging work', async () => {
    const port = await freePort();
    const store = open({ address: `127.0.0.1:${port}`, timeoutMs: 1500 });
    const started = Date.now();
    const err = await store.init().catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(err).toBeInstanceOf(PlatformError);
    expect(err).toMatchObject({ code: 'SERVICE_UNAVAILABLE', details: { dependency: 'milvus', operation: 'connect' } });
    expect((err as Error).message).toContain(`Milvus at 127.0.0.1:${port} is not reachable`);
    expect((err as Error).cause).toMatchObject({ code: 14 });
    await expect(store.search({ tenantId: 't1', brandId: 'b1', vector: vec(0), k: 1 })).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
  });

  it('fails a call Milvus never answers after its deadline, and works again once Milvus answers', async () => {
    const store = open({ timeoutMs: 800 });
    await store.upsert([rec('a', vec(0))]);
    fake.stall('Search');
    try {
      const started = Date.now();
      const err = await store.search({ tenantId: 't1', brandId: 'b1', vector: vec(0), k: 1 }).catch((e: unknown) => e);
      expect(Date.now() - started).toBeLessThan(2500);
      expect(err).toMatchObject({ code: 'SERVICE_UNAVAILABLE', message: expect.stringContaining('did not answer search within 800 ms') });
    } finally {
      fake.unstall('Search');
    }
    expect(ids(await store.search({ tenantId: 't1', brandId: 'b1', vector: vec(0), k: 1 }))).toEqual(['a']);
  });

  it("turns a Milvus error status into a MilvusStoreError with Milvus' reason and code, keeping the status as cause", async () => {
    const store = open();
    await store.init();
    fake.failNext('Upsert', { code: 1100, reason: 'the length of varchar field exceeds max length' });
    const err = await store.upsert([rec('a', vec(0))]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MilvusStoreError);
    expect(err).toMatchObject({ operation: 'upsert', milvusCode: 1100, cause: { code: 1100 } });
    expect((err as Error).message).toBe(`Milvus upsert on collection "${store.collection}" failed: the length of varchar field exceeds max length (code 1100)`);
    fake.failNext('Query', { code: 101, reason: 'collection not loaded' });
    await expect(store.stats()).rejects.toThrow(/stats on collection .* failed: collection not loaded \(code 101\)/);
    expect(await store.stats()).toEqual({ vectors: 0, dimension: DIM });
  });
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
