import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { BrandData } from '../../../src/domain/brand.js';
import { parseOrThrow, toValidationIssues } from '../../../src/domain/validation.js';
import { catchPlatformError } from './_builders.js';

const Schema = z.strictObject({
  a: z.string(),
  b: z.number(),
  c: z.strictObject({ d: z.boolean() }),
  items: z.array(z.int()).optional(),
});

describe('parseOrThrow', () => {
  it('returns the parsed value, with transforms and defaults applied', () => {
    expect(parseOrThrow(Schema, { a: 'x', b: 1, c: { d: true } })).toEqual({ a: 'x', b: 1, c: { d: true } });
    const brand = parseOrThrow(BrandData, { identity: { name: '  Acme ' } }, 'body');
    expect(brand.identity.name).toBe('Acme');
    expect(brand.rules).toEqual({ bannedTerms: [], requiredDisclaimers: [] });
  });

  it('throws VALIDATION_FAILED (400) whose message names the first problem and its prefixed path', () => {
    const err = catchPlatformError(() => parseOrThrow(Schema, { a: 1, b: 'x', c: { d: 'no' } }, 'body'));
    expect(err.code).toBe('VALIDATION_FAILED');
    expect(err.httpStatus).toBe(400);
    expect(err.message).toMatch(/^body\.a: /);
    expect(err.message).toContain('expected string');
  });

  it('lists every problem with its path in details.issues', () => {
    const err = catchPlatformError(() => parseOrThrow(Schema, { a: 1, b: 'x', c: { d: 'no' }, items: [1, 2.5] }, 'body'));
    const issues = err.details?.['issues'] as { path: string; message: string }[];
    expect(issues.map((i) => i.path)).toEqual(['body.a', 'body.b', 'body.c.d', 'body.items.1']);
    for (const issue of issues) expect(issue.message).toEqual(expect.any(String));
    expect(err.message).toBe(`body.a: ${issues[0]?.message}`);
  });

  it('reports unknown keys of a strict object at the object path, naming the key', () => {
    const err = catchPlatformError(() => parseOrThrow(Schema, { a: 'x', b: 1, c: { d: true, e: 1 }, extra: 2 }, 'query'));
    const issues = err.details?.['issues'] as { path: string; message: string }[];
    expect(issues.map((i) => i.path).sort()).toEqual(['query', 'query.c']);
    expect(issues.find((i) => i.path === 'query')?.message).toContain('"extra"');
    expect(issues.find((i) => i.path === 'query.c')?.message).toContain('"e"');
  });

  it('names the root "(root)" in the message when there is no prefix, and keeps the issue path empty', () => {
    const err = catchPlatformError(() => parseOrThrow(Schema, 5));
    expect(err.message).toMatch(/^\(root\): /);
    expect(err.details?.['issues']).toEqual([{ path: '', message: expect.stringContaining('expected object') }]);
  });

  it('uses the prefix alone as the path of a root problem', () => {
    const err = catchPlatformError(() => parseOrThrow(Schema, 'nope', 'body'));
    expect(err.message).toMatch(/^body: /);
    expect((err.details?.['issues'] as { path: string }[])[0]?.path).toBe('body');
  });

  it('reports the path of a refinement on a nested value (timeline.end)', () => {
    const err = catchPlatformError(() =>
      parseOrThrow(z.strictObject({ timeline: z.strictObject({ start: z.string(), end: z.string() }).refine((t) => t.end >= t.start, { path: ['end'], message: 'end before start' }) }), {
        timeline: { start: '2025-02-01', end: '2025-01-01' },
      }, 'body'),
    );
    expect(err.message).toBe('body.timeline.end: end before start');
  });
});

describe('toValidationIssues', () => {
  it('joins each issue path with dots after the prefix, stringifying array indexes', () => {
    const issues = [
      { code: 'custom', path: ['a', 0, 'b'], message: 'first', input: undefined },
      { code: 'custom', path: [], message: 'root', input: undefined },
    ] as unknown as z.core.$ZodIssue[];
    expect(toValidationIssues(issues, 'body')).toEqual([
      { path: 'body.a.0.b', message: 'first' },
      { path: 'body', message: 'root' },
    ]);
    expect(toValidationIssues(issues)).toEqual([
      { path: 'a.0.b', message: 'first' },
      { path: '', message: 'root' },
    ]);
  });

  it('returns no issues for no zod issues', () => {
    expect(toValidationIssues([], 'body')).toEqual([]);
  });
});
