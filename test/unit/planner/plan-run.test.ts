import { describe, expect, it } from 'vitest';
import { contentHash } from '../../../src/domain/canonical-json.js';
import type { PlannedStage, RunPlan } from '../../../src/domain/run.js';
import { planRun, validateTemplate } from '../../../src/planner/planner.js';
import type { WorkflowTemplate, WorkflowTemplateInput } from '../../../src/planner/template.js';
import { campaignContentTemplate } from '../../../src/planner/templates/campaign-content.template.js';
import { knownKinds, templateWith } from './_helpers.js';

const DEFAULT_RETRY = { maxAttempts: 3, backoff: { type: 'exponential' as const, initialMs: 1000, maxMs: 30_000, multiplier: 2 } };

const context = (): Record<string, unknown> => ({
  channels: ['instagram', 'email'],
  voice: { tone: 'warm' },
  deliverableType: 'social_post',
  specs: { format: 'carousel' },
});

const parse = (input: WorkflowTemplateInput): WorkflowTemplate => validateTemplate(input, knownKinds);
const plan = (input: WorkflowTemplateInput, ctx: Record<string, unknown> = context()): RunPlan => planRun(parse(input), ctx);
const ids = (p: RunPlan): string[] => p.stages.map((s) => s.id);
const stage = (p: RunPlan, id: string): PlannedStage => {
  const s = p.stages.find((x) => x.id === id);
  if (!s) throw new Error(`stage ${id} is not in the plan (${ids(p).join(', ')})`);
  return s;
};

/** Every stage comes after each of its dependencies, and every dependency is a planned stage. */
function expectTopological(p: RunPlan): void {
  const seen = new Set<string>();
  for (const s of p.stages) {
    for (const d of s.dependsOn) expect(seen.has(d), `${s.id} comes after its dependency ${d}`).toBe(true);
    seen.add(s.id);
  }
}

describe('planRun: determinism', () => {
  it('gives deep-equal plans for the same template and context', () => {
    const t = parse(campaignContentTemplate);
    const a = planRun(t, context());
    const b = planRun(t, context());
    expect(a).toEqual(b);
    expect(a.template.hash).toBe(b.template.hash);
  });

  it('gives the same plan from two separately validated copies of the template', () => {
    const a = planRun(parse(campaignContentTemplate), context());
    const b = planRun(parse(structuredClone(campaignContentTemplate)), context());
    expect(a).toEqual(b);
  });

  it('does not depend on the key order of the context or of the template', () => {
    const reordered = Object.fromEntries(Object.entries(context()).reverse());
    const t = parse(campaignContentTemplate);
    expect(planRun(t, reordered)).toEqual(planRun(t, context()));
    const reversedKeys = Object.fromEntries(Object.entries(campaignContentTemplate).reverse()) as WorkflowTemplateInput;
    expect(plan(reversedKeys).template.hash).toBe(plan(campaignContentTemplate).template.hash);
  });

  it('records the template name, version and content hash', () => {
    const t = parse(campaignContentTemplate);
    const p = planRun(t, context());
    expect(p.template).toEqual({ name: 'campaign-content', version: 1, hash: contentHash(t) });
    expect(p.template.hash).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('does not mutate the template or the context', () => {
    const t = parse(campaignContentTemplate);
    const tBefore = structuredClone(t);
    const ctx = context();
    const ctxBefore = structuredClone(ctx);
    planRun(t, ctx);
    planRun(t, { channels: ['email'] });
    expect(t).toEqual(tBefore);
    expect(ctx).toEqual(ctxBefore);
  });
});

describe('planRun: template hash', () => {
  const base = (): WorkflowTemplateInput => templateWith([{ id: 'a', kind: 'echo' }, { id: 'b', kind: 'echo', dependsOn: ['a'] }]);
  const hash = (input: WorkflowTemplateInput): string => plan(input).template.hash;

  it('is the same for the same template', () => {
    expect(hash(base())).toBe(hash(base()));
  });

  it('is the same whether defaults are written out or left implicit', () => {
    const explicit = templateWith(
      [
        { id: 'a', kind: 'echo', dependsOn: [], retry: DEFAULT_RETRY, timeoutMs: null, content: false, params: {} },
        { id: 'b', kind: 'echo', dependsOn: ['a'] },
      ],
      { maxReworkRounds: 2, approvalDeadlineMs: 7 * 86_400_000, description: '' },
    );
    expect(hash(explicit)).toBe(hash(base()));
  });

  it.each<[string, (t: WorkflowTemplateInput) => WorkflowTemplateInput]>([
    ['a stage kind', (t) => ({ ...t, stages: [{ id: 'a', kind: 'echo.fallback' }, { id: 'b', kind: 'echo', dependsOn: ['a'] }] })],
    ['a stage param', (t) => ({ ...t, stages: [{ id: 'a', kind: 'echo', params: { role: 'x' } }, { id: 'b', kind: 'echo', dependsOn: ['a'] }] })],
    ['a dependency', (t) => ({ ...t, stages: [{ id: 'a', kind: 'echo' }, { id: 'b', kind: 'echo' }] })],
    ['a condition', (t) => ({ ...t, stages: [{ id: 'a', kind: 'echo' }, { id: 'b', kind: 'echo', dependsOn: ['a'], when: { path: 'channels', exists: true } }] })],
    ['the stage order', (t) => ({ ...t, stages: [{ id: 'b', kind: 'echo', dependsOn: ['a'] }, { id: 'a', kind: 'echo' }] })],
    ['the version', (t) => ({ ...t, version: 2 })],
    ['the name', (t) => ({ ...t, name: 'other' })],
    ['the description', (t) => ({ ...t, description: 'changed' })],
    ['the review kind', (t) => ({ ...t, review: { kind: 'gate.strict' } })],
    ['maxReworkRounds', (t) => ({ ...t, maxReworkRounds: 5 })],
    ['approvalDeadlineMs', (t) => ({ ...t, approvalDeadlineMs: null })],
    ['a retry policy', (t) => ({ ...t, stages: [{ id: 'a', kind: 'echo', retry: { maxAttempts: 4 } }, { id: 'b', kind: 'echo', dependsOn: ['a'] }] })],
  ])('changes when %s changes', (_what, change) => {
    expect(hash(change(base()))).not.toBe(hash(base()));
  });

  it('does not depend on the context', () => {
    expect(plan(campaignContentTemplate, { channels: ['email'] }).template.hash).toBe(plan(campaignContentTemplate, { channels: ['instagram'] }).template.hash);
  });
});

describe('planRun: when conditions', () => {
  const conditional = (): WorkflowTemplateInput =>
    templateWith([
      { id: 'brief', kind: 'echo' },
      { id: 'visual', kind: 'echo', dependsOn: ['brief'], when: { path: 'channels', includes: 'instagram' } },
      { id: 'mail', kind: 'echo', dependsOn: ['brief'], when: { path: 'channels', includes: 'email' } },
      { id: 'draft', kind: 'echo', dependsOn: ['brief', 'visual', 'mail'] },
    ]);

  it('keeps every stage whose condition holds or that has no condition', () => {
    const p = plan(conditional(), { channels: ['instagram', 'email'] });
    expect(ids(p)).toEqual(['brief', 'visual', 'mail', 'draft']);
    expect(p.skipped).toEqual([]);
  });

  it('leaves out a stage whose condition is false and lists it in skipped', () => {
    const p = plan(conditional(), { channels: ['email'] });
    expect(ids(p)).toEqual(['brief', 'mail', 'draft']);
    expect(p.skipped).toEqual(['visual']);
  });

  it('lists several skipped stages in template order', () => {
    const p = plan(conditional(), { channels: [] });
    expect(ids(p)).toEqual(['brief', 'draft']);
    expect(p.skipped).toEqual(['visual', 'mail']);
  });

  it('skips conditional stages when the field is missing from the context', () => {
    expect(plan(conditional(), {}).skipped).toEqual(['visual', 'mail']);
  });

  it('counts a dependency on a skipped stage as met: the dependent keeps only its other dependencies', () => {
    const p = plan(conditional(), { channels: ['email'] });
    expect(stage(p, 'draft').dependsOn).toEqual(['brief', 'mail']);
    const none = plan(conditional(), { channels: [] });
    expect(stage(none, 'draft').dependsOn).toEqual(['brief']);
  });

  it('a stage whose only dependency was skipped becomes a root', () => {
    const p = plan(
      templateWith([
        { id: 'optional', kind: 'echo', when: { path: 'deliverableType', equals: 'email' } },
        { id: 'after', kind: 'echo', dependsOn: ['optional'] },
      ]),
    );
    expect(p.skipped).toEqual(['optional']);
    expect(p.stages).toHaveLength(1);
    expect(stage(p, 'after').dependsOn).toEqual([]);
  });

  it('never names a skipped stage as a dependency', () => {
    const p = plan(campaignContentTemplate, { channels: ['email'] });
    const skipped = new Set(p.skipped);
    for (const s of p.stages) for (const d of s.dependsOn) expect(skipped.has(d)).toBe(false);
  });

  it('does not skip the dependents of a skipped stage (they decide their own condition)', () => {
    const p = plan(
      templateWith([
        { id: 'a', kind: 'echo', when: { path: 'channels', includes: 'tiktok' } },
        { id: 'b', kind: 'echo', dependsOn: ['a'] },
        { id: 'c', kind: 'echo', dependsOn: ['b'], when: { path: 'voice.tone', equals: 'warm' } },
      ]),
    );
    expect(p.skipped).toEqual(['a']);
    expect(ids(p)).toEqual(['b', 'c']);
    expect(stage(p, 'c').dependsOn).toEqual(['b']);
  });

  it('may skip every stage', () => {
    const p = plan(templateWith([{ id: 'a', kind: 'echo', when: { path: 'channels', exists: false } }]));
    expect(p.stages).toEqual([]);
    expect(p.skipped).toEqual(['a']);
  });

  it('decides composite conditions over sub-paths of the context', () => {
    const t = templateWith([
      { id: 'a', kind: 'echo' },
      {
        id: 'carousel',
        kind: 'echo',
        dependsOn: ['a'],
        when: { all: [{ path: 'specs.format', equals: 'carousel' }, { not: { path: 'voice.tone', equals: 'formal' } }] },
      },
    ]);
    expect(plan(t).skipped).toEqual([]);
    expect(plan(t, { ...context(), voice: { tone: 'formal' } }).skipped).toEqual(['carousel']);
    expect(plan(t, { ...context(), specs: {} }).skipped).toEqual(['carousel']);
  });
});

describe('planRun: order', () => {
  it('orders stages topologically when the template lists them out of order', () => {
    const p = plan(
      templateWith([
        { id: 'publish', kind: 'echo', dependsOn: ['draft'] },
        { id: 'draft', kind: 'echo', dependsOn: ['research', 'brief'] },
        { id: 'research', kind: 'echo', dependsOn: ['brief'] },
        { id: 'brief', kind: 'echo' },
      ]),
    );
    expect(ids(p)).toEqual(['brief', 'research', 'draft', 'publish']);
    expectTopological(p);
  });

  it('orders a reversed diamond with the independent branches in template order', () => {
    const p = plan(
      templateWith([
        { id: 'd', kind: 'echo', dependsOn: ['c', 'b'] },
        { id: 'c', kind: 'echo', dependsOn: ['a'] },
        { id: 'b', kind: 'echo', dependsOn: ['a'] },
        { id: 'a', kind: 'echo' },
      ]),
    );
    expect(ids(p)).toEqual(['a', 'c', 'b', 'd']);
    expectTopological(p);
  });

  it('keeps an already-ordered template in its order (campaign-content)', () => {
    expect(ids(plan(campaignContentTemplate))).toEqual(['brief', 'research', 'audience', 'competitors', 'draft', 'visual-brief']);
  });

  it('keeps independent root stages in template order', () => {
    expect(ids(plan(templateWith([{ id: 'z', kind: 'echo' }, { id: 'm', kind: 'echo' }, { id: 'a', kind: 'echo' }])))).toEqual(['z', 'm', 'a']);
  });

  it('is topological for a larger out-of-order DAG with skipped stages', () => {
    const p = plan(
      templateWith([
        { id: 's6', kind: 'echo', dependsOn: ['s5', 's2'] },
        { id: 's5', kind: 'echo', dependsOn: ['s4', 's3'] },
        { id: 's4', kind: 'echo', dependsOn: ['s1'], when: { path: 'channels', includes: 'tiktok' } },
        { id: 's3', kind: 'echo', dependsOn: ['s1'] },
        { id: 's2', kind: 'echo', dependsOn: ['s1'] },
        { id: 's1', kind: 'echo' },
      ]),
    );
    expect(p.skipped).toEqual(['s4']);
    expect(p.stages).toHaveLength(5);
    expectTopological(p);
    expect(ids(p)[0]).toBe('s1');
    expect(ids(p)[4]).toBe('s6');
  });

  it('keeps the dependency list order of the template', () => {
    expect(stage(plan(campaignContentTemplate), 'draft').dependsOn).toEqual(['research', 'audience', 'competitors']);
  });
});

describe('planRun: planned stages', () => {
  it('copies retry, timeout, fallback, content and params into the planned stage', () => {
    const retry = { maxAttempts: 5, backoff: { type: 'fixed' as const, initialMs: 250, maxMs: 2000, multiplier: 1.5 } };
    const p = plan(
      templateWith([
        { id: 'a', kind: 'echo', retry, timeoutMs: 60_000, fallback: 'echo.fallback', content: true, params: { role: 'copywriter', words: 120, tags: ['x'] } },
      ]),
    );
    expect(p.stages).toEqual([
      {
        id: 'a',
        kind: 'echo',
        dependsOn: [],
        retry,
        timeoutMs: 60_000,
        fallbackKind: 'echo.fallback',
        content: true,
        params: { role: 'copywriter', words: 120, tags: ['x'] },
      },
    ]);
  });

  it('plans a stage without fallback with fallbackKind null, and applies the defaults', () => {
    expect(plan(templateWith()).stages[0]).toEqual({
      id: 'a',
      kind: 'echo',
      dependsOn: [],
      retry: DEFAULT_RETRY,
      timeoutMs: null,
      fallbackKind: null,
      content: false,
      params: {},
    });
  });

  it('does not carry template-only fields (when, fallback) into the planned stage', () => {
    const s = plan(campaignContentTemplate).stages.find((x) => x.id === 'visual-brief');
    expect(s).toBeDefined();
    expect(Object.keys(s ?? {}).sort()).toEqual(['content', 'dependsOn', 'fallbackKind', 'id', 'kind', 'params', 'retry', 'timeoutMs']);
  });

  it('plans the system stages $review, $consolidate and $learn with the template kinds', () => {
    const p = plan(campaignContentTemplate);
    expect(p.review).toEqual({ id: '$review', kind: 'gate.pass', dependsOn: [], retry: DEFAULT_RETRY, timeoutMs: null, fallbackKind: null, content: false, params: {} });
    expect(p.consolidate).toMatchObject({ id: '$consolidate', kind: 'consolidate.noop', dependsOn: [], content: false });
    expect(p.learn).toMatchObject({ id: '$learn', kind: 'learn.noop', dependsOn: [], content: false });
  });

  it('copies retry, timeout, fallback and params of the system steps', () => {
    const p = plan(
      templateWith(undefined, {
        review: { kind: 'gate.strict', fallback: 'gate.pass', timeoutMs: 1000, retry: { maxAttempts: 1 }, params: { threshold: 0.8 } },
        consolidate: { kind: 'consolidate.noop', params: { keep: 3 } },
        learn: { kind: 'learn.noop', fallback: 'learn.noop' },
      }),
    );
    expect(p.review).toEqual({
      id: '$review',
      kind: 'gate.strict',
      dependsOn: [],
      retry: { ...DEFAULT_RETRY, maxAttempts: 1 },
      timeoutMs: 1000,
      fallbackKind: 'gate.pass',
      content: false,
      params: { threshold: 0.8 },
    });
    expect(p.consolidate?.params).toEqual({ keep: 3 });
    expect(p.learn?.fallbackKind).toBe('learn.noop');
  });

  it('keeps system stages out of the DAG stages', () => {
    const p = plan(campaignContentTemplate);
    expect(ids(p).some((id) => id.startsWith('$'))).toBe(false);
  });

  it('carries maxReworkRounds and approvalDeadlineMs', () => {
    const p = plan(campaignContentTemplate);
    expect(p.maxReworkRounds).toBe(3);
    expect(p.approvalDeadlineMs).toBe(7 * 86_400_000);
    const q = plan(templateWith(undefined, { maxReworkRounds: 0, approvalDeadlineMs: null }));
    expect(q.maxReworkRounds).toBe(0);
    expect(q.approvalDeadlineMs).toBeNull();
  });

  it('gives a plan that survives a JSON round trip unchanged', () => {
    const p = plan(campaignContentTemplate);
    expect(JSON.parse(JSON.stringify(p))).toEqual(p);
  });
});

describe('planRun: campaign-content', () => {
  it('includes visual-brief for channels [instagram]', () => {
    const p = plan(campaignContentTemplate, { channels: ['instagram'] });
    expect(ids(p)).toContain('visual-brief');
    expect(p.skipped).toEqual([]);
    expect(stage(p, 'visual-brief')).toMatchObject({ dependsOn: ['draft'], content: true, params: { role: 'art-director' } });
  });

  it('skips visual-brief for channels [email]', () => {
    const p = plan(campaignContentTemplate, { channels: ['email'] });
    expect(ids(p)).toEqual(['brief', 'research', 'audience', 'competitors', 'draft']);
    expect(p.skipped).toEqual(['visual-brief']);
  });

  it.each([['tiktok'], ['youtube'], ['email', 'youtube']])('includes visual-brief for the visual channel list %j', (...channels) => {
    expect(plan(campaignContentTemplate, { channels }).skipped).toEqual([]);
  });

  it('skips visual-brief without channels', () => {
    expect(plan(campaignContentTemplate, {}).skipped).toEqual(['visual-brief']);
    expect(plan(campaignContentTemplate, { channels: [] }).skipped).toEqual(['visual-brief']);
  });

  it('runs research, audience and competitors in parallel after the brief, and the draft after all three', () => {
    const p = plan(campaignContentTemplate, { channels: ['instagram', 'email'] });
    expect(stage(p, 'brief').dependsOn).toEqual([]);
    for (const id of ['research', 'audience', 'competitors']) expect(stage(p, id).dependsOn).toEqual(['brief']);
    expect(stage(p, 'draft')).toMatchObject({ dependsOn: ['research', 'audience', 'competitors'], content: true, params: { role: 'copywriter' } });
    expectTopological(p);
  });
});
