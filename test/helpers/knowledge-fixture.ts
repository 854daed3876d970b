import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { uuidv7 } from '../../src/domain/ids.js';
import type { KnowledgeIndexer } from '../../src/rag/knowledge/knowledge-indexer.js';
import type { ChunkSource } from '../../src/rag/vector-store/vector-store.port.js';

/** A document of the labelled fixture (test/fixtures/knowledge/corpus.json). */
export interface FixtureDoc {
  id: string;
  brand: string;
  campaign: string | null;
  taskType: string | null;
  source: ChunkSource;
  negative?: boolean;
  text: string;
}

/** A labelled query: the ids of the documents that answer it. */
export interface FixtureQuery {
  id: string;
  brand: string;
  campaign?: string;
  taskType?: string;
  query: string;
  relevant: string[];
}

export interface KnowledgeFixture {
  brands: Record<string, string>;
  campaigns: Record<string, string>;
  docs: FixtureDoc[];
  queries: FixtureQuery[];
}

/** The fixture as stored. */
export function loadKnowledgeFixture(): KnowledgeFixture {
  const file = path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/knowledge/corpus.json');
  return JSON.parse(readFileSync(file, 'utf8')) as KnowledgeFixture;
}

/** Ids of the fixture's brands and campaigns in one tenant (uuids, given or new). */
export interface FixtureIds {
  brands: Record<string, string>;
  campaigns: Record<string, string>;
}

/** New uuids for every brand and campaign key of the fixture. */
export function newFixtureIds(f: KnowledgeFixture): FixtureIds {
  return {
    brands: Object.fromEntries(Object.keys(f.brands).map((k) => [k, uuidv7()])),
    campaigns: Object.fromEntries(Object.keys(f.campaigns).map((k) => [k, uuidv7()])),
  };
}

/** A uuid derived from a name: fixed ids make rankings (ties are broken by id) the same on every run. */
export function namedUuid(name: string): string {
  const h = createHash('sha256').update(name).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Fixed uuids for every brand and campaign key of the fixture, derived from `seed`. */
export function fixedFixtureIds(f: KnowledgeFixture, seed: string): FixtureIds {
  return {
    brands: Object.fromEntries(Object.keys(f.brands).map((k) => [k, namedUuid(`${seed}:brand:${k}`)])),
    campaigns: Object.fromEntries(Object.keys(f.campaigns).map((k) => [k, namedUuid(`${seed}:campaign:${k}`)])),
  };
}

/**
 * Indexes every fixture document into `tenantId` through the real indexer (one source per
 * document, `fixture:<id>`); returns the chunk ids of each document and, by chunk id, the document.
 */
export async function indexKnowledgeFixture(indexer: KnowledgeIndexer, tenantId: string, f: KnowledgeFixture, ids: FixtureIds): Promise<{ chunksOf: Map<string, string[]>; docOf: Map<string, string> }> {
  const chunksOf = new Map<string, string[]>();
  const docOf = new Map<string, string>();
  for (const d of f.docs) {
    const res = await indexer.index({
      tenantId, brandId: ids.brands[d.brand] as string, campaignId: d.campaign ? (ids.campaigns[d.campaign] as string) : null,
      taskType: d.taskType, stage: d.source === 'artifact' ? 'copy' : null, source: d.source, sourceKey: `fixture:${d.id}`, sourceVersion: 1,
      runId: null, learningId: null, qualityScore: d.source === 'brand_rules' ? 1 : 0.85, negative: d.negative === true, format: 'text', text: d.text,
    });
    chunksOf.set(d.id, res.chunkIds);
    for (const c of res.chunkIds) docOf.set(c, d.id);
  }
  return { chunksOf, docOf };
}

/** recall@k of one query: the share of its relevant documents among the first k distinct documents returned. */
export function recallAt(k: number, returnedDocs: string[], relevant: string[]): number {
  const top = [...new Set(returnedDocs)].slice(0, k);
  return relevant.filter((r) => top.includes(r)).length / relevant.length;
}
