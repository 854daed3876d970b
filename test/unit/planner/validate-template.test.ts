import { describe, expect, it } from 'vitest';
import { validateTemplate } from '../../../src/planner/planner.js';
import type { WorkflowTemplateInput } from '../../../src/planner/template.js';
import { campaignContentTemplate } from '../../../src/planner/templates/campaign-content.template.js';
import { catchPlatformError, issuesOf, knowing, knownKinds, problemsOf, templateWith } from './_helpers.js';

const DAY = 86_400_000;

/** Validates and returns the INVALID_TEMPLATE error's problems (the test fails when it does not throw). */
function problems(input: unknown, kinds = knownKinds): { message: string; problems: string[]; details: Record<string, unknown> | undefined } {
  const err = catchPlatformError(() => validateTemplate(input, kinds));
  return { message: err.message, problems: problemsOf(err), details: err.details };
}

describe('validateTemplate: accepts', () => {
  it('accepts the built-in campaign-content template when the handler registry knows its kinds', () => {
    const t = validateTemplate(campaignContentTemplate, knowing('echo', 'gate.pass', 'consolidate.noop', 'learn.noop'));
    expect(t.name).toBe('campaign-content');
    expect(t.version).toBe(1);
    expect(t.stages.map((s) => s.id)).toEqual(['brief', 'research', 'audience', 'competitors', 'draft', 'visual-brief']);
    expect(t.maxReworkRounds).toBe(3);
  });

  it('asks the knownKinds oracle about every stage, fallback and system-step kind', () => {
    const asked = new Set<string>();
    validateTemplate(
      templateWith([{ id: 'a', kind: 'echo', fallback: 'echo.fallback' }], {
        review: { kind: 'gate.pass', fallback: 'gate.strict' },
      }),
      (k) => {
        asked.add(k);
        return true;
      },
    );
    expect([...asked].sort()).toEqual(['consolidate.noop', 'echo', 'echo.fallback', 'gate.pass', 'gate.strict', 'learn.noop']);
  });

  it('does not mutate its input', () => {
    const input = structuredClone(campaignContentTemplate);
    validateTemplate(input, knownKinds);
    expect(input).toEqual(campaignContentTemplate);
  });

  it('accepts a valid diamond DAG and a stage listed before its dependency', () => {
    expect(() =>
      validateTemplate(
        templateWith([
          { id: 'd', kind: 'echo', dependsOn: ['b', 'c'] },
          { id: 'b', kind: 'echo', dependsOn: ['a'] },
          { id: 'c', kind: 'echo', dependsOn: ['a'] },
          { id: 'a', kind: 'echo' },
        ]),
        knownKinds,
      ),
    ).not.toThrow();
  });

  it('accepts conditions on context fields, on sub-paths inside a field, and on the parent of fields', () => {
    for (const path of ['channels', 'deliverableType', 'voice.tone', 'specs.format', 'specs.lengthWords.min', 'budget.currency', 'voice', 'identity', 'campaign.name', 'task.name']) {
      expect(() => validateTemplate(templateWith([{ id: 'a', kind: 'echo', when: { path, exists: true } }]), knownKinds), path).not.toThrow();
    }
  });
});

describe('validateTemplate: defaults', () => {
  const minimal = (): WorkflowTemplateInput => ({
    name: 'minimal',
    version: 1,
    stages: [{ id: 'only', kind: 'echo' }],
    review: { kind: 'gate.pass' },
    consolidate: { kind: 'consolidate.noop' },
    learn: { kind: 'learn.noop' },
  });

  it('gives a stage a retry of 3 attempts, exponential backoff from 1 s up to 30 s, multiplier 2', () => {
    const [stage] = validateTemplate(minimal(), knownKinds).stages;
    expect(stage?.retry).toEqual({ maxAttempts: 3, backoff: { type: 'exponential', initialMs: 1000, maxMs: 30_000, multiplier: 2 } });
  });

  it('gives a stage no timeout, no dependencies, no fallback, content false and empty params', () => {
    const [stage] = validateTemplate(minimal(), knownKinds).stages;
    expect(stage).toEqual({
      id: 'only',
      kind: 'echo',
      dependsOn: [],
      retry: { maxAttempts: 3, backoff: { type: 'exponential', initialMs: 1000, maxMs: 30_000, multiplier: 2 } },
      timeoutMs: null,
      content: false,
      params: {},
    });
    expect(stage).not.toHaveProperty('fallback');
    expect(stage).not.toHaveProperty('when');
  });

  it('gives the template maxReworkRounds 2, a 7-day approval deadline and an empty description', () => {
    const t = validateTemplate(minimal(), knownKinds);
    expect(t.maxReworkRounds).toBe(2);
    expect(t.approvalDeadlineMs).toBe(7 * DAY);
    expect(t.description).toBe('');
  });

  it('gives the system steps the same retry and timeout defaults', () => {
    const t = validateTemplate(minimal(), knownKinds);
    for (const step of [t.review, t.consolidate, t.learn]) {
      expect(step?.retry).toEqual({ maxAttempts: 3, backoff: { type: 'exponential', initialMs: 1000, maxMs: 30_000, multiplier: 2 } });
      expect(step?.timeoutMs).toBeNull();
      expect(step?.params).toEqual({});
    }
  });

  it('fills the rest of a partly given retry policy', () => {
    const t = validateTemplate(templateWith([{ id: 'a', kind: 'echo', retry: { maxAttempts: 5, backoff: { type: 'fixed' } } }]), knownKinds);
    expect(t.stages[0]?.retry).toEqual({ maxAttempts: 5, backoff: { type: 'fixed', initialMs: 1000, maxMs: 30_000, multiplier: 2 } });
    const t2 = validateTemplate(templateWith([{ id: 'a', kind: 'echo', retry: { backoff: { initialMs: 10 } } }]), knownKinds);
    expect(t2.stages[0]?.retry).toEqual({ maxAttempts: 3, backoff: { type: 'exponential', initialMs: 10, maxMs: 30_000, multiplier: 2 } });
  });

  it('keeps declared values instead of the defaults (approvalDeadlineMs null = no deadline)', () => {
    const t = validateTemplate(
      templateWith([{ id: 'a', kind: 'echo', timeoutMs: 5000, content: true, params: { role: 'x' } }], {
        maxReworkRounds: 0,
        approvalDeadlineMs: null,
        description: 'd',
      }),
      knownKinds,
    );
    expect(t.maxReworkRounds).toBe(0);
    expect(t.approvalDeadlineMs).toBeNull();
    expect(t.description).toBe('d');
    expect(t.stages[0]).toMatchObject({ timeoutMs: 5000, content: true, params: { role: 'x' } });
  });
});

describe('validateTemplate: refuses, naming the problem', () => {
  it('a two-stage cycle, with the path a -> b -> a in the message and the problems', () => {
    const r = problems(
      templateWith([
        { id: 'a', kind: 'echo', dependsOn: ['b'] },
        { id: 'b', kind: 'echo', dependsOn: ['a'] },
      ]),
    );
    expect(r.message).toContain('a -> b -> a');
    expect(r.problems).toEqual(['stages form a cycle: a -> b -> a']);
    expect(r.details?.['template']).toBe('test-template@1');
    expect(r.message).toContain('test-template@1');
  });

  it('a longer cycle behind an acyclic entry stage, naming only the stages on the cycle', () => {
    const r = problems(
      templateWith([
        { id: 'start', kind: 'echo' },
        { id: 'x', kind: 'echo', dependsOn: ['start', 'z'] },
        { id: 'y', kind: 'echo', dependsOn: ['x'] },
        { id: 'z', kind: 'echo', dependsOn: ['y'] },
      ]),
    );
    expect(r.problems).toHaveLength(1);
    expect(r.message).toContain('x -> z -> y -> x');
    expect(r.problems[0]).toContain('x -> z -> y -> x');
    expect(r.problems[0]).not.toContain('start');
  });

  it('a dependency on an unknown stage', () => {
    const r = problems(templateWith([{ id: 'a', kind: 'echo' }, { id: 'b', kind: 'echo', dependsOn: ['a', 'ghost'] }]));
    expect(r.problems).toEqual(['stage b depends on unknown stage ghost']);
    expect(r.message).toContain('stage b depends on unknown stage ghost');
  });

  it('a stage depending on itself', () => {
    const r = problems(templateWith([{ id: 'a', kind: 'echo', dependsOn: ['a'] }]));
    expect(r.problems).toContain('stage a depends on itself');
    expect(r.message).toContain('stage a depends on itself');
  });

  it('duplicate stage ids', () => {
    const r = problems(templateWith([{ id: 'a', kind: 'echo' }, { id: 'b', kind: 'echo' }, { id: 'a', kind: 'echo' }]));
    expect(r.problems).toEqual(['stage a is defined twice']);
    expect(r.message).toContain('stage a is defined twice');
  });

  it('an unknown handler kind for a stage', () => {
    const r = problems(templateWith([{ id: 'a', kind: 'copywriter.draft' }]));
    expect(r.problems).toEqual(['stage a uses unknown handler copywriter.draft']);
    expect(r.message).toContain('copywriter.draft');
  });

  it('an unknown fallback kind for a stage', () => {
    const r = problems(templateWith([{ id: 'a', kind: 'echo', fallback: 'nope.fallback' }]));
    expect(r.problems).toEqual(['stage a falls back to unknown handler nope.fallback']);
    expect(r.message).toContain('nope.fallback');
  });

  it.each(['review', 'consolidate', 'learn'] as const)('an unknown handler kind for %s', (step) => {
    const r = problems(templateWith(undefined, { [step]: { kind: 'missing.kind' } }));
    expect(r.problems).toEqual([`${step} uses unknown handler missing.kind`]);
    expect(r.message).toContain(`${step} uses unknown handler missing.kind`);
  });

  it.each(['review', 'consolidate', 'learn'] as const)('an unknown fallback kind for %s', (step) => {
    const kind = { review: 'gate.pass', consolidate: 'consolidate.noop', learn: 'learn.noop' }[step];
    const r = problems(templateWith(undefined, { [step]: { kind, fallback: 'missing.fallback' } }));
    expect(r.problems).toEqual([`${step} falls back to unknown handler missing.fallback`]);
  });

  it('a condition reading a path that is not a context field', () => {
    const r = problems(templateWith([{ id: 'a', kind: 'echo', when: { path: 'brand.name', equals: 'Acme' } }]));
    expect(r.problems).toEqual(['stage a: condition reads brand.name, which is not a context field']);
    expect(r.message).toContain('brand.name');
  });

  it('an unknown path nested deep inside all / any / not', () => {
    const r = problems(
      templateWith([
        {
          id: 'a',
          kind: 'echo',
          when: { all: [{ path: 'channels', includes: 'x' }, { any: [{ not: { path: 'channel', includes: 'x' } }, { path: 'voice.tone', exists: true }] }] },
        },
      ]),
    );
    expect(r.problems).toEqual(['stage a: condition reads channel, which is not a context field']);
  });

  it('paths that only share a prefix with a field (no dot boundary) are not fields', () => {
    for (const path of ['channel', 'channelsX', 'voicetone', 'specsformat', 'identityName', 'Channels']) {
      const r = problems(templateWith([{ id: 'a', kind: 'echo', when: { path, exists: true } }]));
      expect(r.problems, path).toEqual([`stage a: condition reads ${path}, which is not a context field`]);
    }
  });

  it('names every unknown path of a condition', () => {
    const r = problems(templateWith([{ id: 'a', kind: 'echo', when: { any: [{ path: 'foo', exists: true }, { path: 'bar.baz', exists: true }] } }]));
    expect(r.problems).toEqual([
      'stage a: condition reads foo, which is not a context field',
      'stage a: condition reads bar.baz, which is not a context field',
    ]);
  });

  it('does not call a template valid when the only problem is on a later stage', () => {
    const r = problems(templateWith([{ id: 'a', kind: 'echo' }, { id: 'b', kind: 'echo' }, { id: 'c', kind: 'unknown' }]));
    expect(r.problems).toEqual(['stage c uses unknown handler unknown']);
  });
});

describe('validateTemplate: several problems at once', () => {
  const broken = (): WorkflowTemplateInput =>
    templateWith(
      [
        { id: 'a', kind: 'echo' },
        { id: 'a', kind: 'echo' },
        { id: 'b', kind: 'mystery', dependsOn: ['ghost'] },
        { id: 'c', kind: 'echo', fallback: 'nofallback', when: { path: 'nowhere', exists: true } },
      ],
      { learn: { kind: 'learn.unknown' } },
    );

  it('lists every problem in details.problems', () => {
    const r = problems(broken());
    expect(r.problems).toEqual([
      'stage a is defined twice',
      'stage b depends on unknown stage ghost',
      'stage b uses unknown handler mystery',
      'stage c falls back to unknown handler nofallback',
      'stage c: condition reads nowhere, which is not a context field',
      'learn uses unknown handler learn.unknown',
    ]);
  });

  it('names the first three in the message and counts the others', () => {
    const r = problems(broken());
    expect(r.message).toBe(
      'template test-template@1 is invalid: stage a is defined twice; stage b depends on unknown stage ghost; stage b uses unknown handler mystery (and 3 more)',
    );
  });

  it('names all of them, without a count, when there are three or fewer', () => {
    const r = problems(templateWith([{ id: 'a', kind: 'x1' }, { id: 'b', kind: 'x2' }, { id: 'c', kind: 'x3' }]));
    expect(r.message).toBe('template test-template@1 is invalid: stage a uses unknown handler x1; stage b uses unknown handler x2; stage c uses unknown handler x3');
  });

  it('reports a self-dependency together with the other problems of the same stage', () => {
    const r = problems(templateWith([{ id: 'a', kind: 'nope', dependsOn: ['a'] }]));
    expect(r.problems).toEqual(['stage a depends on itself', 'stage a uses unknown handler nope']);
  });

  // Regression (was a bug, now fixed): validateTemplate only looks for a cycle when no other problem was found (`if (problems.length === 0)`),
  // so a template with a cycle AND e.g. an unknown handler reports only the handler; the author fixes it and
  // then discovers the cycle. The doc comment promises "Every problem is listed in details.problems".
  it('lists a cycle together with an unrelated unknown handler', () => {
    const r = problems(
      templateWith([
        { id: 'a', kind: 'echo', dependsOn: ['b'] },
        { id: 'b', kind: 'echo', dependsOn: ['a'] },
        { id: 'c', kind: 'nope' },
      ]),
    );
    expect(r.problems).toContain('stage c uses unknown handler nope');
    expect(r.problems).toContain('stages form a cycle: a -> b -> a');
  });
});

describe('validateTemplate: schema errors give VALIDATION_FAILED with a path', () => {
  const issues = (input: unknown): { message: string; issues: { path: string; message: string }[] } => {
    const err = catchPlatformError(() => validateTemplate(input, knownKinds));
    return { message: err.message, issues: issuesOf(err) };
  };

  it('a bad stage id such as Draft!', () => {
    const r = issues(templateWith([{ id: 'Draft!', kind: 'echo' }]));
    expect(r.issues.map((i) => i.path)).toEqual(['template.stages.0.id']);
    expect(r.message).toMatch(/^template\.stages\.0\.id: /);
  });

  it.each(['Draft', '1st', '-a', 'a b', 'a.b', ''])('refuses the stage id %j', (id) => {
    const r = issues(templateWith([{ id, kind: 'echo' }]));
    expect(r.issues.map((i) => i.path)).toContain('template.stages.0.id');
  });

  it('an unknown field on the template', () => {
    const r = issues({ ...templateWith(), owner: 'me' });
    expect(r.issues).toEqual([{ path: 'template', message: expect.stringContaining('owner') }]);
  });

  it('an unknown field on a stage, at the stage path', () => {
    const r = issues(templateWith([{ id: 'a', kind: 'echo' }, { id: 'b', kind: 'echo', dependson: ['a'] } as never]));
    expect(r.issues).toEqual([{ path: 'template.stages.1', message: expect.stringContaining('dependson') }]);
  });

  it('an unknown field on a system step and on a retry policy', () => {
    expect(issues(templateWith(undefined, { review: { kind: 'gate.pass', handler: 'x' } as never })).issues[0]?.path).toBe('template.review');
    expect(issues(templateWith([{ id: 'a', kind: 'echo', retry: { attempts: 2 } as never }])).issues[0]?.path).toBe('template.stages.0.retry');
  });

  it('an empty stage list', () => {
    const r = issues(templateWith([]));
    expect(r.issues.map((i) => i.path)).toEqual(['template.stages']);
  });

  it('a malformed condition, at the condition path', () => {
    expect(issues(templateWith([{ id: 'a', kind: 'echo', when: { path: 'voice tone', exists: true } }])).issues[0]?.path).toBe('template.stages.0.when.path');
    expect(issues(templateWith([{ id: 'a', kind: 'echo', when: { all: [] } }])).issues[0]?.path).toBe('template.stages.0.when.all');
  });

  it('a bad handler kind, name and version', () => {
    expect(issues(templateWith([{ id: 'a', kind: 'Echo' }])).issues[0]?.path).toBe('template.stages.0.kind');
    expect(issues(templateWith(undefined, { name: 'Campaign Content' })).issues[0]?.path).toBe('template.name');
    expect(issues(templateWith(undefined, { version: 0 })).issues[0]?.path).toBe('template.version');
    expect(issues(templateWith(undefined, { version: 1.5 })).issues[0]?.path).toBe('template.version');
  });

  it('out-of-range policies', () => {
    expect(issues(templateWith([{ id: 'a', kind: 'echo', retry: { maxAttempts: 0 } }])).issues[0]?.path).toBe('template.stages.0.retry.maxAttempts');
    expect(issues(templateWith([{ id: 'a', kind: 'echo', timeoutMs: 0 }])).issues[0]?.path).toBe('template.stages.0.timeoutMs');
    expect(issues(templateWith(undefined, { maxReworkRounds: 21 })).issues[0]?.path).toBe('template.maxReworkRounds');
    expect(issues(templateWith(undefined, { approvalDeadlineMs: 999 })).issues[0]?.path).toBe('template.approvalDeadlineMs');
  });

  it('missing system steps', () => {
    const { learn: _learn, ...withoutLearn } = templateWith();
    expect(issues(withoutLearn).issues.map((i) => i.path)).toEqual(['template.learn']);
  });

  it('a value that is not an object at all', () => {
    expect(issues(null).issues[0]?.path).toBe('template');
    expect(issues('campaign-content').issues[0]?.path).toBe('template');
  });

  it('checks the schema before the semantics (no INVALID_TEMPLATE for a template that does not parse)', () => {
    const err = catchPlatformError(() => validateTemplate(templateWith([{ id: 'Bad!', kind: 'unknown', dependsOn: ['ghost'] }]), knownKinds));
    expect(err.code).toBe('VALIDATION_FAILED');
  });
});
