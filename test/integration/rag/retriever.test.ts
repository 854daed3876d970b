import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPlatformError } from '../../../src/domain/errors.js';
import { createTenant } from '../../../src/persistence/repositories/tenant.repository.js';
import { LocalEmbedder } from '../../../src/rag/embeddings/local-embedder.js';
import { KnowledgeIndexer } from '../../../src/rag/knowledge/knowledge-indexer.js';
import { Retriever } from '../../../src/rag/retrieval/retriever.js';
import type { LlmReranker, SearchRequest } from '../../../src/rag/retrieval/retrieval-types.js';
import { EmbeddedVectorStore } from '../../../src/rag/vector-store/embedded-vector-store.js';
import type { VectorStore } from '../../../src/rag/vector-store/vector-store.port.js';
import { indexKnowledgeFixture, loadKnowledgeFixture, newFixtureIds, type FixtureIds } from '../../helpers/knowledge-fixture.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/test-db.js';

const fixture = loadKnowledgeFixture();
const embedder = new LocalEmbedder();
let db: TestDatabase;
let dir: string;
let store: EmbeddedVectorStore;
let retriever: Retriever;
let tenantId: string;
let ids: FixtureIds;
let docOf: Map<string, string>;
let chunksOf: Map<string, string[]>;

const docById = new Map(fixture.docs.map((d) => [d.id, d]));
const brand = (key: string) => ids.brands[key] as string;
const campaign = (key: string) => ids.campaigns[key] as string;
const docs = (res: { results: Array<{ chunkId: string }> }) => res.results.map((r) => docOf.get(r.chunkId) as string);

beforeAll(async () => {
  db = await createTestDatabase();
  dir = mkdtempSync(path.join(tmpdir(), 'vmp-retriever-'));
  store = new EmbeddedVectorStore({ dir, dimension: embedder.dimension });
  await store.init();
  tenantId = (await createTenant(db.orm.em.fork(), `retriever-${Date.now()}`, { type: 'system', id: null, role: 'admin' })).tenant.id;
  ids = newFixtureIds(fixture);
  ({ docOf, chunksOf } = await indexKnowledgeFixture(new KnowledgeIndexer({ orm: db.orm, embedder, store }), tenantId, fixture, ids));
  retriever = new Retriever({ orm: db.orm, embedder, store });
});
afterAll(async () => {
  await store?.close();
  await db?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function search(over: Partial<SearchRequest> = {}) {
  return retriever.search({ tenantId, brandId: brand('ac'), query: 'waterproof boots for muddy spring trails', k: 8, ...over });
}

describe('Retriever', () => {
  it('returns the brand\'s most relevant chunks with the score breakdown and provenance of record', async () => {
    const res = await search({ k: 5 });
    expect(res.results).toHaveLength(5);
    expect(docs(res).slice(0, 2).sort()).toEqual(['ac-03', 'ac-18']);
    const scores = res.results.map((r) => r.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    const top = res.results.find((r) => docOf.get(r.chunkId) === 'ac-03');
    expect(top?.text).toBe(docById.get('ac-03')?.text);
    expect(top?.provenance).toMatchObject({ source: 'artifact', sourceKey: 'fixture:ac-03', sourceVersion: 1, runId: null, campaignId: campaign('ac-st'), taskType: 'social_post', stage: 'copy', qualityScore: 0.85, negative: false });
    expect(top?.breakdown.vector).toBeGreaterThan(0);
    expect(top?.breakdown.lexical).toBeGreaterThan(0);
    expect(top?.breakdown.rerank).toBe(top?.score);
    expect(res).toMatchObject({ reranker: 'fusion', costUsd: 0, embeddingCostUsd: 0, embedder: 'local/hash-ngram-384' });
    expect(res.candidates.vector).toBeGreaterThan(0);
  });

  it('never returns negative examples unless asked, and then only negatives', async () => {
    const negatives = new Set(fixture.docs.filter((d) => d.negative).map((d) => d.id));
    for (const q of fixture.queries) {
      const res = await retriever.search({ tenantId, brandId: brand(q.brand), query: q.query, k: 50 });
      expect(docs(res).filter((d) => negatives.has(d))).toEqual([]);
    }
    const only = await search({ includeNegative: true, k: 50 });
    expect(docs(only)).toEqual(['ac-16']);
    expect(only.results[0]?.provenance.negative).toBe(true);
  });

  it('the campaign boost lifts the same campaign\'s chunks, and is reported in the breakdown', async () => {
    const plain = await search({ query: 'a warm jacket', k: 20 });
    const boosted = await search({ query: 'a warm jacket', k: 20, campaignId: campaign('ac-ws') });
    const wsDocs = fixture.docs.filter((d) => d.campaign === 'ac-ws').map((d) => d.id);
    const moves = wsDocs.filter((d) => docs(plain).includes(d) && docs(boosted).includes(d)).map((d) => docs(plain).indexOf(d) - docs(boosted).indexOf(d));
    expect(moves.length).toBeGreaterThan(1);
    expect(moves.every((m) => m >= 0)).toBe(true);
    expect(moves.some((m) => m > 0)).toBe(true);
    for (const r of boosted.results) expect(r.breakdown.boosts.campaign).toBe(r.provenance.campaignId === campaign('ac-ws') ? 0.12 : 0);
  });

  it('the task-type boost applies to chunks of that type only', async () => {
    const res = await search({ taskType: 'ad_copy', k: 20 });
    for (const r of res.results) expect(r.breakdown.boosts.taskType).toBe(r.provenance.taskType === 'ad_copy' ? 0.06 : 0);
  });

  it('finds similar campaigns from campaign history and boosts them (never the request\'s own campaign)', async () => {
    const res = await search({ query: 'which content did weekend hikers engage with most', campaignId: campaign('ac-tr'), k: 20 });
    expect(res.similarCampaigns.map((s) => s.campaignId)).toContain(campaign('ac-st'));
    expect(res.similarCampaigns.map((s) => s.campaignId)).not.toContain(campaign('ac-tr'));
    const similar = new Set(res.similarCampaigns.map((s) => s.campaignId));
    for (const r of res.results) {
      const expected = r.provenance.campaignId !== null && similar.has(r.provenance.campaignId) && r.provenance.campaignId !== campaign('ac-tr') ? 0.04 : 0;
      expect(r.breakdown.boosts.similarCampaign).toBe(expected);
    }
    const byTaskType = await search({ query: 'anything at all about gear', taskType: 'blog_article', campaignId: campaign('ac-st'), k: 5 });
    expect(byTaskType.similarCampaigns).toEqual(expect.arrayContaining([expect.objectContaining({ campaignId: campaign('ac-tr'), sharesTaskType: true })]));
  });

  it('applies every filter to both the vector and the lexical side', async () => {
    const check = async (filter: SearchRequest['filter'], ok: (id: string) => boolean) => {
      const res = await search({ filter, k: 50 });
      expect(res.results.length).toBeGreaterThan(0);
      for (const d of docs(res)) expect(ok(d), `${d} under ${JSON.stringify(filter)}`).toBe(true);
    };
    await check({ sources: ['feedback'] }, (d) => docById.get(d)?.source === 'feedback');
    await check({ campaignIds: [campaign('ac-ws'), campaign('ac-tr')] }, (d) => ['ac-ws', 'ac-tr'].includes(docById.get(d)?.campaign ?? ''));
    await check({ taskTypes: ['email'] }, (d) => docById.get(d)?.taskType === 'email');
    await check({ stages: ['copy'] }, (d) => docById.get(d)?.source === 'artifact');
    await check({ minQualityScore: 0.95 }, (d) => docById.get(d)?.source === 'brand_rules');
    expect((await search({ filter: { createdAfter: new Date(Date.now() + 60_000) } })).results).toEqual([]);
    expect((await search({ filter: { createdBefore: new Date(0) } })).results).toEqual([]);
  });

  it('drops vector hits whose chunk row is gone, and counts them', async () => {
    const victim = (chunksOf.get('ac-18') ?? [])[0] as string;
    const before = await search({ k: 5 });
    expect(before.results.map((r) => r.chunkId)).toContain(victim);
    const conn = db.orm.em.fork().getConnection();
    const [row] = await conn.execute<Array<Record<string, unknown>>>('select * from knowledge_chunk where id = ?', [victim]);
    await conn.execute('delete from knowledge_chunk where id = ?', [victim]);
    try {
      const after = await search({ k: 5 });
      expect(after.results.map((r) => r.chunkId)).not.toContain(victim);
      expect(after.candidates.droppedWithoutRow).toBe(1);
    } finally {
      const r = row as Record<string, unknown>;
      await conn.execute(`insert into knowledge_chunk (${Object.keys(r).join(', ')}) values (${Object.keys(r).map(() => '?').join(', ')})`, Object.values(r) as never[]);
    }
  });

  it('drops a hit of another brand or tenant even when the store returns one', async () => {
    const lying: VectorStore = Object.create(store) as VectorStore;
    lying.search = async (q) => {
      const own = await store.search(q);
      const foreign = await store.search({ ...q, brandId: brand('nw') });
      return [...foreign, ...own];
    };
    const res = await new Retriever({ orm: db.orm, embedder, store: lying }).search({ tenantId, brandId: brand('ac'), query: 'cold brew coffee subscription', k: 50 });
    for (const d of docs(res)) expect(docById.get(d)?.brand).toBe('ac');
  });

  it('blends an LLM reranker\'s judgement, and falls back to score fusion when it fails', async () => {
    const favour = (docId: string): LlmReranker => ({
      rerank: async (_q, passages) => ({ scores: new Map(passages.map((p) => [p.id, docOf.get(p.id) === docId ? 1 : 0])), label: 'llm:test:m', costUsd: 0.001 }),
    });
    const res = await search({ k: 5, llmReranker: favour('ac-22') });
    expect(docs(res)[0]).toBe('ac-22');
    expect(res).toMatchObject({ reranker: 'llm:test:m', costUsd: 0.001, embeddingCostUsd: 0 });
    expect(res.results[0]?.breakdown.llm).toBe(1);
    const failing: LlmReranker = { rerank: async () => { throw new Error('model down'); } };
    const fallback = await search({ k: 5, llmReranker: failing });
    expect(fallback.reranker).toBe('fusion');
    expect(docs(fallback)).toEqual(docs(await search({ k: 5 })));
  });

  it('meters the query embedding\'s cost', async () => {
    const priced = { name: 'priced', model: embedder.model, dimension: embedder.dimension, embed: async (t: string[], s?: AbortSignal) => ({ ...(await embedder.embed(t, s)), costUsd: 0.00002 }) };
    const res = await new Retriever({ orm: db.orm, embedder: priced, store }).search({ tenantId, brandId: brand('ac'), query: 'boots', k: 3 });
    expect(res).toMatchObject({ costUsd: 0.00002, embeddingCostUsd: 0.00002 });
  });

  it.each([
    ['an empty query', { query: '' }, 'query'],
    ['a blank query', { query: ' \n\t ' }, 'query'],
    ['an oversized query', { query: 'x'.repeat(2001) }, 'query'],
    ['k 0', { k: 0 }, 'k'],
    ['k 51', { k: 51 }, 'k'],
    ['a fractional k', { k: 2.5 }, 'k'],
    ['a brand that is not a uuid', { brandId: 'acme' }, 'brandId'],
    ['an unknown source filter', { filter: { sources: ['web' as never] } }, 'filter.sources'],
    ['a quality filter above 1', { filter: { minQualityScore: 2 } }, 'filter.minQualityScore'],
    ['an invalid date filter', { filter: { createdAfter: new Date('nope') } }, 'filter.createdAfter'],
    ['a negative weight', { weights: { vector: -1 } }, 'weights.vector'],
  ])('refuses %s with VALIDATION_FAILED naming the field', async (_name, over, field) => {
    const err = await search(over as Partial<SearchRequest>).catch((e: unknown) => e);
    expect(isPlatformError(err) && err.code).toBe('VALIDATION_FAILED');
    expect(JSON.stringify((err as { details?: unknown }).details)).toContain(field);
  });
});
