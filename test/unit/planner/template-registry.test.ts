import { describe, expect, it } from 'vitest';
import { TemplateRegistry } from '../../../src/planner/template-registry.js';
import type { WorkflowTemplateInput } from '../../../src/planner/template.js';
import { campaignContentTemplate } from '../../../src/planner/templates/campaign-content.template.js';
import { catchPlatformError, issuesOf, knownKinds, problemsOf, templateWith } from './_helpers.js';

const registry = (): TemplateRegistry => new TemplateRegistry(knownKinds);
const named = (name: string, version: number, extra: Partial<WorkflowTemplateInput> = {}): WorkflowTemplateInput => templateWith(undefined, { name, version, ...extra });
const refs = (r: TemplateRegistry): string[] => r.list().map((t) => `${t.name}@${t.version}`);

describe('TemplateRegistry: register', () => {
  it('validates and returns the parsed template (defaults applied)', () => {
    const t = registry().register(campaignContentTemplate);
    expect(t.name).toBe('campaign-content');
    expect(t.stages[0]?.retry.maxAttempts).toBe(3);
    expect(t.approvalDeadlineMs).toBe(7 * 86_400_000);
  });

  it('starts empty', () => {
    expect(registry().list()).toEqual([]);
  });

  it('refuses a template with an unknown handler kind, naming it, and does not add it', () => {
    const r = registry();
    const err = catchPlatformError(() => r.register(templateWith([{ id: 'a', kind: 'not.registered' }])));
    expect(problemsOf(err)).toEqual(['stage a uses unknown handler not.registered']);
    expect(r.list()).toEqual([]);
    expect(catchPlatformError(() => r.resolve('test-template')).code).toBe('INVALID_TEMPLATE');
  });

  it('refuses a template that does not parse (VALIDATION_FAILED) and does not add it', () => {
    const r = registry();
    r.register(named('keep', 1));
    issuesOf(catchPlatformError(() => r.register({ ...named('broken', 1), stages: [] })));
    expect(refs(r)).toEqual(['keep@1']);
  });

  it('does not replace a valid version with an invalid one', () => {
    const r = registry();
    const v1 = r.register(named('t', 1));
    catchPlatformError(() => r.register(named('t', 1, { stages: [{ id: 'a', kind: 'echo', dependsOn: ['a'] }] })));
    expect(r.resolve('t@1')).toEqual(v1);
  });

  it('accepts re-registering the same name@version with the same content', () => {
    const r = registry();
    const first = r.register(campaignContentTemplate);
    const again = r.register(structuredClone(campaignContentTemplate));
    expect(again).toEqual(first);
    expect(refs(r)).toEqual(['campaign-content@1']);
  });

  it('accepts the same content written with its defaults spelled out', () => {
    const r = registry();
    r.register(named('t', 1));
    expect(() => r.register(named('t', 1, { maxReworkRounds: 2, description: '', approvalDeadlineMs: 7 * 86_400_000 }))).not.toThrow();
    expect(refs(r)).toEqual(['t@1']);
  });

  it('refuses re-registering the same name@version with different content, and keeps the first', () => {
    const r = registry();
    const first = r.register(named('t', 1));
    const err = catchPlatformError(() => r.register(named('t', 1, { description: 'changed' })));
    expect(err.code).toBe('INVALID_TEMPLATE');
    expect(err.message).toContain('t@1');
    expect(err.message).toMatch(/already registered/);
    expect(r.resolve('t@1')).toEqual(first);
    expect(r.resolve('t@1').description).toBe('');
  });

  it('refuses a changed stage under an existing version', () => {
    const r = registry();
    r.register(campaignContentTemplate);
    const changed = { ...campaignContentTemplate, stages: campaignContentTemplate.stages.map((s) => (s.id === 'draft' ? { ...s, kind: 'echo.fallback' } : s)) };
    expect(catchPlatformError(() => r.register(changed)).code).toBe('INVALID_TEMPLATE');
  });

  // Regression (was a bug, now fixed): register() compares JSON.stringify(existing) with JSON.stringify(new), which depends on key order.
  // `params` (z.record) keeps the input's key order, so the same content written with params keys in another
  // order is refused as "other content" although its contentHash (canonical JSON, used for the plan's
  // template hash) is identical.
  it('accepts the same content when only the key order inside params differs', () => {
    const r = registry();
    r.register(named('t', 1, { stages: [{ id: 'a', kind: 'echo', params: { role: 'writer', words: 100 } }] }));
    expect(() => r.register(named('t', 1, { stages: [{ id: 'a', kind: 'echo', params: { words: 100, role: 'writer' } }] }))).not.toThrow();
  });

  it('accepts the same content when only the top-level key order differs', () => {
    const r = registry();
    r.register(campaignContentTemplate);
    const reordered = Object.fromEntries(Object.entries(campaignContentTemplate).reverse());
    expect(() => r.register(reordered)).not.toThrow();
  });

  it('adds a new version next to the old one', () => {
    const r = registry();
    r.register(named('t', 1));
    r.register(named('t', 2, { description: 'v2' }));
    expect(refs(r)).toEqual(['t@1', 't@2']);
  });
});

describe('TemplateRegistry: resolve', () => {
  const populated = (): TemplateRegistry => {
    const r = registry();
    r.register(named('t', 2, { description: 'two' }));
    r.register(named('t', 10, { description: 'ten' }));
    r.register(named('t', 1, { description: 'one' }));
    r.register(campaignContentTemplate);
    return r;
  };

  it('resolves a name to its latest version (numerically, whatever the registration order)', () => {
    const t = populated().resolve('t');
    expect(t.version).toBe(10);
    expect(t.description).toBe('ten');
    expect(populated().resolve('campaign-content').version).toBe(1);
  });

  it('resolves name@version to that exact version', () => {
    const r = populated();
    expect(r.resolve('t@1').description).toBe('one');
    expect(r.resolve('t@2').description).toBe('two');
    expect(r.resolve('t@10').description).toBe('ten');
    expect(r.resolve('campaign-content@1').name).toBe('campaign-content');
  });

  it('returns the template as registered (parsed)', () => {
    const r = registry();
    const registered = r.register(campaignContentTemplate);
    expect(r.resolve('campaign-content')).toEqual(registered);
  });

  it('refuses an unknown name with INVALID_TEMPLATE, listing the known templates', () => {
    const err = catchPlatformError(() => populated().resolve('nope'));
    expect(err.code).toBe('INVALID_TEMPLATE');
    expect(err.httpStatus).toBe(422);
    expect(err.message).toContain('nope');
    expect(err.message).toContain('known: campaign-content@1, t@1, t@2, t@10');
    expect(err.details).toEqual({ template: 'nope' });
  });

  it('refuses an unknown version of a known name, listing the known templates', () => {
    const err = catchPlatformError(() => populated().resolve('t@3'));
    expect(err.code).toBe('INVALID_TEMPLATE');
    expect(err.message).toContain('unknown workflow template t@3');
    expect(err.message).toContain('t@1, t@2, t@10');
    expect(err.details).toEqual({ template: 't@3' });
  });

  it('says "none" when nothing is registered', () => {
    const err = catchPlatformError(() => registry().resolve('campaign-content'));
    expect(err.code).toBe('INVALID_TEMPLATE');
    expect(err.message).toContain('known: none');
  });

  it.each(['', '@1', 't@', 't@x', 't@0', 't@-1', 'T', 't@ten'])('refuses the malformed or unknown reference %j', (ref) => {
    expect(catchPlatformError(() => populated().resolve(ref)).code).toBe('INVALID_TEMPLATE');
  });

  // Regression (was a bug): resolve() split on '@' and converts with Number(), so trailing junk and non-decimal spellings of a
  // version resolve to a real template ('t@1@junk' -> t@1, 't@0x1' -> t@1, 't@1.0' -> t@1, 't@ 1' -> t@1).
  // A reference should be exactly `name` or `name@<decimal integer>`.
  it.each(['t@1@junk', 't@0x1', 't@1.0', 't@1e0', 't@ 1'])('refuses the loosely written reference %j', (ref) => {
    expect(catchPlatformError(() => populated().resolve(ref)).code).toBe('INVALID_TEMPLATE');
  });
});

describe('TemplateRegistry: list', () => {
  it('lists by name, then by version (numerically), whatever the registration order', () => {
    const r = registry();
    r.register(named('zeta', 1));
    r.register(named('alpha', 10));
    r.register(named('mid', 1));
    r.register(named('alpha', 2));
    r.register(named('alpha', 1));
    expect(refs(r)).toEqual(['alpha@1', 'alpha@2', 'alpha@10', 'mid@1', 'zeta@1']);
  });

  it('lists each name@version once, even when registered twice', () => {
    const r = registry();
    r.register(named('a', 1));
    r.register(named('a', 1));
    expect(refs(r)).toEqual(['a@1']);
  });

  it('lists parsed templates', () => {
    const r = registry();
    r.register(campaignContentTemplate);
    const [t] = r.list();
    expect(t?.stages.every((s) => Array.isArray(s.dependsOn))).toBe(true);
    expect(t?.maxReworkRounds).toBe(3);
  });
});

describe('TemplateRegistry: knownKinds', () => {
  it('validates against the oracle it was created with', () => {
    const strict = new TemplateRegistry((k) => k === 'echo');
    expect(problemsOf(catchPlatformError(() => strict.register(campaignContentTemplate)))).toEqual([
      'review uses unknown handler gate.pass',
      'consolidate uses unknown handler consolidate.noop',
      'learn uses unknown handler learn.noop',
    ]);
  });
});
