import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant } from '../../../src/persistence/repositories/tenant.repository.js';
import { LocalEmbedder } from '../../../src/rag/embeddings/local-embedder.js';
import { KnowledgeIndexer } from '../../../src/rag/knowledge/knowledge-indexer.js';
import { Retriever } from '../../../src/rag/retrieval/retriever.js';
import type { RetrievalFilter } from '../../../src/rag/retrieval/retrieval-types.js';
import { EmbeddedVectorStore } from '../../../src/rag/vector-store/embedded-vector-store.js';
import { indexKnowledgeFixture, loadKnowledgeFixture, newFixtureIds, type FixtureIds } from '../../helpers/knowledge-fixture.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/test-db.js';

const fixture = loadKnowledgeFixture();
const embedder = new LocalEmbedder();
let db: TestDatabase;
let dir: string;
let store: EmbeddedVectorStore;
let retriever: Retriever;
/** Two tenants holding the SAME documents (same texts, same source keys) under their own brand and campaign ids. */
const tenants: Array<{ id: string; ids: FixtureIds; docOf: Map<string, string> }> = [];
/** Every chunk id → [tenant, brand key]. */
const owner = new Map<string, [string, string]>();

beforeAll(async () => {
  db = await createTestDatabase();
  dir = mkdtempSync(path.join(tmpdir(), 'vmp-isolation-'));
  store = new EmbeddedVectorStore({ dir, dimension: embedder.dimension });
  await store.init();
  const indexer = new KnowledgeIndexer({ orm: db.orm, embedder, store });
  for (const name of ['iso-a', 'iso-b']) {
    const id = (await createTenant(db.orm.em.fork(), `${name}-${Date.now()}`, { type: 'system', id: null, role: 'admin' })).tenant.id;
    const ids = newFixtureIds(fixture);
    const { docOf } = await indexKnowledgeFixture(indexer, id, fixture, ids);
    for (const [chunk, doc] of docOf) owner.set(chunk, [id, fixture.docs.find((d) => d.id === doc)?.brand as string]);
    tenants.push({ id, ids, docOf });
  }
  retriever = new Retriever({ orm: db.orm, embedder, store });
});
afterAll(async () => {
  await store?.close();
  await db?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Filters to try for a brand: none, each source, own and foreign campaigns, task types, stages, quality, time. */
function filters(t: (typeof tenants)[number], other: (typeof tenants)[number], brandKey: string): Array<RetrievalFilter | undefined> {
  const own = Object.entries(fixture.campaigns).filter(([, b]) => b === brandKey).map(([c]) => t.ids.campaigns[c] as string);
  const foreignSameTenant = Object.entries(fixture.campaigns).filter(([, b]) => b !== brandKey).map(([c]) => t.ids.campaigns[c] as string);
  const foreignTenant = Object.values(other.ids.campaigns);
  return [
    undefined,
    { sources: ['artifact'] }, { sources: ['brand_rules'] }, { sources: ['feedback'] }, { sources: ['campaign_history'] },
    { campaignIds: own }, { campaignIds: foreignSameTenant }, { campaignIds: foreignTenant }, { campaignIds: [...own, ...foreignSameTenant, ...foreignTenant] },
    { taskTypes: ['social_post', 'email', 'ad_copy', 'blog_article'] }, { stages: ['copy'] }, { minQualityScore: 0.5 },
    { createdAfter: new Date(0), createdBefore: new Date(Date.now() + 3_600_000) },
  ];
}

describe('retrieval isolation: two tenants with the same documents, three brands each', () => {
  it('a search for one brand never returns another brand\'s or another tenant\'s chunk, under every filter, boost and polarity', async () => {
    let searches = 0;
    let returned = 0;
    for (const [ti, t] of tenants.entries()) {
      const other = tenants[1 - ti] as (typeof tenants)[number];
      for (const brandKey of Object.keys(fixture.brands)) {
        const queries = fixture.queries.filter((q) => q.brand !== brandKey).slice(0, 2).map((q) => q.query); // queries about OTHER brands
        queries.push(fixture.queries.find((q) => q.brand === brandKey)?.query as string);
        const campaigns = [
          undefined,
          t.ids.campaigns[Object.keys(fixture.campaigns).find((c) => fixture.campaigns[c] === brandKey) as string],
          t.ids.campaigns[Object.keys(fixture.campaigns).find((c) => fixture.campaigns[c] !== brandKey) as string], // a foreign campaign as boost
          Object.values(other.ids.campaigns)[0],
        ];
        for (const query of queries) {
          for (const filter of filters(t, other, brandKey)) {
            for (const campaignId of campaigns) {
              for (const includeNegative of [false, true]) {
                const res = await retriever.search({
                  tenantId: t.id, brandId: t.ids.brands[brandKey] as string, query, k: 50, includeNegative,
                  ...(filter ? { filter } : {}), ...(campaignId ? { campaignId } : {}), taskType: 'social_post',
                });
                searches++;
                for (const r of res.results) {
                  returned++;
                  expect(owner.get(r.chunkId), `chunk ${r.chunkId} for ${brandKey} in tenant ${ti}`).toEqual([t.id, brandKey]);
                  expect(r.provenance.negative).toBe(includeNegative);
                }
              }
            }
          }
        }
      }
    }
    // The loop did real work: many searches, most of them returning something to check.
    expect(searches).toBe(2 * 3 * 3 * 13 * 4 * 2);
    expect(returned).toBeGreaterThan(1000);
  });
});
