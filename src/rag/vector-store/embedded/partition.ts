import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { FileLock } from './file-lock.js';
import { PartitionIndex } from './partition-index.js';
import {
  decodePayload, encodeDeletes, encodeHeader, encodeUpserts, frame, KIND_DELETE, KIND_HEADER, KIND_UPSERT, readFrame,
  type StoredMetadata, type VlogHeader,
} from './vlog-codec.js';
import { fsyncDir, readHeader, statOrNull, writeAll } from './vlog-file.js';

/** Reports recoveries (a torn tail truncated) and maintenance (a compaction). */
export type VectorStoreWarning = (event: { event: 'torn_tail_truncated' | 'compacted'; file: string; detail: string }) => void;

const READ_CHUNK = 16 * 1024 * 1024;

/**
 * One (tenant, brand) partition: its log file and the in-memory {@link PartitionIndex} built from it.
 *
 * Readers never lock: before each use, {@link refresh} stats the file; a grown file has only its new
 * tail frames read, a replaced file (other inode or generation: compaction or brand deletion by any
 * process) is reloaded, a missing file is an empty partition. An incomplete or corrupt tail is left
 * alone unless the partition lock can be taken (then no writer is mid-write, the tail is a crash
 * remnant, and it is truncated).
 *
 * Writers (upsert, delete, compaction, file removal) hold the partition's lock file for the whole
 * operation: refresh, append whole frames with O_APPEND, fdatasync, apply to memory. Holding the lock
 * also while appending (not only while compacting) closes the race where a write lands in the old
 * file after a compaction has read it. In-process callers are serialised by a promise chain first.
 */
export class Partition {
  index: PartitionIndex;
  private ino = 0;
  private generation = '';
  private validEnd = 0;
  /** Upsert records in the current file (live, superseded and deleted ones): the garbage measure. */
  private fileRecords = 0;
  private chain: Promise<unknown> = Promise.resolve();
  private readonly lock: FileLock;

  constructor(
    readonly file: string,
    readonly tenantId: string,
    readonly brandId: string,
    readonly dimension: number,
    private readonly onWarning?: VectorStoreWarning,
  ) {
    this.index = new PartitionIndex(dimension);
    this.lock = new FileLock(`${file}.lock`);
  }

  /** Runs `fn` after every earlier operation on this partition object. */
  run<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.chain.then(fn, fn);
    this.chain = next.catch(() => undefined);
    return next;
  }

  /** Brings memory up to date with the file (see the class comment). Call inside {@link run}. */
  async refresh(locked = false): Promise<void> {
    const st = await statOrNull(this.file);
    if (!st) {
      this.reset();
      return;
    }
    if (st.ino !== this.ino || st.size < this.validEnd || (st.size > this.validEnd && !(await this.sameGeneration()))) {
      this.reset();
      this.ino = st.ino;
    }
    if (st.size === this.validEnd) return;
    const bad = await this.readFrom(this.validEnd, st.size);
    if (bad) await this.recoverTail(locked);
  }

  /** Appends upserts durably and applies them. Records are normalised and validated by the caller. */
  upsert(records: { id: string; metadata: StoredMetadata; vector: Float32Array }[]): Promise<void> {
    return this.write(async () => {
      await this.append(encodeUpserts(records, this.dimension));
      for (const r of records) this.index.upsert(r.id, r.metadata, r.vector);
      this.fileRecords += records.length;
      return undefined;
    });
  }

  /** Deletes the ids that are live here; returns how many were. */
  delete(ids: string[] | ((index: PartitionIndex) => string[])): Promise<number> {
    return this.write(async () => {
      const wanted = typeof ids === 'function' ? ids(this.index) : [...new Set(ids)].filter((id) => this.index.has(id));
      if (wanted.length === 0) return 0;
      await this.append(encodeDeletes(wanted));
      for (const id of wanted) this.index.delete(id);
      return wanted.length;
    });
  }

  /** Removes the file (brand deletion); returns how many live vectors it held. */
  remove(): Promise<number> {
    return this.write(async () => {
      const live = this.index.live;
      await fs.rm(this.file, { force: true });
      await fsyncDir(path.dirname(this.file));
      this.reset();
      return live;
    }, false);
  }

  /** Compacts now if the lock is free; false when another holder has it (skipped). */
  tryCompact(): Promise<boolean> {
    return this.run(async () => {
      if (!(await statOrNull(this.file))) return true; // nothing to compact
      if (!(await this.lock.tryAcquire())) return false;
      try {
        await this.refresh(true);
        if (this.ino !== 0) await this.compact();
        return true;
      } finally {
        await this.lock.release();
      }
    });
  }

  /** Live vectors after a refresh. */
  countLive(): Promise<number> {
    return this.run(async () => {
      await this.refresh();
      return this.index.live;
    });
  }

  private write<T>(fn: () => Promise<T>, autoCompact = true): Promise<T> {
    return this.run(async () => {
      await fs.mkdir(path.dirname(this.file), { recursive: true });
      await this.lock.acquire();
      try {
        await this.refresh(true);
        const result = await fn();
        const dead = this.fileRecords - this.index.live;
        if (autoCompact && dead > 0 && dead > this.index.live) await this.compact();
        return result;
      } finally {
        await this.lock.release();
      }
    });
  }

  /** Appends frames (plus a header for a new file) in one write call and fdatasyncs. Lock held. */
  private async append(frames: Buffer[]): Promise<void> {
    const creating = this.validEnd === 0;
    let header: VlogHeader | null = null;
    if (creating) {
      header = this.newHeader();
      frames = [frame(encodeHeader(header)), ...frames];
    }
    const bytes = Buffer.concat(frames);
    const fh = await fs.open(this.file, 'a');
    try {
      await writeAll(fh, bytes);
      await fh.datasync();
      if (creating) this.ino = (await fh.stat()).ino;
    } finally {
      await fh.close();
    }
    if (creating) await fsyncDir(path.dirname(this.file));
    if (header) this.generation = header.generation;
    this.validEnd += bytes.length;
  }

  /** Rewrites the file with the live records only (temp file, fsync, rename). Lock held. */
  private async compact(): Promise<void> {
    const dir = path.dirname(this.file);
    const base = path.basename(this.file);
    for (const name of await fs.readdir(dir)) {
      if (name.startsWith(`${base}.compact-`)) await fs.rm(path.join(dir, name), { force: true }); // a crashed compaction's leftover
    }
    const before = { records: this.fileRecords, bytes: this.validEnd };
    const header = this.newHeader();
    const live = [...this.index.liveRecords()];
    const bytes = Buffer.concat([frame(encodeHeader(header)), ...encodeUpserts(live, this.dimension)]);
    const tmp = path.join(dir, `${base}.compact-${process.pid}-${randomBytes(4).toString('hex')}`);
    const fh = await fs.open(tmp, 'w');
    let ino: number;
    try {
      await writeAll(fh, bytes);
      await fh.sync();
      ino = (await fh.stat()).ino;
    } finally {
      await fh.close();
    }
    await fs.rename(tmp, this.file);
    await fsyncDir(dir);
    const index = new PartitionIndex(this.dimension);
    for (const r of live) index.upsert(r.id, r.metadata, r.vector);
    this.index = index;
    this.ino = ino;
    this.generation = header.generation;
    this.validEnd = bytes.length;
    this.fileRecords = live.length;
    this.onWarning?.({ event: 'compacted', file: this.file, detail: `${before.records} records (${before.bytes} bytes) -> ${live.length} live (${bytes.length} bytes)` });
  }

  private newHeader(): VlogHeader {
    return { dimension: this.dimension, generation: randomBytes(16).toString('hex'), tenantId: this.tenantId, brandId: this.brandId };
  }

  private reset(): void {
    this.index = new PartitionIndex(this.dimension);
    this.ino = 0;
    this.generation = '';
    this.validEnd = 0;
    this.fileRecords = 0;
  }

  /** A torn or corrupt tail: truncate it when no writer can be mid-write (lock held or free). */
  private async recoverTail(locked: boolean): Promise<void> {
    const got = locked || (await this.lock.tryAcquire());
    if (!got) return;
    try {
      const st = await statOrNull(this.file);
      if (!st || st.ino !== this.ino) return; // replaced meanwhile: the next refresh reloads
      if (st.size > this.validEnd && !(await this.readFrom(this.validEnd, st.size))) return; // it was a write in progress
      if (st.size <= this.validEnd) return;
      await fs.truncate(this.file, this.validEnd);
      this.onWarning?.({ event: 'torn_tail_truncated', file: this.file, detail: `${st.size - this.validEnd} bytes after offset ${this.validEnd} were not a complete frame` });
      if (this.validEnd === 0) {
        // Not even the header survived: the file is empty, so a new one is started.
        await fs.rm(this.file, { force: true });
        this.reset();
      }
    } finally {
      if (!locked) await this.lock.release();
    }
  }

  /** Reads and applies the frames in [start, end); true when bytes were left over (torn/corrupt tail). */
  private async readFrom(start: number, end: number): Promise<boolean> {
    const fh = await fs.open(this.file, 'r').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return null;
      throw err;
    });
    if (!fh) return false;
    try {
      let buf = Buffer.allocUnsafe(Math.min(READ_CHUNK, Math.max(64, end - start)));
      let pos = start;
      while (pos < end) {
        const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, end - pos), pos);
        if (bytesRead === 0) return true;
        let off = 0;
        for (;;) {
          const f = readFrame(buf, off, bytesRead);
          if (f === 'corrupt') {
            this.validEnd = pos + off;
            return true;
          }
          if (f === 'incomplete') break;
          this.applyFrame(f.payload, pos + off);
          off = f.next;
          this.validEnd = pos + off;
        }
        if (off === 0) {
          // A frame larger than the buffer, or the torn last frame.
          const need = bytesRead >= 4 ? buf.readUInt32LE(0) + 8 : 8;
          if (pos + need > end) return true;
          buf = Buffer.allocUnsafe(Math.max(need, READ_CHUNK));
          continue;
        }
        pos += off;
      }
      return false;
    } finally {
      await fh.close();
    }
  }

  private applyFrame(payload: Buffer, offset: number): void {
    const f = decodePayload(payload, this.dimension);
    if (offset === 0) {
      if (f.kind !== KIND_HEADER) throw new Error(`${this.file} is not a vector log: its first frame is not a header`);
      const h = f.header;
      if (h.dimension !== this.dimension) throw new Error(`${this.file} holds vectors of dimension ${h.dimension}; this store is configured for ${this.dimension} (re-embed or use a new directory)`);
      if (h.tenantId !== this.tenantId || h.brandId !== this.brandId) throw new Error(`${this.file} belongs to tenant ${h.tenantId} brand ${h.brandId}, not ${this.tenantId}/${this.brandId}`);
      this.generation = h.generation;
      return;
    }
    if (f.kind === KIND_UPSERT) {
      for (const r of f.records) this.index.upsert(r.id, r.metadata, { buffer: r.buffer, byteOffset: r.vectorOffset });
      this.fileRecords += f.records.length;
    } else if (f.kind === KIND_DELETE) {
      for (const id of f.ids) this.index.delete(id);
    } else {
      throw new Error(`${this.file} has a second header at offset ${offset}`);
    }
  }

  /** True when the file still carries the generation this partition loaded (not replaced by a same-inode file). */
  private async sameGeneration(): Promise<boolean> {
    if (this.validEnd === 0) return true;
    const h = await readHeader(this.file, this.dimension);
    return h !== null && h.generation === this.generation;
  }
}
