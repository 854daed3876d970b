import { CHUNK_SOURCES, type VectorBoosts, type VectorFilter } from '../vector-store.port.js';
import type { StoredMetadata } from './vlog-codec.js';
import { TopK } from './top-k.js';

/** Interns strings to small integer codes so filters and boosts compare integers, not strings. */
class Dictionary {
  private readonly codes = new Map<string, number>();
  readonly values: string[] = [];
  code(value: string | null): number {
    if (value === null) return -1;
    let c = this.codes.get(value);
    if (c === undefined) {
      c = this.values.length;
      this.codes.set(value, c);
      this.values.push(value);
    }
    return c;
  }
  find(value: string): number | undefined {
    return this.codes.get(value);
  }
  valueOf(code: number): string | null {
    return code < 0 ? null : (this.values[code] as string);
  }
  /** A membership mask over codes for a list of values (unknown values simply match nothing). */
  mask(values: readonly string[]): Uint8Array {
    const m = new Uint8Array(this.values.length);
    for (const v of values) {
      const c = this.codes.get(v);
      if (c !== undefined) m[c] = 1;
    }
    return m;
  }
}

/** A ranked row of a partition. */
export interface RowHit {
  id: string;
  row: number;
  score: number;
  similarity: number;
  boost: number;
}

/**
 * The in-memory index of one (tenant, brand) partition: a contiguous row-major Float32Array matrix
 * (grown by doubling), parallel typed arrays for the metadata (strings interned), an id -> row map
 * and tombstones. An upsert of a known id overwrites its row in place; a delete marks the row dead
 * (the space is reclaimed when the partition is rebuilt, e.g. after compaction). Search is exact.
 */
export class PartitionIndex {
  private capacity = 0;
  /** Rows used (live and dead). */
  size = 0;
  private matrix = new Float32Array(0);
  private ids: string[] = [];
  private alive = new Uint8Array(0);
  private campaign = new Int32Array(0);
  private taskType = new Int32Array(0);
  private stage = new Int32Array(0);
  private source = new Uint8Array(0);
  private negative = new Uint8Array(0);
  private quality = new Float64Array(0);
  private sourceVersion = new Float64Array(0);
  private createdAt = new Float64Array(0);
  private readonly idToRow = new Map<string, number>();
  private readonly campaigns = new Dictionary();
  private readonly taskTypes = new Dictionary();
  private readonly stages = new Dictionary();

  constructor(readonly dimension: number) {}

  /** Live vectors. */
  get live(): number {
    return this.idToRow.size;
  }

  has(id: string): boolean {
    return this.idToRow.has(id);
  }

  /** Inserts or overwrites `id`; the vector is copied from `src` (f32 values, or raw LE bytes at `byteOffset`). */
  upsert(id: string, m: StoredMetadata, src: Float32Array | { buffer: Buffer; byteOffset: number }): void {
    let row = this.idToRow.get(id);
    if (row === undefined) {
      if (this.size === this.capacity) this.grow();
      row = this.size++;
      this.idToRow.set(id, row);
      this.ids[row] = id;
    }
    const dim = this.dimension;
    if (src instanceof Float32Array) this.matrix.set(src, row * dim);
    else new Uint8Array(this.matrix.buffer, row * dim * 4, dim * 4).set(src.buffer.subarray(src.byteOffset, src.byteOffset + dim * 4));
    this.alive[row] = 1;
    this.campaign[row] = this.campaigns.code(m.campaignId);
    this.taskType[row] = this.taskTypes.code(m.taskType);
    this.stage[row] = this.stages.code(m.stage);
    this.source[row] = CHUNK_SOURCES.indexOf(m.source);
    this.negative[row] = m.negative ? 1 : 0;
    this.quality[row] = m.qualityScore;
    this.sourceVersion[row] = m.sourceVersion;
    this.createdAt[row] = m.createdAt;
  }

  /** Tombstones `id`; false when it was not live. */
  delete(id: string): boolean {
    const row = this.idToRow.get(id);
    if (row === undefined) return false;
    this.idToRow.delete(id);
    this.alive[row] = 0;
    return true;
  }

  /** Live ids created strictly before `before` (epoch ms). */
  idsCreatedBefore(before: number): string[] {
    const out: string[] = [];
    for (const [id, row] of this.idToRow) if ((this.createdAt[row] as number) < before) out.push(id);
    return out;
  }

  /** Every live row as (id, metadata, vector view), in row order (compaction rewrites from this). */
  *liveRecords(): Generator<{ id: string; metadata: StoredMetadata; vector: Float32Array }> {
    for (let row = 0; row < this.size; row++) {
      if (this.alive[row]) yield { id: this.ids[row] as string, metadata: this.metadataOf(row), vector: this.matrix.subarray(row * this.dimension, (row + 1) * this.dimension) };
    }
  }

  metadataOf(row: number): StoredMetadata {
    return {
      campaignId: this.campaigns.valueOf(this.campaign[row] as number),
      taskType: this.taskTypes.valueOf(this.taskType[row] as number),
      stage: this.stages.valueOf(this.stage[row] as number),
      qualityScore: this.quality[row] as number,
      source: CHUNK_SOURCES[this.source[row] as number] as StoredMetadata['source'],
      sourceVersion: this.sourceVersion[row] as number,
      negative: this.negative[row] === 1,
      createdAt: this.createdAt[row] as number,
    };
  }

  /**
   * Exact top-k: rows passing `filter` ranked by `dot(query, row) + boosts`, best first, ties by id.
   * `query` must be L2-normalised (rows are), so the dot product is the cosine similarity.
   */
  search(query: Float32Array, k: number, filter: VectorFilter = {}, boosts: VectorBoosts = {}): RowHit[] {
    const dim = this.dimension;
    const m = this.matrix;
    const wantNegative = filter.negative === true ? 1 : 0;
    const campaignMask = nonEmpty(filter.campaignIds) ? this.campaigns.mask(filter.campaignIds) : null;
    const taskMask = nonEmpty(filter.taskTypes) ? this.taskTypes.mask(filter.taskTypes) : null;
    const stageMask = nonEmpty(filter.stages) ? this.stages.mask(filter.stages) : null;
    let sourceMask: Uint8Array | null = null;
    if (nonEmpty(filter.sources)) {
      sourceMask = new Uint8Array(CHUNK_SOURCES.length);
      for (const s of filter.sources) {
        const i = CHUNK_SOURCES.indexOf(s);
        if (i >= 0) sourceMask[i] = 1;
      }
    }
    const minQuality = filter.minQualityScore ?? Number.NEGATIVE_INFINITY;
    const after = filter.createdAfter ?? Number.NEGATIVE_INFINITY;
    const before = filter.createdBefore ?? Number.POSITIVE_INFINITY;
    // Boosts as codes (-2: matches no row).
    const boostCampaign = boosts.campaign ? (this.campaigns.find(boosts.campaign.id) ?? -2) : -2;
    const boostCampaignW = boosts.campaign?.weight ?? 0;
    const boostTask = boosts.taskType ? (this.taskTypes.find(boosts.taskType.value) ?? -2) : -2;
    const boostTaskW = boosts.taskType?.weight ?? 0;
    const similarMask = boosts.similarCampaigns && boosts.similarCampaigns.ids.length > 0 ? this.campaigns.mask(boosts.similarCampaigns.ids) : null;
    const similarW = boosts.similarCampaigns?.weight ?? 0;

    const top = new TopK(k);
    const idOf = (row: number) => this.ids[row] as string;
    const parts = new Map<number, { similarity: number; boost: number }>();
    for (let row = 0; row < this.size; row++) {
      if (this.alive[row] === 0 || this.negative[row] !== wantNegative) continue;
      const c = this.campaign[row] as number;
      if (campaignMask && (c < 0 || campaignMask[c] !== 1)) continue;
      if (taskMask) {
        const t = this.taskType[row] as number;
        if (t < 0 || taskMask[t] !== 1) continue;
      }
      if (stageMask) {
        const s = this.stage[row] as number;
        if (s < 0 || stageMask[s] !== 1) continue;
      }
      if (sourceMask && sourceMask[this.source[row] as number] !== 1) continue;
      if ((this.quality[row] as number) < minQuality) continue;
      const created = this.createdAt[row] as number;
      if (created <= after || created >= before) continue;

      let boost = 0;
      if (c === boostCampaign) boost += boostCampaignW;
      if (similarMask && c >= 0 && similarMask[c] === 1) boost += similarW;
      if ((this.taskType[row] as number) === boostTask) boost += boostTaskW;

      const base = row * dim;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let j = 0;
      for (; j + 3 < dim; j += 4) {
        s0 += (m[base + j] as number) * (query[j] as number);
        s1 += (m[base + j + 1] as number) * (query[j + 1] as number);
        s2 += (m[base + j + 2] as number) * (query[j + 2] as number);
        s3 += (m[base + j + 3] as number) * (query[j + 3] as number);
      }
      for (; j < dim; j++) s0 += (m[base + j] as number) * (query[j] as number);
      const similarity = s0 + s1 + s2 + s3;
      const score = similarity + boost;
      if (score < top.threshold) continue;
      parts.set(row, { similarity, boost });
      top.offer(score, row, idOf);
    }
    return top.sorted().map((h) => {
      const p = parts.get(h.row) as { similarity: number; boost: number };
      return { id: h.id, row: h.row, score: h.score, similarity: p.similarity, boost: p.boost };
    });
  }

  private grow(): void {
    const cap = Math.max(64, this.capacity * 2);
    const dim = this.dimension;
    const matrix = new Float32Array(cap * dim);
    matrix.set(this.matrix.subarray(0, this.size * dim));
    this.matrix = matrix;
    this.alive = growU8(this.alive, cap);
    this.campaign = growI32(this.campaign, cap);
    this.taskType = growI32(this.taskType, cap);
    this.stage = growI32(this.stage, cap);
    this.source = growU8(this.source, cap);
    this.negative = growU8(this.negative, cap);
    this.quality = growF64(this.quality, cap);
    this.sourceVersion = growF64(this.sourceVersion, cap);
    this.createdAt = growF64(this.createdAt, cap);
    this.capacity = cap;
  }
}

function nonEmpty<T>(xs: readonly T[] | undefined): xs is readonly T[] {
  return xs !== undefined && xs.length > 0;
}

function growU8(a: Uint8Array<ArrayBuffer>, cap: number): Uint8Array<ArrayBuffer> {
  const b = new Uint8Array(cap);
  b.set(a);
  return b;
}
function growI32(a: Int32Array<ArrayBuffer>, cap: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(cap);
  b.set(a);
  return b;
}
function growF64(a: Float64Array<ArrayBuffer>, cap: number): Float64Array<ArrayBuffer> {
  const b = new Float64Array(cap);
  b.set(a);
  return b;
}
