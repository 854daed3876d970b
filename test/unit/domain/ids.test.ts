import { beforeEach, describe, expect, it, vi } from 'vitest';
import type * as IdsModuleNs from '../../../src/domain/ids.js';

// uuidv7 keeps its monotonic state (last millisecond, counter) in the module, so each test imports a
// fresh copy of the module.
type IdsModule = typeof IdsModuleNs;
let ids: IdsModule;
beforeEach(async () => {
  vi.resetModules();
  ids = await import('../../../src/domain/ids.js');
});

const V7_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const hex = (id: string) => id.replaceAll('-', '');
/** The 48-bit unix_ts_ms field. */
const timestampOf = (id: string) => Number.parseInt(hex(id).slice(0, 12), 16);
/** The 12-bit rand_a field (the per-millisecond counter). */
const counterOf = (id: string) => Number.parseInt(hex(id).slice(13, 16), 16);

describe('uuidv7', () => {
  it('has the canonical 8-4-4-4-12 lower-case hex form, version 7 and the RFC 9562 variant (10xx)', () => {
    for (let i = 0; i < 200; i++) {
      const id = ids.uuidv7();
      expect(id).toMatch(V7_RE);
      expect(id[14]).toBe('7');
      expect(Number.parseInt(id[19] ?? 'x', 16) >> 2).toBe(0b10);
    }
  });

  it('encodes `now` as the 48-bit big-endian millisecond timestamp', () => {
    const now = 0x0190_a1b2_c3d4;
    const id = ids.uuidv7(now);
    expect(hex(id).slice(0, 12)).toBe('0190a1b2c3d4');
    expect(timestampOf(id)).toBe(now);
  });

  it('encodes the current time when no `now` is given', () => {
    const before = Date.now();
    const t = timestampOf(ids.uuidv7());
    expect(t).toBeGreaterThanOrEqual(before);
    expect(t).toBeLessThanOrEqual(Date.now());
  });

  it('starts the counter at 0 in a new millisecond and counts up within it', () => {
    const now = 1_750_000_000_000;
    expect(counterOf(ids.uuidv7(now))).toBe(0);
    expect(counterOf(ids.uuidv7(now))).toBe(1);
    expect(counterOf(ids.uuidv7(now))).toBe(2);
    expect(counterOf(ids.uuidv7(now + 1))).toBe(0);
  });

  it('is strictly increasing and unique for thousands of ids in one millisecond', () => {
    const now = 1_750_000_000_000;
    const made = Array.from({ length: 10_000 }, () => ids.uuidv7(now));
    for (let i = 1; i < made.length; i++) {
      const prev = made[i - 1] as string;
      const cur = made[i] as string;
      expect(cur > prev, `id ${i} (${cur}) must sort after id ${i - 1} (${prev})`).toBe(true);
    }
    expect(new Set(made).size).toBe(made.length);
    for (const id of made) expect(id).toMatch(V7_RE);
  });

  it('moves to the next millisecond when the 12-bit counter overflows', () => {
    const now = 1_750_000_000_000;
    const made = Array.from({ length: 4097 }, () => ids.uuidv7(now));
    const last = made[4095] as string;
    const overflow = made[4096] as string;
    expect(timestampOf(last)).toBe(now);
    expect(counterOf(last)).toBe(0xfff);
    expect(timestampOf(overflow)).toBe(now + 1);
    expect(counterOf(overflow)).toBe(0);
  });

  it('stays increasing when the clock goes backwards', () => {
    const now = 1_750_000_000_000;
    const first = ids.uuidv7(now);
    const second = ids.uuidv7(now - 5_000);
    expect(second > first).toBe(true);
    expect(timestampOf(second)).toBe(now);
    expect(counterOf(second)).toBe(1);
  });

  it('sorts by creation time across milliseconds', () => {
    const a = ids.uuidv7(1_750_000_000_000);
    const b = ids.uuidv7(1_750_000_000_001);
    const c = ids.uuidv7(1_750_000_100_000);
    expect([c, a, b].sort()).toEqual([a, b, c]);
  });
});

describe('isUuid', () => {
  it('accepts generated ids and canonical UUIDs of any version, in either case', () => {
    expect(ids.isUuid(ids.uuidv7())).toBe(true);
    expect(ids.isUuid('550e8400-e29b-41d4-a716-446655440000')).toBe(true);
    expect(ids.isUuid('550E8400-E29B-41D4-A716-446655440000')).toBe(true);
    expect(ids.isUuid('00000000-0000-0000-0000-000000000000')).toBe(true);
  });

  it.each([
    ['empty', ''],
    ['no dashes', '550e8400e29b41d4a716446655440000'],
    ['braces', '{550e8400-e29b-41d4-a716-446655440000}'],
    ['urn prefix', 'urn:uuid:550e8400-e29b-41d4-a716-446655440000'],
    ['a non-hex digit', '550e8400-e29b-41d4-a716-44665544000g'],
    ['too short', '550e8400-e29b-41d4-a716-44665544000'],
    ['too long', '550e8400-e29b-41d4-a716-4466554400000'],
    ['misplaced dashes', '550e840-0e29b-41d4-a716-446655440000'],
    ['surrounding whitespace', ' 550e8400-e29b-41d4-a716-446655440000 '],
    ['a trailing newline', '550e8400-e29b-41d4-a716-446655440000\n'],
  ])('refuses a string with %s', (_label, value) => {
    expect(ids.isUuid(value)).toBe(false);
  });
});
