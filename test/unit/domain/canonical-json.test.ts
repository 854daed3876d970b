import { describe, expect, it } from 'vitest';
import { canonicalJson, contentHash } from '../../../src/domain/canonical-json.js';

describe('canonical JSON hashing', () => {
  it('gives the same hash whatever the key order, at every depth', () => {
    const a = { b: 1, a: { y: [1, { q: 1, p: 2 }], x: 'v' } };
    const b = { a: { x: 'v', y: [1, { p: 2, q: 1 }] }, b: 1 };
    expect(canonicalJson(a)).toBe(canonicalJson(b));
    expect(contentHash(a)).toBe(contentHash(b));
  });

  it('changes the hash when a value or the array order changes', () => {
    expect(contentHash({ a: [1, 2] })).not.toBe(contentHash({ a: [2, 1] }));
    expect(contentHash({ a: 1 })).not.toBe(contentHash({ a: '1' }));
  });

  it('drops undefined members like JSON does', () => {
    expect(canonicalJson({ a: 1, b: undefined })).toBe('{"a":1}');
  });

  it('refuses values without a stable JSON form', () => {
    expect(() => canonicalJson({ a: Number.NaN })).toThrow(/non-finite/);
    expect(() => canonicalJson({ a: () => 1 })).toThrow(/cannot encode/);
  });

  it('is prefixed sha256 hex', () => {
    expect(contentHash({})).toMatch(/^sha256:[0-9a-f]{64}$/);
  });
});
