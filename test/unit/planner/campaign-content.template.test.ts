import { describe, expect, it } from 'vitest';
import { planRun, validateTemplate } from '../../../src/planner/planner.js';
import { TemplateRegistry } from '../../../src/planner/template-registry.js';
import { campaignContentTemplate } from '../../../src/planner/templates/campaign-content.template.js';
import { BUILT_IN_KINDS, catchPlatformError, knowing, problemsOf } from './_helpers.js';

const parsed = () => validateTemplate(campaignContentTemplate, knowing(...BUILT_IN_KINDS));

describe('campaignContentTemplate', () => {
  it('is campaign-content version 1', () => {
    expect(campaignContentTemplate.name).toBe('campaign-content');
    expect(campaignContentTemplate.version).toBe(1);
  });

  it('is valid with exactly the built-in kinds (echo, gate.pass, consolidate.noop, learn.noop)', () => {
    expect(() => parsed()).not.toThrow();
  });

  it('needs each built-in kind: without one it is refused, naming where it is used', () => {
    expect(problemsOf(catchPlatformError(() => validateTemplate(campaignContentTemplate, knowing('gate.pass', 'consolidate.noop', 'learn.noop'))))).toEqual([
      'stage brief uses unknown handler echo',
      'stage research uses unknown handler echo',
      'stage audience uses unknown handler echo',
      'stage competitors uses unknown handler echo',
      'stage draft uses unknown handler echo',
      'stage visual-brief uses unknown handler echo',
    ]);
    expect(problemsOf(catchPlatformError(() => validateTemplate(campaignContentTemplate, knowing('echo', 'consolidate.noop', 'learn.noop'))))).toEqual([
      'review uses unknown handler gate.pass',
    ]);
  });

  it('has a brief, three parallel research stages, a draft and a conditional visual brief', () => {
    const t = parsed();
    expect(t.stages.map((s) => [s.id, s.dependsOn])).toEqual([
      ['brief', []],
      ['research', ['brief']],
      ['audience', ['brief']],
      ['competitors', ['brief']],
      ['draft', ['research', 'audience', 'competitors']],
      ['visual-brief', ['draft']],
    ]);
    expect(t.stages.filter((s) => s.when).map((s) => s.id)).toEqual(['visual-brief']);
  });

  it('marks only the draft and the visual brief as content stages', () => {
    expect(parsed().stages.filter((s) => s.content).map((s) => s.id)).toEqual(['draft', 'visual-brief']);
  });

  it('gives each stage a role', () => {
    expect(Object.fromEntries(parsed().stages.map((s) => [s.id, s.params['role']]))).toEqual({
      brief: 'strategist',
      research: 'researcher',
      audience: 'researcher',
      competitors: 'researcher',
      draft: 'copywriter',
      'visual-brief': 'art-director',
    });
  });

  it('allows 3 rework rounds and keeps the default 7-day approval deadline', () => {
    const t = parsed();
    expect(t.maxReworkRounds).toBe(3);
    expect(t.approvalDeadlineMs).toBe(7 * 86_400_000);
  });

  it.each([
    [['instagram'], true],
    [['tiktok'], true],
    [['youtube'], true],
    [['email'], false],
    [['search-ads', 'email'], false],
    [['email', 'instagram'], true],
    [[], false],
  ] as const)('channels %j -> visual-brief planned: %s', (channels, planned) => {
    const plan = planRun(parsed(), { channels: [...channels] });
    expect(plan.stages.some((s) => s.id === 'visual-brief')).toBe(planned);
    expect(plan.skipped).toEqual(planned ? [] : ['visual-brief']);
  });

  it('registers in a TemplateRegistry and resolves as campaign-content and campaign-content@1', () => {
    const r = new TemplateRegistry(knowing(...BUILT_IN_KINDS));
    r.register(campaignContentTemplate);
    expect(r.resolve('campaign-content')).toEqual(parsed());
    expect(r.resolve('campaign-content@1')).toEqual(parsed());
  });
});
