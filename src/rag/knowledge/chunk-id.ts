import { createHash } from 'node:crypto';

/**
 * The id of a knowledge chunk, derived from what identifies it: tenant, source key and position.
 * SHA-256 of the three, cut to 128 bits and stamped as an RFC 9562 UUIDv8 (custom, name-based), so
 * re-indexing a source computes the same ids (nothing is created twice) and the id of a vector
 * written before a crash is the id its row gets when the indexing is re-run.
 */
export function chunkId(tenantId: string, sourceKey: string, chunkIndex: number): string {
  const digest = createHash('sha256').update(`${tenantId}\u0000${sourceKey}\u0000${chunkIndex}`, 'utf8').digest();
  digest[6] = ((digest[6] ?? 0) & 0x0f) | 0x80;
  digest[8] = ((digest[8] ?? 0) & 0x3f) | 0x80;
  const hex = digest.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
