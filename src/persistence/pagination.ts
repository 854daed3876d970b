import { isUuid } from '../domain/ids.js';
import { PlatformError } from '../domain/errors.js';

/** A page request: at most `limit` items after `cursor`. */
export interface PageRequest {
  limit: number;
  cursor?: string | undefined;
}

/** A page of results; `nextCursor` is null on the last page. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** Encodes the id of the last item of a page as an opaque cursor. */
export function encodeCursor(id: string): string {
  return Buffer.from(id, 'utf8').toString('base64url');
}

/** Decodes a cursor back into an id; a malformed cursor is a 400 that says so. */
export function decodeCursor(cursor: string): string {
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!isUuid(id)) {
    throw new PlatformError('VALIDATION_FAILED', 'cursor is malformed: pass back the nextCursor of the previous page unchanged', {
      issues: [{ path: 'querystring.cursor', message: 'malformed cursor' }],
    });
  }
  return id;
}

/** Encodes a version number as an opaque cursor (version histories page by number). */
export function encodeVersionCursor(version: number): string {
  return Buffer.from(`v${version}`, 'utf8').toString('base64url');
}

/** Decodes a version cursor; a malformed cursor is a 400 that says so. */
export function decodeVersionCursor(cursor: string): number {
  const m = /^v([1-9][0-9]{0,8})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!m) {
    throw new PlatformError('VALIDATION_FAILED', 'cursor is malformed: pass back the nextCursor of the previous page unchanged', {
      issues: [{ path: 'querystring.cursor', message: 'malformed cursor' }],
    });
  }
  return Number(m[1]);
}

/**
 * Turns `limit + 1` rows fetched in id order into a page: the extra row only tells that another
 * page exists.
 */
export function toPage<T extends { id: string }>(rows: T[], limit: number): Page<T> {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > limit && last ? encodeCursor(last.id) : null };
}
