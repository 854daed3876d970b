import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import {
  Budget, DELIVERABLE_TYPES, DeliverableType, HexColor, IsoDate, Locale, Logo, LongText, Palette, QualityCriterion, Segment, ShortText, Slug,
  TaskSpecs, TermList, Timeline, Uuid,
} from '../../../src/domain/values.js';

const ok = (schema: z.ZodType, value: unknown) => schema.safeParse(value).success;

describe('bounded text', () => {
  it('ShortText is 1–200 characters after trimming', () => {
    expect(ShortText.parse('  Launch  ')).toBe('Launch');
    expect(ok(ShortText, 'x'.repeat(200))).toBe(true);
    expect(ok(ShortText, 'x'.repeat(201))).toBe(false);
    expect(ok(ShortText, ` ${'x'.repeat(200)} `)).toBe(true);
    expect(ok(ShortText, '')).toBe(false);
    expect(ok(ShortText, '   ')).toBe(false);
    expect(ok(ShortText, 5)).toBe(false);
  });

  it('LongText is 1–4000 characters after trimming', () => {
    expect(ok(LongText, 'y'.repeat(4000))).toBe(true);
    expect(ok(LongText, 'y'.repeat(4001))).toBe(false);
    expect(ok(LongText, '\n\t ')).toBe(false);
  });

  it('TermList holds at most 200 terms of 1–100 characters each', () => {
    expect(TermList.parse([' a ', 'b'])).toEqual(['a', 'b']);
    expect(ok(TermList, [])).toBe(true);
    expect(ok(TermList, Array.from({ length: 200 }, (_, i) => `t${i}`))).toBe(true);
    expect(ok(TermList, Array.from({ length: 201 }, (_, i) => `t${i}`))).toBe(false);
    expect(ok(TermList, ['z'.repeat(100)])).toBe(true);
    expect(ok(TermList, ['z'.repeat(101)])).toBe(false);
    expect(ok(TermList, [''])).toBe(false);
  });
});

describe('identifiers and codes', () => {
  it.each([['instagram'], ['search-ads'], ['tv_spot'], ['9gag'], ['a'.repeat(64)]])('Slug accepts %s', (v) => {
    expect(ok(Slug, v)).toBe(true);
  });

  it.each([['Instagram'], ['-email'], ['_x'], ['two words'], ['a'.repeat(65)], ['']])('Slug refuses %j', (v) => {
    expect(ok(Slug, v)).toBe(false);
  });

  it('HexColor is #rrggbb in either case', () => {
    expect(ok(HexColor, '#a1B2c3')).toBe(true);
    for (const v of ['a1b2c3', '#abc', '#abcdefg', '#ggg000', 'red']) expect(ok(HexColor, v)).toBe(false);
  });

  it('Locale is a language with an optional upper-case region', () => {
    for (const v of ['en', 'pt-BR', 'fil']) expect(ok(Locale, v)).toBe(true);
    for (const v of ['EN', 'pt-br', 'pt_BR', 'english', 'e']) expect(ok(Locale, v)).toBe(false);
  });

  it('IsoDate is a real YYYY-MM-DD calendar date', () => {
    expect(ok(IsoDate, '2024-02-29')).toBe(true);
    for (const v of ['2023-02-29', '2024-13-01', '2024-1-01', '01/02/2024', '2024-01-01T00:00:00Z']) expect(ok(IsoDate, v)).toBe(false);
  });

  it('Uuid accepts a UUID and refuses other strings', () => {
    expect(ok(Uuid, '0190a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2b')).toBe(true);
    expect(ok(Uuid, '0190a1b2c3d47e5f8a6b7c8d9e0f1a2b')).toBe(false);
  });

  it('DeliverableType is one of the listed types', () => {
    expect(DELIVERABLE_TYPES).toContain('social_post');
    for (const t of DELIVERABLE_TYPES) expect(ok(DeliverableType, t)).toBe(true);
    expect(ok(DeliverableType, 'tweet')).toBe(false);
  });
});

describe('structured values', () => {
  it('Budget is a non-negative amount up to 1e12 in an ISO 4217 currency', () => {
    expect(ok(Budget, { amount: 0, currency: 'EUR' })).toBe(true);
    expect(ok(Budget, { amount: 1e12, currency: 'JPY' })).toBe(true);
    expect(ok(Budget, { amount: -1, currency: 'EUR' })).toBe(false);
    expect(ok(Budget, { amount: 1e12 + 1, currency: 'EUR' })).toBe(false);
    expect(ok(Budget, { amount: 1, currency: 'eur' })).toBe(false);
    expect(ok(Budget, { amount: 1, currency: 'EURO' })).toBe(false);
    expect(ok(Budget, { amount: 1 })).toBe(false);
  });

  it('Timeline refuses an end before the start, at path end, and accepts a one-day range', () => {
    expect(ok(Timeline, { start: '2025-03-01', end: '2025-03-01' })).toBe(true);
    expect(ok(Timeline, { start: '2025-03-01', end: '2026-01-01' })).toBe(true);
    const r = Timeline.safeParse({ start: '2025-03-02', end: '2025-03-01' });
    expect(r.success).toBe(false);
    expect(r.error?.issues).toEqual([expect.objectContaining({ path: ['end'], message: 'timeline.end must not be before timeline.start' })]);
  });

  it('Segment needs a name; its description is optional LongText', () => {
    expect(Segment.parse({ name: ' Students ' })).toEqual({ name: 'Students' });
    expect(ok(Segment, { description: 'x' })).toBe(false);
    expect(ok(Segment, { name: 'S', description: '' })).toBe(false);
  });

  it('Logo needs a URL of at most 2048 characters; alt is at most 300', () => {
    expect(ok(Logo, { url: 'https://example.com/logo.png' })).toBe(true);
    expect(ok(Logo, { url: `https://example.com/${'a'.repeat(2030)}` })).toBe(false);
    expect(ok(Logo, { url: 'https://example.com/l.png', alt: 'a'.repeat(301) })).toBe(false);
    expect(ok(Logo, { url: 'logo.png' })).toBe(false);
  });

  it('Palette holds 1–16 colours', () => {
    expect(ok(Palette, ['#000000'])).toBe(true);
    expect(ok(Palette, Array.from({ length: 16 }, () => '#000000'))).toBe(true);
    expect(ok(Palette, Array.from({ length: 17 }, () => '#000000'))).toBe(false);
    expect(ok(Palette, [])).toBe(false);
  });

  it('TaskSpecs refuses a minimum word count above the maximum', () => {
    expect(ok(TaskSpecs, { lengthWords: { min: 100, max: 100 } })).toBe(true);
    expect(ok(TaskSpecs, { lengthWords: { min: 0 } })).toBe(true);
    const r = TaskSpecs.safeParse({ lengthWords: { min: 200, max: 100 } });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.message).toBe('lengthWords.min must not exceed lengthWords.max');
    expect(ok(TaskSpecs, { lengthWords: { max: 0 } })).toBe(false);
    expect(ok(TaskSpecs, { lengthWords: { min: 1.5 } })).toBe(false);
  });

  it('TaskSpecs attributes are at most 50 string, number or boolean values', () => {
    const attrs = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i]));
    expect(ok(TaskSpecs, { attributes: { ratio: '1:1', width: 1080, animated: false } })).toBe(true);
    expect(ok(TaskSpecs, { attributes: attrs(50) })).toBe(true);
    expect(ok(TaskSpecs, { attributes: attrs(51) })).toBe(false);
    expect(ok(TaskSpecs, { attributes: { nested: { a: 1 } } })).toBe(false);
    expect(ok(TaskSpecs, { attributes: { long: 'x'.repeat(1001) } })).toBe(false);
  });

  it('QualityCriterion needs a slug id and a description; minScore is within 0–1', () => {
    expect(ok(QualityCriterion, { id: 'on-brand', description: 'Matches the voice', minScore: 0.8 })).toBe(true);
    expect(ok(QualityCriterion, { id: 'On Brand', description: 'x' })).toBe(false);
    expect(ok(QualityCriterion, { id: 'x', description: 'x', minScore: 1.1 })).toBe(false);
    expect(ok(QualityCriterion, { id: 'x', description: 'x', minScore: -0.1 })).toBe(false);
  });
});

describe('strict objects', () => {
  it.each([
    ['Budget', Budget, { amount: 1, currency: 'EUR', note: 'x' }],
    ['Timeline', Timeline, { start: '2025-01-01', end: '2025-01-02', tz: 'UTC' }],
    ['Segment', Segment, { name: 'S', size: 10 }],
    ['Logo', Logo, { url: 'https://example.com/l.png', width: 10 }],
    ['TaskSpecs', TaskSpecs, { format: 'x', colour: 'red' }],
    ['TaskSpecs.lengthWords', TaskSpecs, { lengthWords: { min: 1, avg: 2 } }],
    ['QualityCriterion', QualityCriterion, { id: 'x', description: 'x', weight: 2 }],
  ] as const)('%s refuses unknown keys', (_name, schema, value) => {
    const r = (schema as z.ZodType).safeParse(value);
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.code).toBe('unrecognized_keys');
  });
});
