import { promises as fs } from 'node:fs';
import { endianness } from 'node:os';
import path from 'node:path';
import { Partition, type VectorStoreWarning } from './embedded/partition.js';
import { LOG_EXT, partitionPath, tenantDir, unsegment } from './embedded/partition-paths.js';
import { normalised, validateQuery, validateRecord } from './embedded/validation.js';
import type { StoredMetadata } from './embedded/vlog-codec.js';
import { readHeader } from './embedded/vlog-file.js';
import type { VectorHit, VectorQuery, VectorRecord, VectorStore, VectorStoreStats } from './vector-store.port.js';

export type { VectorStoreWarning } from './embedded/partition.js';

/** Options of {@link EmbeddedVectorStore}. */
export interface EmbeddedVectorStoreOptions {
  /** Root directory, e.g. `$DATA_DIR/vectors`; created on init. */
  dir: string;
  /** Vector length; a partition file of another dimension is refused with a clear error. */
  dimension: number;
  /** Most partitions kept in memory at once (least recently used ones are dropped). Default 256. */
  maxLoadedPartitions?: number;
  /** Told about recoveries (torn tail truncated) and compactions. */
  onWarning?: VectorStoreWarning;
}

/**
 * The embedded {@link VectorStore}: exact search over per-(tenant, brand) partitions persisted as
 * append-only logs, with no server. See src/rag/README.md, "Embedded vector store".
 *
 * - **Layout.** `<dir>/<tenant>/<brand>.vlog`: framed records (length, crc32, payload) of kind
 *   header, upsert (id, metadata, f32 vector) or delete (ids). In memory per partition: a contiguous
 *   Float32Array matrix grown by doubling, typed metadata columns, an id -> row map; deletes are
 *   tombstones. When dead records (deleted or superseded) outnumber live ones the file is compacted
 *   (temp file, fsync, rename) under the partition lock.
 * - **Durability.** `upsert` and the deletes resolve after the frames are appended (one write call,
 *   O_APPEND) and fdatasync'd. On load a torn or corrupt tail (a crash mid-write) is truncated, never
 *   fatal, and reported through `onWarning`.
 * - **Several processes** (web and workers) may share the directory. Before every search the file
 *   is stat'ed: a grown file has only its new frames read, a replaced one (compaction, brand
 *   deletion) is reloaded. Writers and compaction take the partition's lock file (`<file>.lock`,
 *   `wx`, stale after 30 s or when its process is gone).
 * - **Search** is exact within the partition: filters first, similarity = dot product of unit
 *   vectors (both sides normalised), plus the additive boosts, top-k by a bounded heap, ties by id.
 *   Isolation is structural: a query opens only its own tenant+brand file, whatever the filters.
 * - **Memory.** Partitions load lazily on first use; at most `maxLoadedPartitions` stay loaded.
 *
 * Filter semantics (shared with every adapter, pinned by test/helpers/vector-store.contract.ts):
 * a list filter that is absent or empty does not constrain; `createdAfter` and `createdBefore` are
 * strict; `minQualityScore` is inclusive; two boosts that both match a chunk both add. An id is
 * unique within its (tenant, brand) partition: an upsert replaces it there only.
 */
export class EmbeddedVectorStore implements VectorStore {
  readonly kind = 'embedded' as const;
  readonly dimension: number;
  private readonly dir: string;
  private readonly maxLoaded: number;
  private readonly onWarning: VectorStoreWarning | undefined;
  /** Loaded partitions by file, in least-recently-used order (Map keeps insertion order). */
  private readonly partitions = new Map<string, Partition>();
  private closed = false;
  private initialised = false;

  constructor(options: EmbeddedVectorStoreOptions) {
    if (!Number.isInteger(options.dimension) || options.dimension < 1 || options.dimension > 65_536) throw new RangeError(`EmbeddedVectorStore: dimension must be an integer in 1..65536, got ${options.dimension}`);
    if (!options.dir) throw new Error('EmbeddedVectorStore: dir is required');
    this.dir = path.resolve(options.dir);
    this.dimension = options.dimension;
    this.maxLoaded = Math.max(1, options.maxLoadedPartitions ?? 256);
    this.onWarning = options.onWarning;
  }

  async init(): Promise<void> {
    this.assertOpen();
    // The log stores vectors as raw f32 bytes in the platform's order; every mainstream platform is little-endian.
    if (endianness() !== 'LE') throw new Error('EmbeddedVectorStore needs a little-endian platform');
    await fs.mkdir(this.dir, { recursive: true });
    this.initialised = true;
  }

  async upsert(records: VectorRecord[]): Promise<void> {
    this.assertOpen();
    const groups = new Map<string, { tenantId: string; brandId: string; items: { id: string; metadata: StoredMetadata; vector: Float32Array }[] }>();
    records.forEach((r, i) => {
      validateRecord(r, i);
      const vector = normalised(r.vector, this.dimension, `upsert: record ${i} (${r.id})`);
      const { tenantId, brandId, ...metadata } = r.metadata;
      const key = partitionPath(this.dir, tenantId, brandId);
      const g = groups.get(key) ?? { tenantId, brandId, items: [] };
      g.items.push({ id: r.id, metadata, vector });
      groups.set(key, g);
    });
    await this.ensureInit();
    for (const g of groups.values()) await this.partition(g.tenantId, g.brandId).upsert(g.items);
  }

  async search(query: VectorQuery): Promise<VectorHit[]> {
    this.assertOpen();
    validateQuery(query);
    const q = normalised(query.vector, this.dimension, 'search');
    const p = this.partition(query.tenantId, query.brandId);
    const hits = await p.run(async () => {
      await p.refresh();
      return p.index.search(q, query.k, query.filter, query.boosts).map((h) => ({ ...h, metadata: p.index.metadataOf(h.row) }));
    });
    return hits.map((h) => ({
      id: h.id, score: h.score, similarity: h.similarity, boost: h.boost,
      metadata: { tenantId: query.tenantId, brandId: query.brandId, ...h.metadata },
    }));
  }

  async deleteByIds(tenantId: string, ids: string[], brandId?: string): Promise<number> {
    this.assertOpen();
    requireId(tenantId, 'tenantId');
    if (brandId !== undefined) requireId(brandId, 'brandId');
    if (ids.length === 0) return 0;
    // Without a brand every partition of the tenant is loaded and locked: callers that know the brand pass it.
    const brands = brandId !== undefined ? [brandId] : await this.brandsOf(tenantId);
    let removed = 0;
    for (const b of brands) removed += await this.partition(tenantId, b).delete(ids);
    return removed;
  }

  async deleteBrand(tenantId: string, brandId: string): Promise<number> {
    this.assertOpen();
    requireId(tenantId, 'tenantId');
    requireId(brandId, 'brandId');
    const p = this.partition(tenantId, brandId);
    const removed = await p.remove();
    this.partitions.delete(p.file);
    return removed;
  }

  async deleteOlderThan(tenantId: string, before: number, brandId?: string): Promise<number> {
    this.assertOpen();
    requireId(tenantId, 'tenantId');
    if (!Number.isFinite(before)) throw new Error('deleteOlderThan: before must be epoch milliseconds');
    const brands = brandId !== undefined ? [brandId] : await this.brandsOf(tenantId);
    let removed = 0;
    for (const b of brands) removed += await this.partition(tenantId, b).delete((index) => index.idsCreatedBefore(before));
    return removed;
  }

  async stats(tenantId?: string): Promise<VectorStoreStats> {
    this.assertOpen();
    const tenants = tenantId !== undefined ? [tenantId] : await this.tenants();
    let vectors = 0;
    for (const t of tenants) for (const b of await this.brandsOf(t)) vectors += await this.partition(t, b).countLive();
    return { vectors, dimension: this.dimension };
  }

  /** Compacts one partition now unless another process holds its lock (then false: skipped). */
  async compact(tenantId: string, brandId: string): Promise<boolean> {
    this.assertOpen();
    return this.partition(tenantId, brandId).tryCompact();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Let operations already queued on a partition finish before memory is dropped.
    await Promise.all([...this.partitions.values()].map((p) => p.run(async () => undefined)));
    this.partitions.clear();
  }

  /** The partition object of (tenant, brand), loaded lazily and kept in the LRU. */
  private partition(tenantId: string, brandId: string): Partition {
    const file = partitionPath(this.dir, tenantId, brandId);
    let p = this.partitions.get(file);
    if (p) {
      this.partitions.delete(file);
    } else {
      p = new Partition(file, tenantId, brandId, this.dimension, this.onWarning);
      while (this.partitions.size >= this.maxLoaded) {
        const oldest = this.partitions.keys().next().value as string;
        this.partitions.delete(oldest);
      }
    }
    this.partitions.set(file, p);
    return p;
  }

  /** Brand ids with a partition file for a tenant (read from the file header when the name is a hash). */
  private async brandsOf(tenantId: string): Promise<string[]> {
    const dir = tenantDir(this.dir, tenantId);
    const names = await fs.readdir(dir).catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? [] : Promise.reject(err)));
    const out: string[] = [];
    for (const name of names.sort()) {
      if (!name.endsWith(LOG_EXT)) continue;
      const brand = unsegment(name.slice(0, -LOG_EXT.length)) ?? (await readHeader(path.join(dir, name), this.dimension))?.brandId;
      if (brand !== undefined) out.push(brand);
    }
    return out;
  }

  /** Tenant ids with a directory (read from a partition header when the name is a hash). */
  private async tenants(): Promise<string[]> {
    const names = await fs.readdir(this.dir, { withFileTypes: true }).catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? [] : Promise.reject(err)));
    const out: string[] = [];
    for (const d of names) {
      if (!d.isDirectory()) continue;
      let tenant = unsegment(d.name);
      if (tenant === null) {
        const first = (await fs.readdir(path.join(this.dir, d.name))).find((n) => n.endsWith(LOG_EXT));
        tenant = first ? ((await readHeader(path.join(this.dir, d.name, first), this.dimension))?.tenantId ?? null) : null;
      }
      if (tenant !== null) out.push(tenant);
    }
    return out;
  }

  private async ensureInit(): Promise<void> {
    if (!this.initialised) await this.init();
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('EmbeddedVectorStore is closed');
  }
}

function requireId(v: unknown, name: string): void {
  if (typeof v !== 'string' || v.length === 0) throw new Error(`${name} must be a non-empty string`);
}
