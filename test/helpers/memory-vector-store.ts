import type { ChunkMetadata, VectorFilter, VectorHit, VectorQuery, VectorRecord, VectorStore, VectorStoreStats } from '../../src/rag/vector-store/vector-store.port.js';

/**
 * An in-memory VectorStore for tests: exact inner-product search with the port's filter and boost
 * semantics, plus fault injection (`failNext`) and call recording, so tests can crash the indexer
 * between its vector write and its row insert, or check what was asked of the store.
 */
export class MemoryVectorStore implements VectorStore {
  readonly kind = 'embedded' as const;
  readonly records = new Map<string, VectorRecord>();
  readonly queries: VectorQuery[] = [];
  private failures: Array<{ op: 'upsert' | 'search' | 'delete'; error: Error }> = [];

  constructor(readonly dimension: number) {}

  /** The next call of `op` throws `error` (once). */
  failNext(op: 'upsert' | 'search' | 'delete', error = new Error(`injected ${op} failure`)): void {
    this.failures.push({ op, error });
  }

  private maybeFail(op: 'upsert' | 'search' | 'delete'): void {
    const i = this.failures.findIndex((f) => f.op === op);
    if (i >= 0) {
      const [f] = this.failures.splice(i, 1);
      throw f?.error;
    }
  }

  async init(): Promise<void> {}

  async upsert(records: VectorRecord[]): Promise<void> {
    this.maybeFail('upsert');
    for (const r of records) {
      if (r.vector.length !== this.dimension) throw new Error(`dimension ${r.vector.length} != ${this.dimension}`);
      this.records.set(r.id, { id: r.id, vector: Float32Array.from(r.vector), metadata: { ...r.metadata } });
    }
  }

  async search(q: VectorQuery): Promise<VectorHit[]> {
    this.maybeFail('search');
    this.queries.push(q);
    const hits: VectorHit[] = [];
    for (const r of this.records.values()) {
      const m = r.metadata;
      if (m.tenantId !== q.tenantId || m.brandId !== q.brandId || !matches(m, q.filter ?? {})) continue;
      let similarity = 0;
      for (let i = 0; i < r.vector.length; i++) similarity += (r.vector[i] ?? 0) * (q.vector[i] ?? 0);
      let boost = 0;
      const b = q.boosts ?? {};
      if (b.campaign && m.campaignId === b.campaign.id) boost += b.campaign.weight;
      if (b.taskType && m.taskType === b.taskType.value) boost += b.taskType.weight;
      if (b.similarCampaigns && m.campaignId !== null && b.similarCampaigns.ids.includes(m.campaignId)) boost += b.similarCampaigns.weight;
      hits.push({ id: r.id, score: similarity + boost, similarity, boost, metadata: { ...m } });
    }
    hits.sort((a, b) => b.score - a.score || a.id.localeCompare(b.id));
    return hits.slice(0, q.k);
  }

  async deleteByIds(tenantId: string, ids: string[]): Promise<number> {
    this.maybeFail('delete');
    let n = 0;
    for (const id of ids) {
      const r = this.records.get(id);
      if (r && r.metadata.tenantId === tenantId) {
        this.records.delete(id);
        n++;
      }
    }
    return n;
  }

  async deleteBrand(tenantId: string, brandId: string): Promise<number> {
    this.maybeFail('delete');
    return this.deleteWhere((m) => m.tenantId === tenantId && m.brandId === brandId);
  }

  async deleteOlderThan(tenantId: string, before: number, brandId?: string): Promise<number> {
    this.maybeFail('delete');
    return this.deleteWhere((m) => m.tenantId === tenantId && m.createdAt < before && (brandId === undefined || m.brandId === brandId));
  }

  async stats(tenantId?: string): Promise<VectorStoreStats> {
    let vectors = 0;
    for (const r of this.records.values()) if (tenantId === undefined || r.metadata.tenantId === tenantId) vectors++;
    return { vectors, dimension: this.dimension };
  }

  async close(): Promise<void> {}

  private deleteWhere(pred: (m: ChunkMetadata) => boolean): number {
    let n = 0;
    for (const [id, r] of this.records) {
      if (pred(r.metadata)) {
        this.records.delete(id);
        n++;
      }
    }
    return n;
  }
}

function matches(m: ChunkMetadata, f: VectorFilter): boolean {
  if (m.negative !== (f.negative ?? false)) return false;
  if (f.campaignIds && (m.campaignId === null || !f.campaignIds.includes(m.campaignId))) return false;
  if (f.taskTypes && (m.taskType === null || !f.taskTypes.includes(m.taskType))) return false;
  if (f.stages && (m.stage === null || !f.stages.includes(m.stage))) return false;
  if (f.sources && !f.sources.includes(m.source)) return false;
  if (f.minQualityScore !== undefined && m.qualityScore < f.minQualityScore) return false;
  if (f.createdAfter !== undefined && m.createdAt <= f.createdAfter) return false;
  if (f.createdBefore !== undefined && m.createdAt >= f.createdBefore) return false;
  return true;
}
