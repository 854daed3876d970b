import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChunkMetadata, VectorFilter, VectorHit, VectorStore } from '../../src/rag/vector-store/vector-store.port.js';
import { dot, meta, near, rec, unitVector } from './vector-fixtures.js';

/**
 * The behaviour every {@link VectorStore} adapter shares. `create` returns a fresh store (a new
 * directory, a new collection); the suite calls `init()` and closes it after each test. Tests use
 * their own random tenant ids, so an adapter may also hand out one shared store.
 *
 * Semantics pinned here (adapters must agree): similarity is the cosine of the stored and query
 * vectors (the store normalises both); `score = similarity + boost`, highest first, ties by id
 * ascending; an absent or empty list filter does not constrain; `createdAfter`/`createdBefore` are
 * strict, `minQualityScore` inclusive; negatives only with `negative: true`; boosts that match
 * together add up; an upsert of a known id replaces it.
 */
export function describeVectorStoreContract(name: string, create: () => Promise<VectorStore>): void {
  describe(`${name}: vector store contract`, () => {
    let store: VectorStore;
    let dim: number;
    let tenant: string;
    const brand = 'brand-a';
    let seed = 1;
    const v = () => unitVector(dim, seed++);

    beforeEach(async () => {
      store = await create();
      await store.init();
      await store.init(); // idempotent
      dim = store.dimension;
      tenant = `t-${randomUUID()}`;
    });
    afterEach(async () => {
      await store.close();
    });

    const search = (vector: Float32Array, k = 10, filter?: VectorFilter, extra: Partial<Parameters<VectorStore['search']>[0]> = {}) =>
      store.search({ tenantId: tenant, brandId: brand, vector, k, ...(filter ? { filter } : {}), ...extra });
    const ids = (hits: VectorHit[]) => hits.map((h) => h.id);

    it('returns what it stored: id, metadata, cosine similarity, highest first', async () => {
      const q = v();
      const close = rec(near(q, 0.1, 7), meta(tenant, brand, { campaignId: 'c1', taskType: 'email', stage: 'copy', qualityScore: 0.9, source: 'brand_rules', sourceVersion: 3, createdAt: 1234 }));
      const far = rec(near(q, 3, 8), meta(tenant, brand));
      await store.upsert([far, close]);
      const hits = await search(q);
      expect(ids(hits)).toEqual([close.id, far.id]);
      const top = hits[0] as VectorHit;
      expect(top.metadata).toEqual(close.metadata);
      expect(top.similarity).toBeCloseTo(dot(q, close.vector), 4);
      expect(top.boost).toBe(0);
      expect(top.score).toBeCloseTo(top.similarity, 6);
      expect(hits[0]!.score).toBeGreaterThan(hits[1]!.score);
    });

    it('normalises vectors: a scaled copy of the query has similarity 1', async () => {
      const q = v();
      await store.upsert([rec(q.map((x) => x * 7.5), meta(tenant, brand), 'scaled')]);
      const [hit] = await search(q.map((x) => x * 0.01));
      expect(hit?.id).toBe('scaled');
      expect(hit?.similarity).toBeCloseTo(1, 4);
    });

    it('replaces a record upserted again with the same id', async () => {
      const a = v();
      const b = v();
      await store.upsert([rec(a, meta(tenant, brand, { stage: 'old' }), 'x')]);
      await store.upsert([rec(b, meta(tenant, brand, { stage: 'new' }), 'x')]);
      const hits = await search(b);
      expect(hits).toHaveLength(1);
      expect(hits[0]?.metadata.stage).toBe('new');
      expect(hits[0]?.similarity).toBeCloseTo(1, 4);
      expect((await store.stats(tenant)).vectors).toBe(1);
    });

    it('returns at most k hits, ranked, ties broken by id ascending', async () => {
      const q = v();
      const same = near(q, 0.5, 99);
      await store.upsert(['id-c', 'id-a', 'id-b'].map((id) => rec(same, meta(tenant, brand), id)));
      await store.upsert(Array.from({ length: 20 }, (_, i) => rec(near(q, 2 + i * 0.1, 200 + i), meta(tenant, brand))));
      const hits = await search(q, 3);
      expect(ids(hits)).toEqual(['id-a', 'id-b', 'id-c']);
      const all = await search(q, 50);
      expect(all).toHaveLength(23);
      for (let i = 1; i < all.length; i++) expect(all[i - 1]!.score).toBeGreaterThanOrEqual(all[i]!.score);
    });

    it('finds nothing in a brand without vectors', async () => {
      expect(await search(v())).toEqual([]);
    });

    it('refuses a wrong dimension, non-finite values and k out of 1..1000', async () => {
      const q = v();
      await expect(search(new Float32Array(dim + 1).fill(0.1))).rejects.toThrow(/dimension/);
      const bad = q.slice();
      bad[0] = Number.NaN;
      await expect(search(bad)).rejects.toThrow(/finite/);
      await expect(search(q, 0)).rejects.toThrow(/k/);
      await expect(search(q, 1001)).rejects.toThrow(/k/);
      await expect(search(q, 2.5)).rejects.toThrow(/k/);
      await expect(store.upsert([rec(new Float32Array(dim - 1).fill(1), meta(tenant, brand))])).rejects.toThrow(/dimension/);
      const inf = q.slice();
      inf[1] = Number.POSITIVE_INFINITY;
      await expect(store.upsert([rec(inf, meta(tenant, brand))])).rejects.toThrow(/finite/);
    });

    it('applies every filter field before ranking', async () => {
      const q = v();
      const mk = (id: string, over: Partial<ChunkMetadata>) => rec(near(q, 0.3, id.length * 31 + id.charCodeAt(id.length - 1)), meta(tenant, brand, over), id);
      await store.upsert([
        mk('a', { campaignId: 'c1', taskType: 'email', stage: 'copy', source: 'artifact', qualityScore: 0.9, createdAt: 100 }),
        mk('b', { campaignId: 'c2', taskType: 'social_post', stage: 'edit', source: 'feedback', qualityScore: 0.5, createdAt: 200 }),
        mk('c', { campaignId: null, taskType: null, stage: null, source: 'brand_rules', qualityScore: 1, createdAt: 300 }),
        mk('d', { campaignId: 'c1', taskType: 'social_post', stage: 'copy', source: 'campaign_history', qualityScore: 0.7, createdAt: 400 }),
      ]);
      const f = async (filter: VectorFilter) => ids(await search(q, 10, filter)).sort();
      expect(await f({})).toEqual(['a', 'b', 'c', 'd']);
      expect(await f({ campaignIds: ['c1'] })).toEqual(['a', 'd']);
      expect(await f({ campaignIds: ['c2', 'nope'] })).toEqual(['b']);
      expect(await f({ campaignIds: [] })).toEqual(['a', 'b', 'c', 'd']);
      expect(await f({ taskTypes: ['social_post'] })).toEqual(['b', 'd']);
      expect(await f({ stages: ['copy'] })).toEqual(['a', 'd']);
      expect(await f({ sources: ['brand_rules', 'feedback'] })).toEqual(['b', 'c']);
      expect(await f({ minQualityScore: 0.7 })).toEqual(['a', 'c', 'd']);
      expect(await f({ minQualityScore: 0.95 })).toEqual(['c']);
      expect(await f({ createdAfter: 200 })).toEqual(['c', 'd']);
      expect(await f({ createdBefore: 300 })).toEqual(['a', 'b']);
      expect(await f({ createdAfter: 100, createdBefore: 400 })).toEqual(['b', 'c']);
      expect(await f({ campaignIds: ['c1'], stages: ['copy'], taskTypes: ['email'], minQualityScore: 0.8 })).toEqual(['a']);
      expect(await f({ campaignIds: ['c1'], sources: ['feedback'] })).toEqual([]);
    });

    it('excludes negatives by default and returns only negatives with negative: true', async () => {
      const q = v();
      await store.upsert([rec(near(q, 0.1, 1), meta(tenant, brand, { negative: true }), 'neg'), rec(near(q, 0.5, 2), meta(tenant, brand), 'pos')]);
      expect(ids(await search(q))).toEqual(['pos']);
      expect(ids(await search(q, 10, { negative: false }))).toEqual(['pos']);
      const negatives = await search(q, 10, { negative: true });
      expect(ids(negatives)).toEqual(['neg']);
      expect(negatives[0]?.metadata.negative).toBe(true);
    });

    it('adds boosts exactly: campaign, task type and similar campaigns, summed when several match', async () => {
      const q = v();
      const r = (id: string, amount: number, over: Partial<ChunkMetadata>) => rec(near(q, amount, id.charCodeAt(0)), meta(tenant, brand, over), id);
      const recs = [
        r('a', 0.2, { campaignId: 'other', taskType: 'blog' }),
        r('b', 0.6, { campaignId: 'c1', taskType: 'blog' }),
        r('c', 0.9, { campaignId: 'c2', taskType: 'email' }),
        r('d', 1.2, { campaignId: 'c1', taskType: 'email' }),
      ];
      await store.upsert(recs);
      const plain = await search(q);
      expect(ids(plain)).toEqual(['a', 'b', 'c', 'd']);
      const sim = new Map(plain.map((h) => [h.id, h.similarity]));

      const boosted = await search(q, 10, undefined, { boosts: { campaign: { id: 'c1', weight: 0.5 }, taskType: { value: 'email', weight: 0.25 }, similarCampaigns: { ids: ['c2', 'c1'], weight: 0.1 } } });
      const expected = new Map([['a', 0], ['b', 0.6], ['c', 0.35], ['d', 0.85]]);
      for (const h of boosted) {
        expect(h.boost).toBeCloseTo(expected.get(h.id) as number, 6);
        expect(h.similarity).toBeCloseTo(sim.get(h.id) as number, 5);
        expect(h.score).toBeCloseTo(h.similarity + h.boost, 6);
      }
      const order = [...expected.keys()].sort((x, y) => (sim.get(y)! + expected.get(y)!) - (sim.get(x)! + expected.get(x)!));
      expect(ids(boosted)).toEqual(order);

      // A boost changes ranking inside the top k: with k=1 the boosted chunk wins.
      expect(ids(await search(q, 1, undefined, { boosts: { campaign: { id: 'c2', weight: 2 } } }))).toEqual(['c']);
    });

    it('keeps tenants and brands apart whatever the filters say', async () => {
      const q = v();
      const otherTenant = `t-${randomUUID()}`;
      await store.upsert([
        rec(near(q, 0.2, 1), meta(tenant, brand, { campaignId: 'shared' }), 'mine'),
        rec(q, meta(tenant, 'brand-b', { campaignId: 'shared' }), 'other-brand'),
        rec(q, meta(otherTenant, brand, { campaignId: 'shared' }), 'other-tenant'),
      ]);
      for (const filter of [undefined, { campaignIds: ['shared'] }, { negative: true }, { sources: ['artifact' as const] }]) {
        const hits = await search(q, 1000, filter, { boosts: { campaign: { id: 'shared', weight: 5 } } });
        for (const h of hits) expect([h.metadata.tenantId, h.metadata.brandId, h.id]).toEqual([tenant, brand, 'mine']);
      }
      expect(ids(await store.search({ tenantId: tenant, brandId: 'brand-b', vector: q, k: 10 }))).toEqual(['other-brand']);
      expect(ids(await store.search({ tenantId: otherTenant, brandId: brand, vector: q, k: 10 }))).toEqual(['other-tenant']);
    });

    it('deletes by ids within the tenant only and says how many', async () => {
      const q = v();
      const otherTenant = `t-${randomUUID()}`;
      await store.upsert([
        rec(q, meta(tenant, brand), 'x1'), rec(q, meta(tenant, 'brand-b'), 'x2'), rec(q, meta(tenant, brand), 'keep'),
        rec(q, meta(otherTenant, brand), 'x1-other'),
      ]);
      expect(await store.deleteByIds(tenant, ['x1', 'x2', 'x1-other', 'missing'])).toBe(2);
      expect(ids(await search(q))).toEqual(['keep']);
      expect(ids(await store.search({ tenantId: otherTenant, brandId: brand, vector: q, k: 10 }))).toEqual(['x1-other']);
      expect(await store.deleteByIds(tenant, [])).toBe(0);
    });

    it('deletes a whole brand and nothing else', async () => {
      const q = v();
      await store.upsert([rec(q, meta(tenant, brand), 'a1'), rec(v(), meta(tenant, brand), 'a2'), rec(q, meta(tenant, 'brand-b'), 'b1')]);
      expect(await store.deleteBrand(tenant, brand)).toBe(2);
      expect(await search(q)).toEqual([]);
      expect(ids(await store.search({ tenantId: tenant, brandId: 'brand-b', vector: q, k: 10 }))).toEqual(['b1']);
      expect(await store.deleteBrand(tenant, brand)).toBe(0);
      await store.upsert([rec(q, meta(tenant, brand), 'again')]);
      expect(ids(await search(q))).toEqual(['again']);
    });

    it('deletes vectors older than a time, for the tenant or one brand', async () => {
      const q = v();
      await store.upsert([
        rec(q, meta(tenant, brand, { createdAt: 100 }), 'old-a'), rec(q, meta(tenant, brand, { createdAt: 500 }), 'new-a'),
        rec(q, meta(tenant, 'brand-b', { createdAt: 100 }), 'old-b'), rec(q, meta(tenant, 'brand-b', { createdAt: 500 }), 'new-b'),
      ]);
      expect(await store.deleteOlderThan(tenant, 200, 'brand-b')).toBe(1);
      expect(ids(await search(q))).toEqual(['new-a', 'old-a']);
      expect(await store.deleteOlderThan(tenant, 500)).toBe(1);
      expect(ids(await search(q))).toEqual(['new-a']);
      expect(ids(await store.search({ tenantId: tenant, brandId: 'brand-b', vector: q, k: 10 }))).toEqual(['new-b']);
    });

    it('counts live vectors per tenant', async () => {
      const otherTenant = `t-${randomUUID()}`;
      await store.upsert([rec(v(), meta(tenant, brand), 's1'), rec(v(), meta(tenant, 'brand-b'), 's2'), rec(v(), meta(otherTenant, brand), 's3')]);
      expect(await store.stats(tenant)).toEqual({ vectors: 2, dimension: dim });
      await store.deleteByIds(tenant, ['s1']);
      expect((await store.stats(tenant)).vectors).toBe(1);
      expect((await store.stats(otherTenant)).vectors).toBe(1);
      expect((await store.stats()).vectors).toBeGreaterThanOrEqual(2);
    });
  });
}
