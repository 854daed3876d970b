import { describe, expect, it } from 'vitest';
import { conditionPaths, evaluateCondition } from '../../../src/planner/condition.js';
import { ConditionSchema, type Condition } from '../../../src/planner/template.js';

/** A resolved context as the planner receives it: nested objects, lists, scalars. */
const ctx = (): Record<string, unknown> => ({
  channels: ['instagram', 'email'],
  voice: { tone: 'warm', personality: ['bold', 'kind'] },
  deliverableType: 'social_post',
  specs: { format: 'carousel', lengthWords: { min: 50, max: 120 } },
  locale: 'en',
  budget: { amount: 1000, currency: 'EUR' },
  objectives: [],
  positioning: { category: null },
});

const evalIn = (condition: Condition, context: Record<string, unknown> = ctx()): boolean => evaluateCondition(condition, context);

describe('evaluateCondition: includes', () => {
  it('is true when a list contains the value', () => {
    expect(evalIn({ path: 'channels', includes: 'instagram' })).toBe(true);
    expect(evalIn({ path: 'channels', includes: 'email' })).toBe(true);
  });

  it('is false when a list does not contain the value', () => {
    expect(evalIn({ path: 'channels', includes: 'tiktok' })).toBe(false);
  });

  it('matches list members exactly, not by substring', () => {
    expect(evalIn({ path: 'channels', includes: 'insta' })).toBe(false);
  });

  it('is false on an empty list', () => {
    expect(evalIn({ path: 'objectives', includes: 'grow' })).toBe(false);
  });

  it('compares list members strictly (a number is not its string)', () => {
    expect(evalIn({ path: 'channels', includes: 1 }, { channels: [1, 2] })).toBe(true);
    expect(evalIn({ path: 'channels', includes: '1' }, { channels: [1, 2] })).toBe(false);
    expect(evalIn({ path: 'channels', includes: true }, { channels: [true] })).toBe(true);
  });

  it('is a substring test on a string', () => {
    expect(evalIn({ path: 'deliverableType', includes: 'social' })).toBe(true);
    expect(evalIn({ path: 'deliverableType', includes: 'social_post' })).toBe(true);
    expect(evalIn({ path: 'deliverableType', includes: 'email' })).toBe(false);
  });

  it('is case-sensitive on strings', () => {
    expect(evalIn({ path: 'deliverableType', includes: 'Social' })).toBe(false);
  });

  it('is false for a non-string value against a string field', () => {
    expect(evalIn({ path: 'locale', includes: 1 }, { locale: 'en1' })).toBe(false);
    expect(evalIn({ path: 'locale', includes: true }, { locale: 'true' })).toBe(false);
  });

  it('reads sub-paths of nested objects', () => {
    expect(evalIn({ path: 'specs.format', includes: 'carousel' })).toBe(true);
    expect(evalIn({ path: 'voice.personality', includes: 'kind' })).toBe(true);
    expect(evalIn({ path: 'voice.tone', includes: 'war' })).toBe(true);
  });

  it('is false on numbers, objects, null and missing fields (a missing field includes nothing)', () => {
    expect(evalIn({ path: 'budget.amount', includes: 1000 })).toBe(false);
    expect(evalIn({ path: 'budget', includes: 'EUR' })).toBe(false);
    expect(evalIn({ path: 'positioning.category', includes: 'x' })).toBe(false);
    expect(evalIn({ path: 'segments', includes: 'students' })).toBe(false);
    expect(evalIn({ path: 'channels', includes: 'instagram' }, {})).toBe(false);
  });
});

describe('evaluateCondition: equals', () => {
  it('is true for an equal scalar and false otherwise', () => {
    expect(evalIn({ path: 'deliverableType', equals: 'social_post' })).toBe(true);
    expect(evalIn({ path: 'deliverableType', equals: 'email' })).toBe(false);
    expect(evalIn({ path: 'voice.tone', equals: 'warm' })).toBe(true);
    expect(evalIn({ path: 'specs.format', equals: 'carousel' })).toBe(true);
  });

  it('compares numbers and booleans strictly', () => {
    expect(evalIn({ path: 'budget.amount', equals: 1000 })).toBe(true);
    expect(evalIn({ path: 'budget.amount', equals: '1000' })).toBe(false);
    expect(evalIn({ path: 'specs.draft', equals: true }, { specs: { draft: true } })).toBe(true);
    expect(evalIn({ path: 'specs.draft', equals: false }, { specs: { draft: true } })).toBe(false);
    expect(evalIn({ path: 'specs.draft', equals: 0 }, { specs: { draft: false } })).toBe(false);
  });

  it('is a whole-value comparison on strings, not a substring test', () => {
    expect(evalIn({ path: 'deliverableType', equals: 'social' })).toBe(false);
  });

  it('never equals a list or an object (scalars only)', () => {
    expect(evalIn({ path: 'channels', equals: 'instagram' })).toBe(false);
    expect(evalIn({ path: 'budget', equals: 'EUR' })).toBe(false);
  });

  it('equals null matches a missing field', () => {
    expect(evalIn({ path: 'segments', equals: null })).toBe(true);
    expect(evalIn({ path: 'specs.callToAction', equals: null })).toBe(true);
    expect(evalIn({ path: 'timeline.start', equals: null })).toBe(true);
  });

  it('equals null matches a field set to null', () => {
    expect(evalIn({ path: 'positioning.category', equals: null })).toBe(true);
  });

  it('equals null does not match a present value (even a falsy one)', () => {
    expect(evalIn({ path: 'deliverableType', equals: null })).toBe(false);
    expect(evalIn({ path: 'budget.amount', equals: null }, { budget: { amount: 0 } })).toBe(false);
    expect(evalIn({ path: 'locale', equals: null }, { locale: '' })).toBe(false);
  });

  it('a missing field equals no scalar', () => {
    expect(evalIn({ path: 'segments', equals: '' })).toBe(false);
    expect(evalIn({ path: 'segments', equals: 0 })).toBe(false);
    expect(evalIn({ path: 'segments', equals: false })).toBe(false);
  });
});

describe('evaluateCondition: exists', () => {
  it('exists: true holds for a present value, including falsy ones and empty lists', () => {
    expect(evalIn({ path: 'channels', exists: true })).toBe(true);
    expect(evalIn({ path: 'specs.format', exists: true })).toBe(true);
    expect(evalIn({ path: 'objectives', exists: true })).toBe(true);
    expect(evalIn({ path: 'budget.amount', exists: true }, { budget: { amount: 0 } })).toBe(true);
    expect(evalIn({ path: 'locale', exists: true }, { locale: '' })).toBe(true);
    expect(evalIn({ path: 'specs.draft', exists: true }, { specs: { draft: false } })).toBe(true);
  });

  it('exists: true fails for a missing or null value', () => {
    expect(evalIn({ path: 'segments', exists: true })).toBe(false);
    expect(evalIn({ path: 'positioning.category', exists: true })).toBe(false);
    expect(evalIn({ path: 'specs.callToAction', exists: true })).toBe(false);
  });

  it('exists: false is the exact negation', () => {
    expect(evalIn({ path: 'segments', exists: false })).toBe(true);
    expect(evalIn({ path: 'positioning.category', exists: false })).toBe(true);
    expect(evalIn({ path: 'channels', exists: false })).toBe(false);
    expect(evalIn({ path: 'specs.format', exists: false })).toBe(false);
  });

  // Regression (was a bug, now fixed): getPath (src/domain/context-fields.ts) follows the prototype chain, so a sub-path that names an
  // inherited member (constructor, toString, hasOwnProperty, ...) "exists" although the context does not
  // contain it. The Path regex and isKnownPath both accept `specs.constructor`. A condition must only
  // see the context's own data.
  it('does not see inherited object members as present (specs.constructor on an empty specs)', () => {
    expect(evalIn({ path: 'specs.constructor', exists: true }, { specs: {} })).toBe(false);
    expect(evalIn({ path: 'voice.toString', exists: true }, { voice: {} })).toBe(false);
  });
});

describe('evaluateCondition: missing paths', () => {
  it('treats a path through a missing parent as missing', () => {
    const c = ctx();
    expect(evalIn({ path: 'timeline.start', exists: true }, c)).toBe(false);
    expect(evalIn({ path: 'timeline.start', exists: false }, c)).toBe(true);
    expect(evalIn({ path: 'timeline.start', includes: '2025' }, c)).toBe(false);
    expect(evalIn({ path: 'timeline.start', equals: '2025-01-01' }, c)).toBe(false);
  });

  it('treats a path through a scalar or a null as missing', () => {
    expect(evalIn({ path: 'voice.tone.x', exists: true })).toBe(false);
    expect(evalIn({ path: 'deliverableType.x', exists: false })).toBe(true);
    expect(evalIn({ path: 'positioning.category.x', exists: true })).toBe(false);
  });

  it('evaluates over an empty context without throwing', () => {
    expect(evalIn({ path: 'channels', includes: 'instagram' }, {})).toBe(false);
    expect(evalIn({ path: 'channels', exists: false }, {})).toBe(true);
    expect(evalIn({ path: 'voice.tone', equals: null }, {})).toBe(true);
  });
});

describe('evaluateCondition: all / any / not', () => {
  const T: Condition = { path: 'channels', includes: 'instagram' };
  const F: Condition = { path: 'channels', includes: 'tiktok' };

  it('all holds only when every member holds', () => {
    expect(evalIn({ all: [T] })).toBe(true);
    expect(evalIn({ all: [T, T] })).toBe(true);
    expect(evalIn({ all: [T, F] })).toBe(false);
    expect(evalIn({ all: [F, T] })).toBe(false);
  });

  it('any holds when at least one member holds', () => {
    expect(evalIn({ any: [F, T] })).toBe(true);
    expect(evalIn({ any: [T] })).toBe(true);
    expect(evalIn({ any: [F, F] })).toBe(false);
  });

  it('not negates', () => {
    expect(evalIn({ not: T })).toBe(false);
    expect(evalIn({ not: F })).toBe(true);
    expect(evalIn({ not: { not: T } })).toBe(true);
  });

  it('not of a missing field: not exists / not includes', () => {
    expect(evalIn({ not: { path: 'segments', exists: true } })).toBe(true);
    expect(evalIn({ not: { path: 'segments', includes: 'students' } })).toBe(true);
  });

  it('nests all, any and not at several levels', () => {
    const visualSocialPost: Condition = {
      all: [
        { any: [{ path: 'channels', includes: 'instagram' }, { path: 'channels', includes: 'tiktok' }] },
        { not: { path: 'deliverableType', equals: 'email' } },
        { any: [{ path: 'specs.format', equals: 'carousel' }, { all: [{ path: 'voice.tone', exists: true }, F] }] },
      ],
    };
    expect(evalIn(visualSocialPost)).toBe(true);
    expect(evalIn(visualSocialPost, { ...ctx(), channels: ['email'] })).toBe(false);
    expect(evalIn(visualSocialPost, { ...ctx(), deliverableType: 'email' })).toBe(false);
    expect(evalIn(visualSocialPost, { ...ctx(), specs: { format: 'single' } })).toBe(false);
    expect(evalIn(visualSocialPost, { ...ctx(), specs: { format: 'single' }, channels: ['tiktok'] })).toBe(true);
  });

  it('does not mutate the context', () => {
    const c = ctx();
    const before = structuredClone(c);
    evalIn({ all: [{ path: 'timeline.start', exists: true }, { any: [T, { not: F }] }] }, c);
    expect(c).toEqual(before);
  });
});

describe('conditionPaths', () => {
  it('returns the single path of a leaf', () => {
    expect(conditionPaths({ path: 'channels', includes: 'x' })).toEqual(['channels']);
    expect(conditionPaths({ path: 'voice.tone', equals: null })).toEqual(['voice.tone']);
    expect(conditionPaths({ path: 'specs.format', exists: true })).toEqual(['specs.format']);
  });

  it('collects every path of a nested condition, in order, duplicates kept', () => {
    const c: Condition = {
      all: [
        { path: 'channels', includes: 'instagram' },
        { any: [{ path: 'voice.tone', equals: 'warm' }, { not: { path: 'specs.format', exists: true } }] },
        { not: { all: [{ path: 'deliverableType', equals: 'email' }, { path: 'channels', includes: 'tiktok' }] } },
      ],
    };
    expect(conditionPaths(c)).toEqual(['channels', 'voice.tone', 'specs.format', 'deliverableType', 'channels']);
  });

  it('reaches through not', () => {
    expect(conditionPaths({ not: { not: { path: 'locale', exists: true } } })).toEqual(['locale']);
  });
});

describe('ConditionSchema', () => {
  it('accepts each form', () => {
    for (const c of [
      { path: 'channels', includes: 'instagram' },
      { path: 'budget.amount', equals: 3 },
      { path: 'voice.tone', equals: null },
      { path: 'specs', exists: false },
      { all: [{ path: 'channels', includes: 'a' }] },
      { any: [{ path: 'channels', includes: 'a' }] },
      { not: { path: 'channels', includes: 'a' } },
    ]) {
      expect(ConditionSchema.safeParse(c).success, JSON.stringify(c)).toBe(true);
    }
  });

  it('refuses mixed operators, extra keys, empty all/any and bad paths', () => {
    for (const c of [
      { path: 'channels', includes: 'a', equals: 'a' },
      { path: 'channels', includes: 'a', extra: 1 },
      { path: 'channels' },
      { all: [] },
      { any: [] },
      { path: 'voice tone', exists: true },
      { path: '.channels', exists: true },
      { path: 'channels.', exists: true },
      { path: '', exists: true },
      { path: 'channels', includes: null },
      { path: 'channels', includes: ['a'] },
      { path: 'channels', equals: { a: 1 } },
    ]) {
      expect(ConditionSchema.safeParse(c).success, JSON.stringify(c)).toBe(false);
    }
  });
});
