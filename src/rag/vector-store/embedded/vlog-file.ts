/**
 * File primitives of the vector log, apart from the partition's state: reading a file's header
 * (also used to name hashed tenant and brand directories), stat, whole writes, directory fsync.
 */
import { promises as fs, type Stats } from 'node:fs';
import { decodePayload, KIND_HEADER, readFrame, type VlogHeader } from './vlog-codec.js';

/** The header of a partition file, or null when missing or unreadable. */
export async function readHeader(file: string, dimension: number): Promise<VlogHeader | null> {
  const fh = await fs.open(file, 'r').catch(() => null);
  if (!fh) return null;
  try {
    const head = Buffer.alloc(8);
    if ((await fh.read(head, 0, 8, 0)).bytesRead < 8) return null;
    const len = head.readUInt32LE(0);
    if (len === 0 || len > 1 << 20) return null;
    const buf = Buffer.alloc(8 + len);
    if ((await fh.read(buf, 0, buf.length, 0)).bytesRead < buf.length) return null;
    const f = readFrame(buf, 0);
    if (typeof f === 'string') return null;
    const decoded = decodePayload(f.payload, dimension);
    return decoded.kind === KIND_HEADER ? decoded.header : null;
  } finally {
    await fh.close();
  }
}

/** The file's stats, or null when it does not exist. */
export async function statOrNull(file: string): Promise<Stats | null> {
  try {
    return await fs.stat(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/**
 * Writes all of `bytes`: one write call in practice; a short write (disk full…) continues, and a
 * crash in between leaves a torn tail frame that the next writer truncates.
 */
export async function writeAll(fh: fs.FileHandle, bytes: Buffer): Promise<void> {
  let written = 0;
  while (written < bytes.length) written += (await fh.write(bytes, written, bytes.length - written)).bytesWritten;
}

/** Makes a directory entry change (create, rename, remove) durable. */
export async function fsyncDir(dir: string): Promise<void> {
  const fh = await fs.open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
