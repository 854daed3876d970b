import { describe, expect, it } from 'vitest';
import { fieldDiff, flatten, jsonEqual, lineDiff, mergePatch } from '../../../studio/src/lib/diff.js';
import { fromInput, getAt, setAt, toInput } from '../../../studio/src/lib/record-paths.js';

/** The Studio's pure helpers: version diffs, text diffs, merge patches, and form values by key path. */

describe('fieldDiff', () => {
  it('lists added, removed and changed leaves by dot path, arrays compared whole', () => {
    const before = { identity: { name: 'Acme' }, voice: { tone: 'calm', personality: ['a'] }, locale: 'en' };
    const after = { identity: { name: 'Acme' }, voice: { tone: 'bold', personality: ['a', 'b'] }, rules: { bannedTerms: ['cheap'] } };
    expect(fieldDiff(before, after)).toEqual([
      { path: 'locale', kind: 'removed', before: 'en' },
      { path: 'rules.bannedTerms', kind: 'added', after: ['cheap'] },
      { path: 'voice.personality', kind: 'changed', before: ['a'], after: ['a', 'b'] },
      { path: 'voice.tone', kind: 'changed', before: 'calm', after: 'bold' },
    ]);
    expect(fieldDiff(before, structuredClone(before))).toEqual([]);
  });

  it('keeps empty objects as leaves so a cleared group is visible', () => {
    expect(flatten({ overrides: {}, a: { b: 1 } })).toEqual({ overrides: {}, 'a.b': 1 });
    expect(jsonEqual({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] })).toBe(true);
    expect(jsonEqual({ a: 1 }, { a: 1, b: undefined })).toBe(false);
  });
});

describe('lineDiff', () => {
  it('keeps common lines and marks the removed and added ones with their line numbers', () => {
    const d = lineDiff('one\ntwo\nthree', 'one\n2\nthree\nfour');
    expect(d).toEqual([
      { kind: 'same', text: 'one', oldLine: 1, newLine: 1 },
      { kind: 'removed', text: 'two', oldLine: 2 },
      { kind: 'added', text: '2', newLine: 2 },
      { kind: 'same', text: 'three', oldLine: 3, newLine: 3 },
      { kind: 'added', text: 'four', newLine: 4 },
    ]);
    expect(lineDiff('same', 'same').every((l) => l.kind === 'same')).toBe(true);
  });

  it('falls back to whole blocks for texts too large to align', () => {
    const big = Array.from({ length: 2100 }, (_, i) => `line ${i}`).join('\n');
    const d = lineDiff(big, `${big}\nmore`);
    expect(d.filter((l) => l.kind === 'removed')).toHaveLength(2100);
    expect(d.filter((l) => l.kind === 'added')).toHaveLength(2101);
  });
});

describe('mergePatch', () => {
  it('is the RFC 7396 patch from one content to another: changes, nulls for removals, nested', () => {
    const before = { name: 'x', voice: { tone: 'calm', personality: ['a'] }, locale: 'en', overrides: { 'voice.tone': 'warm' } };
    const after = { name: 'x', voice: { tone: 'bold', personality: ['a'] }, overrides: {} };
    expect(mergePatch(before, after)).toEqual({ voice: { tone: 'bold' }, locale: null, overrides: { 'voice.tone': null } });
    expect(mergePatch(before, structuredClone(before))).toEqual({});
  });
});

describe('record paths and form values', () => {
  it('reads and writes paths whose keys contain dots (override keys)', () => {
    const c = { overrides: { 'voice.tone': 'warm' } };
    expect(getAt(c, ['overrides', 'voice.tone'])).toBe('warm');
    expect(setAt(c, ['overrides', 'channels'], ['x'])).toEqual({ overrides: { 'voice.tone': 'warm', channels: ['x'] } });
    expect(c).toEqual({ overrides: { 'voice.tone': 'warm' } });
  });

  it('removes a group the form emptied but keeps a group that was empty already', () => {
    expect(setAt({ budget: { amount: 5 } }, ['budget', 'amount'], undefined)).toEqual({});
    expect(setAt({}, ['budget', 'amount'], undefined)).toEqual({});
    expect(setAt({ positioning: {} }, ['positioning', 'statement'], undefined)).toEqual({ positioning: {} });
  });

  it('turns input text into values: lists, lines, numbers, unset when empty', () => {
    expect(fromInput({ kind: 'list' }, ' a, b ,, c', undefined)).toEqual(['a', 'b', 'c']);
    expect(fromInput({ kind: 'lines' }, 'one\n\ntwo ', undefined)).toEqual(['one', 'two']);
    expect(fromInput({ kind: 'list' }, '', ['old'])).toEqual([]);
    expect(fromInput({ kind: 'list' }, '', undefined)).toBeUndefined();
    expect(fromInput({ kind: 'number' }, '0.5', undefined)).toBe(0.5);
    expect(fromInput({ kind: 'text' }, '   ', 'x')).toBeUndefined();
    expect(fromInput({ kind: 'checkbox' }, false, true)).toBe(false);
    expect(toInput({ kind: 'list' }, ['a', 'b'])).toBe('a, b');
    expect(toInput({ kind: 'lines' }, ['a', 'b'])).toBe('a\nb');
    expect(toInput({ kind: 'checkbox' }, undefined)).toBe(false);
  });
});
