import type { FastifyReply, FastifyRequest } from 'fastify';
import { PlatformError } from '../domain/errors.js';

const IF_MATCH = /^(?:W\/)?"?([1-9][0-9]{0,8})"?$/;

/**
 * The version a change is based on, from `If-Match` (the ETag of the last GET: `"3"`; `3` and
 * `W/"3"` are accepted too). Missing: 428, so a client cannot overwrite a version it never saw.
 */
export function expectedVersion(request: FastifyRequest): number {
  const header = request.headers['if-match'];
  if (header === undefined) {
    throw new PlatformError('PRECONDITION_REQUIRED', 'send If-Match: "<version>" with the version you are changing (the ETag of your last GET)');
  }
  return parseIfMatch(String(header));
}

/** Parses an `If-Match` value (`"3"`, `3`, `W/"3"`) into a version number; 400 when malformed. */
export function parseIfMatch(header: string): number {
  const m = IF_MATCH.exec(header.trim());
  if (!m?.[1]) {
    throw new PlatformError('VALIDATION_FAILED', `If-Match must be a version number such as "3", got ${JSON.stringify(header)}`, {
      issues: [{ path: 'headers.if-match', message: 'expected a version number' }],
    });
  }
  return Number(m[1]);
}

/** Sets the ETag of a versioned resource. */
export function setVersionTag(reply: FastifyReply, version: number): void {
  reply.header('etag', `"${version}"`);
}
