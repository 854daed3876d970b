import type { Em } from '../../persistence/orm.js';
import { CHUNK_SOURCES, type ChunkSource } from '../vector-store/vector-store.port.js';

/** Learnings of a brand: how many reached retrieval and how many were kept out (below the threshold…). */
export interface LearningCounts {
  indexed: number;
  notIndexed: number;
}

/** Knowledge of one brand. */
export interface BrandKnowledgeStats {
  brandId: string;
  /** Every chunk, negatives included. */
  chunks: number;
  /** Chunks kept as negative examples (rejected drafts). */
  negativeChunks: number;
  /** Chunks per source. */
  sources: Record<ChunkSource, number>;
  learnings: LearningCounts;
}

/** Knowledge of a tenant, per brand (brands with chunks or learnings), with totals. */
export interface KnowledgeStats {
  brands: BrandKnowledgeStats[];
  totals: { chunks: number; negativeChunks: number; sources: Record<ChunkSource, number>; learnings: LearningCounts };
}

function emptySources(): Record<ChunkSource, number> {
  return Object.fromEntries(CHUNK_SOURCES.map((s) => [s, 0])) as Record<ChunkSource, number>;
}

/** Counts from `knowledge_chunk` and `learning` for one tenant (optionally one brand): two grouped scans. */
export async function knowledgeStats(em: Em, tenantId: string, brandId?: string): Promise<KnowledgeStats> {
  const brandCond = brandId ? 'and brand_id = ?' : '';
  const params = brandId ? [tenantId, brandId] : [tenantId];
  const [chunks, learnings] = await Promise.all([
    em.execute<Array<{ brand_id: string; source: string; n: string | number; neg: string | number }>>(
      `select brand_id, source, count(*) as n, count(*) filter (where negative) as neg
         from knowledge_chunk where tenant_id = ? ${brandCond} group by brand_id, source`,
      params,
    ),
    em.execute<Array<{ brand_id: string; indexed: string | number; not_indexed: string | number }>>(
      `select brand_id, count(*) filter (where indexed) as indexed, count(*) filter (where not indexed) as not_indexed
         from learning where tenant_id = ? ${brandCond} group by brand_id`,
      params,
    ),
  ]);
  const byBrand = new Map<string, BrandKnowledgeStats>();
  const entry = (id: string): BrandKnowledgeStats => {
    let e = byBrand.get(id);
    if (!e) {
      e = { brandId: id, chunks: 0, negativeChunks: 0, sources: emptySources(), learnings: { indexed: 0, notIndexed: 0 } };
      byBrand.set(id, e);
    }
    return e;
  };
  for (const r of chunks) {
    const e = entry(r.brand_id);
    e.chunks += Number(r.n);
    e.negativeChunks += Number(r.neg);
    if ((CHUNK_SOURCES as readonly string[]).includes(r.source)) e.sources[r.source as ChunkSource] += Number(r.n);
  }
  for (const r of learnings) {
    const e = entry(r.brand_id);
    e.learnings.indexed += Number(r.indexed);
    e.learnings.notIndexed += Number(r.not_indexed);
  }
  const brands = [...byBrand.values()].sort((a, b) => a.brandId.localeCompare(b.brandId));
  const totals = { chunks: 0, negativeChunks: 0, sources: emptySources(), learnings: { indexed: 0, notIndexed: 0 } };
  for (const b of brands) {
    totals.chunks += b.chunks;
    totals.negativeChunks += b.negativeChunks;
    for (const s of CHUNK_SOURCES) totals.sources[s] += b.sources[s];
    totals.learnings.indexed += b.learnings.indexed;
    totals.learnings.notIndexed += b.learnings.notIndexed;
  }
  return { brands, totals };
}
