/**
 * Identifiers. Every row id is a UUIDv7: time-ordered, so `ORDER BY id` is creation order and an id
 * doubles as a stable pagination cursor. Isomorphic (Web Crypto only), so the Studio may import it.
 */

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));
let lastMs = 0;
let counter = 0;
// Random bytes are drawn 4 KiB at a time: one Web Crypto call per 512 ids instead of one per id.
const pool = new Uint8Array(4096);
let poolAt = pool.length;

function randomBytes(into: Uint8Array, offset: number, length: number): void {
  if (poolAt + length > pool.length) {
    globalThis.crypto.getRandomValues(pool);
    poolAt = 0;
  }
  into.set(pool.subarray(poolAt, poolAt + length), offset);
  poolAt += length;
}

/**
 * Returns a new RFC 9562 UUIDv7. Ids made by one process are strictly increasing: within one
 * millisecond a 12-bit counter (the `rand_a` field, RFC 9562 method 1) orders them.
 */
export function uuidv7(now: number = Date.now()): string {
  if (now > lastMs) {
    lastMs = now;
    counter = 0;
  } else if (++counter > 0xfff) {
    lastMs += 1;
    counter = 0;
  }
  const bytes = new Uint8Array(16);
  randomBytes(bytes, 6, 10);
  let ts = lastMs;
  for (let i = 5; i >= 0; i--) {
    bytes[i] = ts % 256;
    ts = Math.floor(ts / 256);
  }
  bytes[6] = 0x70 | (counter >> 8);
  bytes[7] = counter & 0xff;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  let hex = '';
  for (let i = 0; i < 16; i++) hex += HEX[bytes[i] ?? 0];
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** True when `value` is a UUID in canonical 8-4-4-4-12 hex form (any version). */
export function isUuid(value: string): boolean {
  return UUID_RE.test(value);
}
