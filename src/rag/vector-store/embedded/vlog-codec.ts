import { crc32 } from 'node:zlib';
import { CHUNK_SOURCES, type ChunkMetadata, type ChunkSource } from '../vector-store.port.js';

/**
 * The binary format of a partition log (`<tenant>/<brand>.vlog`): a sequence of frames
 * `[u32 payload length][u32 crc32(payload)][payload]`, little-endian. A payload starts with its kind:
 * - 0 header (always the first frame): magic `VLOG`, format version, dimension, a random generation
 *   id (a new file, e.g. after compaction, has a new one), tenant id, brand id;
 * - 1 upsert: count, then per record: id, campaign, task type, stage (u16-length UTF-8 strings,
 *   0xFFFF for null), source (u8), negative (u8), quality, source version, created-at (f64), and the
 *   vector (dimension × f32, already L2-normalised);
 * - 2 delete: count, then ids.
 * A frame is never split across write calls, so a crash leaves at most one torn frame at the end.
 */

export const FRAME_HEADER_BYTES = 8;
export const FORMAT_VERSION = 1;
const MAGIC = 0x474f4c56; // 'VLOG' little-endian
const NULL_STR = 0xffff;
/** Upsert frames are cut at about this payload size so a batch never makes one giant frame. */
export const MAX_FRAME_PAYLOAD = 4 * 1024 * 1024;

export const KIND_HEADER = 0;
export const KIND_UPSERT = 1;
export const KIND_DELETE = 2;

/** The first frame of a partition file. */
export interface VlogHeader {
  dimension: number;
  generation: string;
  tenantId: string;
  brandId: string;
}

/** Metadata as stored: tenant and brand are the partition's and not repeated per record. */
export type StoredMetadata = Omit<ChunkMetadata, 'tenantId' | 'brandId'>;

/** An upsert record as decoded; `vectorOffset` points at the f32 bytes inside the frame buffer. */
export interface DecodedUpsert {
  id: string;
  metadata: StoredMetadata;
  buffer: Buffer;
  vectorOffset: number;
}

/** A parsed frame. */
export type Frame =
  | { kind: typeof KIND_HEADER; header: VlogHeader }
  | { kind: typeof KIND_UPSERT; records: DecodedUpsert[] }
  | { kind: typeof KIND_DELETE; ids: string[] };

/** Wraps a payload in a frame. */
export function frame(payload: Buffer): Buffer {
  const out = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payload.length);
  out.writeUInt32LE(payload.length, 0);
  out.writeUInt32LE(crc32(payload), 4);
  payload.copy(out, FRAME_HEADER_BYTES);
  return out;
}

/**
 * The frame starting at `offset` of `buf`: `{ payload, next }` when complete and intact, `'incomplete'`
 * when `buf` ends before the frame does, `'corrupt'` when its checksum or length is wrong.
 */
export function readFrame(buf: Buffer, offset: number, end = buf.length): { payload: Buffer; next: number } | 'incomplete' | 'corrupt' {
  if (end - offset < FRAME_HEADER_BYTES) return 'incomplete';
  const length = buf.readUInt32LE(offset);
  const crc = buf.readUInt32LE(offset + 4);
  if (length === 0 || length > MAX_FRAME_PAYLOAD * 4) return 'corrupt';
  const next = offset + FRAME_HEADER_BYTES + length;
  if (next > end) return 'incomplete';
  const payload = buf.subarray(offset + FRAME_HEADER_BYTES, next);
  if (crc32(payload) !== crc) return 'corrupt';
  return { payload, next };
}

export function encodeHeader(h: VlogHeader): Buffer {
  const w = new Writer(64);
  w.u8(KIND_HEADER).u32(MAGIC).u16(FORMAT_VERSION).u32(h.dimension).str(h.generation).str(h.tenantId).str(h.brandId);
  return w.done();
}

/** Upsert frames (already framed, cut at {@link MAX_FRAME_PAYLOAD}) for normalised records. */
export function encodeUpserts(records: { id: string; metadata: StoredMetadata; vector: Float32Array }[], dimension: number): Buffer[] {
  const frames: Buffer[] = [];
  let w: Writer | null = null;
  let count = 0;
  const flush = () => {
    if (w && count > 0) {
      const payload = w.done();
      payload.writeUInt32LE(count, 1);
      frames.push(frame(payload));
    }
    w = null;
    count = 0;
  };
  for (const r of records) {
    if (!w) {
      w = new Writer(Math.min(MAX_FRAME_PAYLOAD, 5 + records.length * (dimension * 4 + 128)));
      w.u8(KIND_UPSERT).u32(0);
    }
    const m = r.metadata;
    w.str(r.id).str(m.campaignId).str(m.taskType).str(m.stage)
      .u8(CHUNK_SOURCES.indexOf(m.source)).u8(m.negative ? 1 : 0)
      .f64(m.qualityScore).f64(m.sourceVersion).f64(m.createdAt).f32s(r.vector);
    count += 1;
    if (w.length >= MAX_FRAME_PAYLOAD - (dimension * 4 + 1024)) flush();
  }
  flush();
  return frames;
}

/** Delete frames for ids. */
export function encodeDeletes(ids: string[]): Buffer[] {
  const frames: Buffer[] = [];
  for (let start = 0; start < ids.length; start += 10_000) {
    const part = ids.slice(start, start + 10_000);
    const w = new Writer(16 + part.length * 40);
    w.u8(KIND_DELETE).u32(part.length);
    for (const id of part) w.str(id);
    frames.push(frame(w.done()));
  }
  return frames;
}

/** Decodes a payload (throws on a payload that passed its checksum but does not parse: a format bug). */
export function decodePayload(payload: Buffer, dimension: number): Frame {
  const r = new Reader(payload);
  const kind = r.u8();
  if (kind === KIND_HEADER) {
    if (r.u32() !== MAGIC) throw new Error('not a vector log (bad magic)');
    const version = r.u16();
    if (version !== FORMAT_VERSION) throw new Error(`vector log format version ${version} is not supported (expected ${FORMAT_VERSION})`);
    const dim = r.u32();
    const generation = r.strNN();
    const tenantId = r.strNN();
    const brandId = r.strNN();
    return { kind: KIND_HEADER, header: { dimension: dim, generation, tenantId, brandId } };
  }
  if (kind === KIND_UPSERT) {
    const count = r.u32();
    const records: DecodedUpsert[] = [];
    for (let i = 0; i < count; i++) {
      const id = r.strNN();
      const campaignId = r.str();
      const taskType = r.str();
      const stage = r.str();
      const source = CHUNK_SOURCES[r.u8()] as ChunkSource | undefined;
      if (!source) throw new Error('vector log record has an unknown source');
      const negative = r.u8() === 1;
      const qualityScore = r.f64();
      const sourceVersion = r.f64();
      const createdAt = r.f64();
      const vectorOffset = r.skip(dimension * 4);
      records.push({ id, metadata: { campaignId, taskType, stage, source, negative, qualityScore, sourceVersion, createdAt }, buffer: payload, vectorOffset });
    }
    return { kind: KIND_UPSERT, records };
  }
  if (kind === KIND_DELETE) {
    const count = r.u32();
    const ids: string[] = [];
    for (let i = 0; i < count; i++) ids.push(r.strNN());
    return { kind: KIND_DELETE, ids };
  }
  throw new Error(`vector log frame of unknown kind ${kind}`);
}

/** A growable little-endian buffer writer. */
class Writer {
  private buf: Buffer;
  length = 0;
  constructor(initial: number) {
    this.buf = Buffer.allocUnsafe(Math.max(64, initial));
  }
  private ensure(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.length + n));
    this.buf.copy(grown, 0, 0, this.length);
    this.buf = grown;
  }
  u8(v: number): this {
    this.ensure(1);
    this.buf.writeUInt8(v, this.length);
    this.length += 1;
    return this;
  }
  u16(v: number): this {
    this.ensure(2);
    this.buf.writeUInt16LE(v, this.length);
    this.length += 2;
    return this;
  }
  u32(v: number): this {
    this.ensure(4);
    this.buf.writeUInt32LE(v, this.length);
    this.length += 4;
    return this;
  }
  f64(v: number): this {
    this.ensure(8);
    this.buf.writeDoubleLE(v, this.length);
    this.length += 8;
    return this;
  }
  str(v: string | null): this {
    if (v === null) return this.u16(NULL_STR);
    const bytes = Buffer.byteLength(v, 'utf8');
    if (bytes >= NULL_STR) throw new RangeError(`a vector store string field is ${bytes} bytes; the limit is ${NULL_STR - 1}`);
    this.u16(bytes);
    this.ensure(bytes);
    this.buf.write(v, this.length, 'utf8');
    this.length += bytes;
    return this;
  }
  f32s(v: Float32Array): this {
    const bytes = v.length * 4;
    this.ensure(bytes);
    // The platform is little-endian (checked by the store), so the f32 bytes are copied as they are.
    Buffer.from(v.buffer, v.byteOffset, bytes).copy(this.buf, this.length);
    this.length += bytes;
    return this;
  }
  done(): Buffer {
    return this.buf.subarray(0, this.length);
  }
}

class Reader {
  private pos = 0;
  constructor(private readonly buf: Buffer) {}
  private need(n: number): void {
    if (this.pos + n > this.buf.length) throw new Error('vector log frame is shorter than its records');
  }
  u8(): number {
    this.need(1);
    return this.buf.readUInt8(this.pos++);
  }
  u16(): number {
    this.need(2);
    const v = this.buf.readUInt16LE(this.pos);
    this.pos += 2;
    return v;
  }
  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }
  f64(): number {
    this.need(8);
    const v = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }
  str(): string | null {
    const n = this.u16();
    if (n === NULL_STR) return null;
    this.need(n);
    const v = this.buf.toString('utf8', this.pos, this.pos + n);
    this.pos += n;
    return v;
  }
  strNN(): string {
    const v = this.str();
    if (v === null) throw new Error('vector log record has a null where a string is required');
    return v;
  }
  skip(n: number): number {
    this.need(n);
    const at = this.pos;
    this.pos += n;
    return at;
  }
}
