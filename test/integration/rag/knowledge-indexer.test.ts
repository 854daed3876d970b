import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { uuidv7 } from '../../../src/domain/ids.js';
import { createTenant } from '../../../src/persistence/repositories/tenant.repository.js';
import { LocalEmbedder } from '../../../src/rag/embeddings/local-embedder.js';
import { chunkId } from '../../../src/rag/knowledge/chunk-id.js';
import { KnowledgeIndexer, type IndexDocument } from '../../../src/rag/knowledge/knowledge-indexer.js';
import { EmbeddedVectorStore } from '../../../src/rag/vector-store/embedded-vector-store.js';
import { MemoryVectorStore } from '../../helpers/memory-vector-store.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/test-db.js';

let db: TestDatabase;
let tenantA: string;
let tenantB: string;
const brand1 = uuidv7();
const brand2 = uuidv7();
const embedder = new LocalEmbedder({ dimension: 64 });
let store: MemoryVectorStore;
let indexer: KnowledgeIndexer;

const SYSTEM = { type: 'system' as const, id: null, role: 'admin' as const };
const LONG = Array.from({ length: 12 }, (_, i) => `## Section ${i}\n\nParagraph ${i} about trail shoes, waterproof membranes and grippy soles for wet rock number ${i}.`).join('\n\n');

function doc(over: Partial<IndexDocument> = {}): IndexDocument {
  return {
    tenantId: tenantA, brandId: brand1, campaignId: null, taskType: 'social_post', stage: 'copy', source: 'artifact',
    sourceKey: 'artifact:one:v1', sourceVersion: 1, runId: null, learningId: null, qualityScore: 0.9, negative: false,
    format: 'markdown', text: LONG, ...over,
  };
}

async function rows(tenantId: string): Promise<Array<{ id: string; source_key: string; chunk_index: number; text: string; quality_score: number; created_at: string }>> {
  return db.orm.em.fork().getConnection().execute(`select id, source_key, chunk_index, text, quality_score, created_at from knowledge_chunk where tenant_id = ? order by source_key, chunk_index`, [tenantId]);
}

beforeAll(async () => {
  db = await createTestDatabase();
  tenantA = (await createTenant(db.orm.em.fork(), `idx-a-${Date.now()}`, SYSTEM)).tenant.id;
  tenantB = (await createTenant(db.orm.em.fork(), `idx-b-${Date.now()}`, SYSTEM)).tenant.id;
});
afterAll(async () => {
  await db?.close();
});
beforeEach(async () => {
  await db.orm.em.fork().getConnection().execute('delete from knowledge_chunk');
  store = new MemoryVectorStore(embedder.dimension);
  indexer = new KnowledgeIndexer({ orm: db.orm, embedder, store, chunking: { maxChars: 200, overlapChars: 20 } });
});

describe('KnowledgeIndexer.index', () => {
  it('writes one row and one vector per chunk, with deterministic ids and the provenance of record', async () => {
    const res = await indexer.index(doc());
    expect(res.chunkIds.length).toBeGreaterThan(5);
    expect(res.created).toBe(res.chunkIds.length);
    expect(res.costUsd).toBe(0);
    const stored = await rows(tenantA);
    expect(stored.map((r) => r.id)).toEqual(res.chunkIds);
    expect(stored.map((r) => r.id)).toEqual(stored.map((r) => chunkId(tenantA, 'artifact:one:v1', r.chunk_index)));
    expect(res.chunkIds.every((id) => /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(id))).toBe(true);
    expect([...store.records.keys()].sort()).toEqual([...res.chunkIds].sort());
    const rec = store.records.get(res.chunkIds[0] as string);
    expect(rec?.metadata).toMatchObject({ tenantId: tenantA, brandId: brand1, taskType: 'social_post', stage: 'copy', source: 'artifact', qualityScore: 0.9, negative: false });
    expect(rec?.metadata.createdAt).toBe(new Date(stored[0]?.created_at ?? 0).getTime());
    const full = await db.orm.em.fork().getConnection().execute<Array<{ heading: string; embedder: string; content_hash: string }>>(
      'select heading, embedder, content_hash from knowledge_chunk where id = ?', [res.chunkIds[0]]);
    expect(full[0]).toMatchObject({ heading: 'Section 0', embedder: 'local/hash-ngram-64' });
    expect(full[0]?.content_hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('re-indexing the same source creates nothing and embeds nothing', async () => {
    const first = await indexer.index(doc());
    let embedded = 0;
    const counting = new KnowledgeIndexer({
      orm: db.orm, store, chunking: { maxChars: 200, overlapChars: 20 },
      embedder: { name: embedder.name, model: embedder.model, dimension: embedder.dimension, embed: (t, s) => { embedded += t.length; return embedder.embed(t, s); } },
    });
    const again = await counting.index(doc());
    expect(again).toEqual({ chunkIds: first.chunkIds, created: 0, costUsd: 0 });
    expect(embedded).toBe(0);
    expect((await rows(tenantA)).length).toBe(first.chunkIds.length);
  });

  it('a crash between the vector write and the row insert leaves no row, and re-running repairs it', async () => {
    const partial = await indexer.index(doc({ sourceKey: 'artifact:crash:v1' }));
    // Simulate the crash: the vectors are there, the rows never committed.
    await db.orm.em.fork().getConnection().execute('delete from knowledge_chunk where source_key = ?', ['artifact:crash:v1']);
    expect(store.records.size).toBe(partial.chunkIds.length);
    const repaired = await indexer.index(doc({ sourceKey: 'artifact:crash:v1' }));
    expect(repaired.chunkIds).toEqual(partial.chunkIds);
    expect(repaired.created).toBe(partial.chunkIds.length);
    expect(store.records.size).toBe(partial.chunkIds.length);
    expect((await rows(tenantA)).length).toBe(partial.chunkIds.length);
  });

  it('a failing vector write writes no row', async () => {
    store.failNext('upsert');
    await expect(indexer.index(doc())).rejects.toThrow('injected upsert failure');
    expect(await rows(tenantA)).toEqual([]);
  });

  it('a changed source re-embeds changed chunks, updates their rows and removes chunks past the new end', async () => {
    const first = await indexer.index(doc());
    const shorter = LONG.split('\n\n').slice(0, 4).join('\n\n').replace('Paragraph 1 ', 'Paragraph one ');
    const second = await indexer.index(doc({ text: shorter, qualityScore: 0.8 }));
    expect(second.chunkIds).toEqual(first.chunkIds.slice(0, second.chunkIds.length));
    expect(second.created).toBe(0);
    const stored = await rows(tenantA);
    expect(stored.map((r) => r.id)).toEqual(second.chunkIds);
    expect(stored.some((r) => r.text.includes('Paragraph one'))).toBe(true);
    expect(stored.every((r) => r.quality_score === 0.8)).toBe(true);
    expect([...store.records.keys()].sort()).toEqual([...second.chunkIds].sort());
    expect([...store.records.values()].every((r) => r.metadata.qualityScore === 0.8)).toBe(true);
  });

  it('removes stale and moved vectors from the brand partition they live in, and visits no other brand', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'vmp-indexer-'));
    const embedded = new EmbeddedVectorStore({ dir, dimension: embedder.dimension });
    const deletions: Array<[string, number, string | undefined]> = [];
    const deleteByIds = embedded.deleteByIds.bind(embedded);
    embedded.deleteByIds = (tenantId, ids, brandId) => {
      deletions.push([tenantId, ids.length, brandId]);
      return deleteByIds(tenantId, ids, brandId);
    };
    const own = new KnowledgeIndexer({ orm: db.orm, embedder, store: embedded, chunking: { maxChars: 200, overlapChars: 20 } });
    const probe = new Float32Array(embedder.dimension).fill(1);
    const idsIn = async (brandId: string) => (await embedded.search({ tenantId: tenantA, brandId, vector: probe, k: 1000 })).map((h) => h.id).sort();
    try {
      const first = await own.index(doc());
      await own.index(doc({ brandId: brand2, sourceKey: 'artifact:two:v1' }));
      const brand2Ids = await idsIn(brand2);

      const shorter = await own.index(doc({ text: LONG.split('\n\n').slice(0, 4).join('\n\n') }));
      expect(deletions).toEqual([[tenantA, first.chunkIds.length - shorter.chunkIds.length, brand1]]);
      expect(await idsIn(brand1)).toEqual([...shorter.chunkIds].sort());

      // The same source indexed under another brand: its vectors leave the first brand's partition.
      await own.index(doc({ brandId: brand2, text: LONG.split('\n\n').slice(0, 4).join('\n\n') }));
      expect(await idsIn(brand1)).toEqual([]);
      expect(await idsIn(brand2)).toEqual([...brand2Ids, ...shorter.chunkIds].sort());
    } finally {
      await embedded.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('the same source key in two tenants gives two sets of ids', async () => {
    const a = await indexer.index(doc());
    const b = await indexer.index(doc({ tenantId: tenantB }));
    expect(b.created).toBe(b.chunkIds.length);
    expect(a.chunkIds.some((id) => b.chunkIds.includes(id))).toBe(false);
  });

  it('blank text indexes nothing; invalid documents are refused before anything is written', async () => {
    expect(await indexer.index(doc({ text: '  \n ' }))).toEqual({ chunkIds: [], created: 0, costUsd: 0 });
    await expect(indexer.index(doc({ brandId: 'nope' }))).rejects.toThrow('brandId must be a uuid');
    await expect(indexer.index(doc({ qualityScore: 1.5 }))).rejects.toThrow('qualityScore');
    await expect(indexer.index(doc({ source: 'web' as never }))).rejects.toThrow('source must be one of');
    expect(await rows(tenantA)).toEqual([]);
    expect(store.records.size).toBe(0);
  });

  it('meters the embedding cost the embedder reports', async () => {
    const priced = new KnowledgeIndexer({
      orm: db.orm, store, batchSize: 2, chunking: { maxChars: 200, overlapChars: 20 },
      embedder: { name: 'priced', model: 'm', dimension: embedder.dimension, embed: async (t, s) => ({ ...(await embedder.embed(t, s)), costUsd: 0.001 * t.length }) },
    });
    const res = await priced.index(doc());
    expect(res.costUsd).toBeCloseTo(0.001 * res.chunkIds.length, 9);
  });
});

describe('KnowledgeIndexer deletions and stats', () => {
  async function seed() {
    await indexer.index(doc({ sourceKey: 'a1', text: 'Brand one first text about coffee.' }));
    await indexer.index(doc({ sourceKey: 'a2', text: 'Brand one second text about tea.', source: 'feedback' }));
    await indexer.index(doc({ sourceKey: 'b1', brandId: brand2, text: 'Brand two text about bikes.', negative: true }));
    await indexer.index(doc({ sourceKey: 'a1', tenantId: tenantB, text: 'Other tenant text.' }));
  }

  it('deleteBySourceKeys removes rows then vectors of those sources in that tenant only', async () => {
    await seed();
    expect(await indexer.deleteBySourceKeys(tenantA, ['a1', 'missing'])).toEqual({ chunks: 1, vectors: 1 });
    expect((await rows(tenantA)).map((r) => r.source_key)).toEqual(['a2', 'b1']);
    expect((await rows(tenantB)).length).toBe(1);
    expect(store.records.size).toBe(3);
    expect(await indexer.deleteBySourceKeys(tenantA, [])).toEqual({ chunks: 0, vectors: 0 });
  });

  it('deleteBrand removes the brand in that tenant, orphan vectors included', async () => {
    await seed();
    // An orphan: a vector whose row insert never happened.
    await store.upsert([{ id: uuidv7(), vector: (await embedder.embed(['x'])).vectors[0] as Float32Array, metadata: { tenantId: tenantA, brandId: brand1, campaignId: null, taskType: null, stage: null, qualityScore: 1, source: 'artifact', sourceVersion: 1, negative: false, createdAt: Date.now() } }]);
    expect(await indexer.deleteBrand(tenantA, brand1)).toEqual({ chunks: 2, vectors: 3 });
    expect((await rows(tenantA)).map((r) => r.source_key)).toEqual(['b1']);
    expect((await rows(tenantB)).length).toBe(1);
  });

  it('deleteOlderThan removes what was created before the time, optionally in one brand', async () => {
    await seed();
    const cut = new Date(Date.now() + 60_000);
    expect(await indexer.deleteOlderThan(tenantA, cut, brand2)).toEqual({ chunks: 1, vectors: 1 });
    expect(await indexer.deleteOlderThan(tenantA, new Date(0))).toEqual({ chunks: 0, vectors: 0 });
    expect(await indexer.deleteOlderThan(tenantA, cut)).toEqual({ chunks: 2, vectors: 2 });
    expect((await rows(tenantB)).length).toBe(1);
  });

  it('a failed vector deletion leaves the rows deleted (retrieval drops the orphans) and a retry cleans the vectors', async () => {
    await seed();
    store.failNext('delete');
    await expect(indexer.deleteBrand(tenantA, brand2)).rejects.toThrow('injected delete failure');
    expect((await rows(tenantA)).map((r) => r.source_key)).toEqual(['a1', 'a2']);
    expect(await indexer.deleteBrand(tenantA, brand2)).toEqual({ chunks: 0, vectors: 1 });
  });

  it('stats count chunks per brand and source, negatives, and learnings indexed or not, per tenant', async () => {
    await seed();
    const conn = db.orm.em.fork().getConnection();
    for (const [indexed, key] of [[true, 'l1'], [false, 'l2'], [false, 'l3']] as const) {
      await conn.execute(
        `insert into learning (id, tenant_id, brand_id, run_id, kind, source_key, quality_score, threshold, indexed, reason, signals, created_at)
         values (?, ?, ?, ?, 'approved_artifact', ?, 0.8, 0.7, ?, 'test', '{}', now())`, [uuidv7(), tenantA, brand1, uuidv7(), key, indexed]);
    }
    const stats = await indexer.stats(tenantA);
    const b1 = stats.brands.find((b) => b.brandId === brand1);
    const b2 = stats.brands.find((b) => b.brandId === brand2);
    expect(b1).toMatchObject({ chunks: 2, negativeChunks: 0, sources: { artifact: 1, feedback: 1, brand_rules: 0, campaign_history: 0 }, learnings: { indexed: 1, notIndexed: 2 } });
    expect(b2).toMatchObject({ chunks: 1, negativeChunks: 1, learnings: { indexed: 0, notIndexed: 0 } });
    expect(stats.totals).toMatchObject({ chunks: 3, negativeChunks: 1, learnings: { indexed: 1, notIndexed: 2 } });
    expect((await indexer.stats(tenantA, brand2)).brands.map((b) => b.brandId)).toEqual([brand2]);
    expect((await indexer.stats(tenantB)).totals.chunks).toBe(1);
    await conn.execute('delete from learning');
  });
});
