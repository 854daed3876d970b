import { createHash } from 'node:crypto';
import path from 'node:path';

/**
 * File names of partitions: `<dir>/<tenant>/<brand>.vlog`. An id made of `[A-Za-z0-9_-]` (uuids,
 * slugs) is used as it is; any other id is written `=<hex of its UTF-8>`, and an id whose name would
 * be too long `~<sha256>`. The three forms cannot collide (`=` and `~` are not in the plain
 * alphabet), and the partition header repeats the real ids, checked on load.
 */

const PLAIN = /^[A-Za-z0-9_-]{1,120}$/;

export const LOG_EXT = '.vlog';

/** The path segment for an id. */
export function segment(id: string): string {
  if (PLAIN.test(id)) return id;
  const hex = Buffer.from(id, 'utf8').toString('hex');
  if (hex.length <= 200) return `=${hex}`;
  return `~${createHash('sha256').update(id, 'utf8').digest('hex')}`;
}

/** The id of a segment, or null when it is a hash (the id is then read from the file's header). */
export function unsegment(seg: string): string | null {
  if (seg.startsWith('=')) return Buffer.from(seg.slice(1), 'hex').toString('utf8');
  if (seg.startsWith('~')) return null;
  return seg;
}

export function tenantDir(dir: string, tenantId: string): string {
  return path.join(dir, segment(tenantId));
}

export function partitionPath(dir: string, tenantId: string, brandId: string): string {
  return path.join(tenantDir(dir, tenantId), `${segment(brandId)}${LOG_EXT}`);
}
