import { describe, expect, it } from 'vitest';
import { CONTEXT_FIELDS, FIELD_PATHS, LEVELS, fieldOf, getPath, isFieldPath, setPath } from '../../../src/domain/context-fields.js';

describe('the context field catalog', () => {
  it('lists the levels from the most general to the most specific', () => {
    expect(LEVELS).toEqual(['brand', 'campaign', 'task']);
  });

  it('lists fields grouped by owner in level order (brand, then campaign, then task)', () => {
    const ranks = FIELD_PATHS.map((p) => LEVELS.indexOf(CONTEXT_FIELDS[p].owner));
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    expect(FIELD_PATHS[0]).toBe('identity.name');
    expect(FIELD_PATHS).toHaveLength(27);
  });

  it('locks exactly the identity fields (identity) and the record names (fixed)', () => {
    const locks = Object.fromEntries(FIELD_PATHS.filter((p) => 'lock' in CONTEXT_FIELDS[p]).map((p) => [p, fieldOf(p).lock]));
    expect(locks).toEqual({
      'identity.name': 'identity',
      'identity.logo': 'identity',
      'identity.palette': 'identity',
      'campaign.name': 'fixed',
      'task.name': 'fixed',
    });
  });

  it('reads brand fields from the same path in brand data, and record names from `name`', () => {
    for (const p of FIELD_PATHS.filter((f) => CONTEXT_FIELDS[f].owner === 'brand')) expect(CONTEXT_FIELDS[p].source).toBe(p);
    expect(CONTEXT_FIELDS['campaign.name'].source).toBe('name');
    expect(CONTEXT_FIELDS['task.name'].source).toBe('name');
  });

  it('gives every field a schema that validates values (voice.tone is ShortText, channels are slugs)', () => {
    expect(CONTEXT_FIELDS['voice.tone'].schema.safeParse('warm').success).toBe(true);
    expect(CONTEXT_FIELDS['voice.tone'].schema.safeParse(5).success).toBe(false);
    expect(CONTEXT_FIELDS.channels.schema.safeParse(['email']).success).toBe(true);
    expect(CONTEXT_FIELDS.channels.schema.safeParse(['E mail']).success).toBe(false);
  });
});

describe('isFieldPath', () => {
  it('is true for catalog paths and false for anything else, including inherited object keys', () => {
    expect(isFieldPath('voice.tone')).toBe(true);
    expect(isFieldPath('channels')).toBe(true);
    for (const p of ['voice', 'voice.volume', '', 'toString', '__proto__', 'constructor', 'Channels']) expect(isFieldPath(p)).toBe(false);
  });
});

describe('getPath', () => {
  const obj = { a: { b: { c: 1 }, n: null, zero: 0 }, list: ['x'] };

  it('reads a dot path', () => {
    expect(getPath(obj, 'a.b.c')).toBe(1);
    expect(getPath(obj, 'a.b')).toEqual({ c: 1 });
    expect(getPath(obj, 'a.zero')).toBe(0);
    expect(getPath(obj, 'list.0')).toBe('x');
  });

  it('gives undefined when any step is missing or not an object', () => {
    expect(getPath(obj, 'a.x.c')).toBeUndefined();
    expect(getPath(obj, 'a.n.c')).toBeUndefined();
    expect(getPath(obj, 'a.zero.c')).toBeUndefined();
    expect(getPath(null, 'a')).toBeUndefined();
    expect(getPath('str', 'length')).toBeUndefined();
  });
});

describe('setPath', () => {
  it('writes a dot path, creating intermediate objects and keeping siblings', () => {
    const obj: Record<string, unknown> = { voice: { personality: ['bold'] } };
    setPath(obj, 'voice.tone', 'warm');
    setPath(obj, 'a.b.c', 1);
    setPath(obj, 'locale', 'en');
    expect(obj).toEqual({ voice: { personality: ['bold'], tone: 'warm' }, a: { b: { c: 1 } }, locale: 'en' });
  });

  it('replaces a non-object intermediate with an object', () => {
    const obj: Record<string, unknown> = { a: 5, b: null };
    setPath(obj, 'a.x', 1);
    setPath(obj, 'b.y', 2);
    expect(obj).toEqual({ a: { x: 1 }, b: { y: 2 } });
  });

  it('round-trips with getPath for every catalog path', () => {
    const obj: Record<string, unknown> = {};
    FIELD_PATHS.forEach((p, i) => setPath(obj, p, i));
    FIELD_PATHS.forEach((p, i) => expect(getPath(obj, p)).toBe(i));
  });
});
