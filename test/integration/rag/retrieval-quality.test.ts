import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalEmbedder } from '../../../src/rag/embeddings/local-embedder.js';
import { KnowledgeIndexer } from '../../../src/rag/knowledge/knowledge-indexer.js';
import { Retriever } from '../../../src/rag/retrieval/retriever.js';
import type { RetrievalWeights } from '../../../src/rag/retrieval/retrieval-types.js';
import { EmbeddedVectorStore } from '../../../src/rag/vector-store/embedded-vector-store.js';
import { fixedFixtureIds, indexKnowledgeFixture, loadKnowledgeFixture, namedUuid, recallAt, type FixtureIds } from '../../helpers/knowledge-fixture.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/test-db.js';

const fixture = loadKnowledgeFixture();
const embedder = new LocalEmbedder();
// Fixed ids: chunk ids derive from them, and ties are broken by chunk id, so every run ranks alike.
const tenantId = namedUuid('quality:tenant');
const ids: FixtureIds = fixedFixtureIds(fixture, 'quality');
let db: TestDatabase;
let docOf: Map<string, string>;
let retriever: Retriever;
let dir: string;
let store: EmbeddedVectorStore;

beforeAll(async () => {
  db = await createTestDatabase();
  await db.orm.em.fork().getConnection().execute('insert into tenant (id, name, created_at) values (?, ?, now())', [tenantId, 'quality']);
  dir = mkdtempSync(path.join(tmpdir(), 'vmp-quality-'));
  store = new EmbeddedVectorStore({ dir, dimension: embedder.dimension });
  await store.init();
  const indexer = new KnowledgeIndexer({ orm: db.orm, embedder, store });
  ({ docOf } = await indexKnowledgeFixture(indexer, tenantId, fixture, ids));
  retriever = new Retriever({ orm: db.orm, embedder, store });
});
afterAll(async () => {
  await store?.close();
  await db?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function evaluate(weights: Partial<RetrievalWeights>): Promise<{ recall5: number; mrr: number; perQuery: Record<string, number> }> {
  const perQuery: Record<string, number> = {};
  let mrr = 0;
  for (const q of fixture.queries) {
    const res = await retriever.search({
      tenantId, brandId: ids.brands[q.brand] as string, query: q.query, k: 5, weights,
      ...(q.campaign ? { campaignId: ids.campaigns[q.campaign] as string } : {}), ...(q.taskType ? { taskType: q.taskType } : {}),
    });
    const docs = res.results.map((r) => docOf.get(r.chunkId) as string);
    perQuery[q.id] = recallAt(5, docs, q.relevant);
    const first = docs.findIndex((d) => q.relevant.includes(d));
    mrr += first < 0 ? 0 : 1 / (first + 1);
  }
  const values = Object.values(perQuery);
  return { recall5: values.reduce((a, b) => a + b, 0) / values.length, mrr: mrr / fixture.queries.length, perQuery };
}

describe('retrieval quality on the labelled fixture (72 documents, 3 brands, 8 campaigns, 25 queries)', () => {
  it('hybrid scoring reaches its recall@5 floor and beats vector-only on the same fixture', async () => {
    const hybrid = await evaluate({});
    const vectorOnly = await evaluate({ lexical: 0, rrf: 0 });
    const lexicalOnly = await evaluate({ vector: 0, rrf: 0 });
    const fmt = (r: { recall5: number; mrr: number }) => `recall@5=${r.recall5.toFixed(3)} MRR=${r.mrr.toFixed(3)}`;
    console.log(`hybrid ${fmt(hybrid)} | vector-only ${fmt(vectorOnly)} | lexical-only ${fmt(lexicalOnly)}`);
    console.log('recall@5 per query (hybrid/vector-only):', Object.keys(hybrid.perQuery).map((q) => `${q}=${hybrid.perQuery[q]?.toFixed(2)}/${vectorOnly.perQuery[q]?.toFixed(2)}`).join(' '));
    // Measured with the local embedder: hybrid 0.933, vector-only 0.867, lexical-only 0.913-0.933
    // (before the ids were fixed, over several runs). The floor is one fully missed query below what
    // hybrid achieves (one query weighs 0.04): a regression of the ranking fails, a tie moving does not.
    expect(hybrid.recall5).toBeGreaterThanOrEqual(0.89);
    // Hybrid must add to the vector side: at least one query's worth of recall on this fixture.
    expect(hybrid.recall5).toBeGreaterThanOrEqual(vectorOnly.recall5 + 0.04);
    expect(hybrid.mrr).toBeGreaterThan(vectorOnly.mrr);
  });
});
