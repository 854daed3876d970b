import { describe, expect, it } from 'vitest';
import { brandRulesDocument, planLearnings } from '../../../src/rag/learning/learning-plan.js';
import type { RunLearningFacts } from '../../../src/rag/learning/run-learning-facts.js';

const RUN = '0190a000-0000-7000-8000-000000000001';
const ART_LI = '0190a000-0000-7000-8000-0000000000a1';
const ART_X = '0190a000-0000-7000-8000-0000000000a2';

const context = {
  identity: { name: 'Northwind' }, voice: { tone: 'warm', preferredTerms: ['small-batch'] }, rules: { bannedTerms: ['cheap'], requiredDisclaimers: ['Terms apply.'] },
  positioning: { statement: 'Roasted to order' }, campaign: { name: 'Autumn' }, objectives: ['Drive pre-orders'], channels: ['linkedin', 'x'],
  task: { name: 'Launch' }, deliverableType: 'social_post',
};

/** A run: linkedin approved as first written; x failed the gates in round 0, then a person sent round 1 back, round 2 approved. */
function facts(over: Partial<RunLearningFacts> = {}): RunLearningFacts {
  return {
    runId: RUN, tenantId: 't', brandId: 'b', campaignId: 'c', taskId: 'k', brandVersion: 3, brandDeleted: false, context,
    drafts: [
      { stageId: 'edit-linkedin', round: 0, channel: 'linkedin', content: 'Meet our small-batch autumn roast. Terms apply.' },
      { stageId: 'edit-x', round: 0, channel: 'x', content: 'Cheap coffee for everyone' },
      { stageId: 'edit-x', round: 1, channel: 'x', content: 'Autumn roast is here. Terms apply.' },
      { stageId: 'edit-x', round: 2, channel: 'x', content: 'Autumn roast is here, small-batch and fresh. Terms apply.' },
    ],
    reviews: [
      { round: 0, passed: false, threshold: 0.6, drafts: [
        { stageId: 'edit-linkedin', channel: 'linkedin', passed: true, score: 0.9, issues: [] },
        { stageId: 'edit-x', channel: 'x', passed: false, score: 0.4, issues: [{ severity: 'error', message: 'uses the banned term "cheap"' }] },
      ] },
      { round: 1, passed: true, threshold: 0.6, drafts: [
        { stageId: 'edit-linkedin', channel: 'linkedin', passed: true, score: 0.9, issues: [] },
        { stageId: 'edit-x', channel: 'x', passed: true, score: 0.8, issues: [] },
      ] },
      { round: 2, passed: true, threshold: 0.6, drafts: [
        { stageId: 'edit-linkedin', channel: 'linkedin', passed: true, score: 0.9, issues: [] },
        { stageId: 'edit-x', channel: 'x', passed: true, score: 0.85, issues: [] },
      ] },
    ],
    reworkRequests: [{ seq: 40, text: 'More energy on X', stages: ['copy-x'] }],
    approveNote: { seq: 55, text: 'Ship it', stages: null },
    artifacts: [
      { artifactId: ART_LI, version: 1, slot: 'social_post/linkedin', kind: 'social_post', channel: 'linkedin', stageId: 'edit-linkedin', storageKey: 'k1' },
      { artifactId: ART_X, version: 2, slot: 'social_post/x', kind: 'social_post', channel: 'x', stageId: 'edit-x', storageKey: 'k2' },
    ],
    ...over,
  };
}

const contents = new Map([[ART_LI, '# Launch (linkedin)\n\nMeet our small-batch autumn roast. Terms apply.\n'], [ART_X, '# Launch (x)\n\nAutumn roast is here, small-batch and fresh. Terms apply.\n']]);

describe('planLearnings', () => {
  it('scores each approved artifact from its signals and indexes it only at or above the threshold', () => {
    const plan = planLearnings(facts(), contents, { threshold: 0.8, source: 'tenant' });
    const li = plan.find((c) => c.sourceKey === `artifact:${ART_LI}:v1`);
    const x = plan.find((c) => c.sourceKey === `artifact:${ART_X}:v2`);
    expect(li).toMatchObject({ kind: 'approved_artifact', source: 'artifact', qualityScore: 0.9, index: true, negative: false, stage: 'edit-linkedin' });
    // The artifact's content, with what it was for under its title.
    expect(li?.text).toBe('# Launch (linkedin)\n\nApproved social_post for linkedin in campaign "Autumn" (objectives: Drive pre-orders).\n\nMeet our small-batch autumn roast. Terms apply.\n');
    expect(li?.signals).toMatchObject({ gateScore: 0.9, gatePassed: true, reworkRounds: 0, editDistance: 0 });
    // x: gate 0.85, two rework rounds (-0.1), first draft far from the approved one.
    expect(x?.signals).toMatchObject({ gateScore: 0.85, reworkRounds: 2, firstDraftRound: 0, approvedRound: 2 });
    expect(x?.qualityScore).toBeLessThan(0.75);
    expect(x?.index).toBe(false);
    expect(x?.reason).toMatch(/below the threshold 0\.800 \(tenant policy\): not indexed/);
  });

  it('keeps every replaced draft as a negative example with why it was rejected', () => {
    const neg = planLearnings(facts(), contents, { threshold: 0.7, source: 'default' }).filter((c) => c.kind === 'rejected_draft');
    expect(neg.map((c) => c.sourceKey)).toEqual([`draft:${RUN}:edit-x:r0`, `draft:${RUN}:edit-x:r1`]);
    expect(neg.every((c) => c.negative && c.index && c.source === 'artifact')).toBe(true);
    expect(neg[0]?.reason).toMatch(/failed the quality gates in round 0: uses the banned term "cheap"/);
    expect(neg[0]?.qualityScore).toBe(0.4);
    expect(neg[1]?.reason).toMatch(/sent back by a reviewer in round 1: "More energy on X"/);
    expect(neg[1]?.text).toBe('Autumn roast is here. Terms apply.');
  });

  it('indexes rework requests and the approval note as curated feedback', () => {
    const fb = planLearnings(facts(), contents, { threshold: 0.99, source: 'brand' }).filter((c) => c.kind === 'feedback');
    expect(fb.map((c) => c.sourceKey)).toEqual([`feedback:${RUN}:40`, `feedback:${RUN}:55`]);
    expect(fb.every((c) => c.source === 'feedback' && c.qualityScore === 1 && c.index && !c.negative)).toBe(true);
    expect(fb[0]?.text).toContain('More energy on X');
    expect(fb[0]?.stage).toBe('copy-x');
    expect(fb[1]?.text).toMatch(/Approval note on "Launch" \(social_post\) in campaign "Autumn": Ship it/);
  });

  it('summarises the approved work as campaign history scored by the mean of its deliverables', () => {
    const plan = planLearnings(facts(), contents, { threshold: 0.7, source: 'default' });
    const approved = plan.filter((c) => c.kind === 'approved_artifact');
    const history = plan.find((c) => c.kind === 'campaign_history');
    const mean = Math.round((approved.reduce((s, c) => s + c.qualityScore, 0) / approved.length) * 1000) / 1000;
    expect(history).toMatchObject({ source: 'campaign_history', sourceKey: `campaign_history:${RUN}`, qualityScore: mean });
    expect(history?.text).toBe(
      'Campaign "Autumn", objectives: Drive pre-orders; channels: linkedin, x. Task "Launch" (social_post): approved social_post/linkedin (quality 0.90), '
      + `social_post/x (quality ${approved[1]?.qualityScore.toFixed(2)}) after 2 rework round(s); reviewers asked: "More energy on X".`,
    );
    expect(history?.index).toBe(mean >= 0.7);
  });

  it('yields no approved artifact or history when the run consolidated nothing', () => {
    const plan = planLearnings(facts({ artifacts: [] }), contents, { threshold: 0.7, source: 'default' });
    expect(plan.some((c) => c.kind === 'approved_artifact' || c.kind === 'campaign_history')).toBe(false);
  });

  it('caps a deliverable a person approved over a failed gate', () => {
    const f = facts({
      drafts: [{ stageId: 'edit-linkedin', round: 0, channel: 'linkedin', content: 'x' }],
      reviews: [{ round: 0, passed: false, threshold: 0.6, drafts: [{ stageId: 'edit-linkedin', channel: 'linkedin', passed: false, score: 0.95, issues: [] }] }],
      artifacts: [{ artifactId: ART_LI, version: 1, slot: 'social_post/linkedin', kind: 'social_post', channel: 'linkedin', stageId: 'edit-linkedin', storageKey: 'k1' }],
      reworkRequests: [], approveNote: null,
    });
    const [c] = planLearnings(f, contents, { threshold: 0.7, source: 'default' });
    expect(c).toMatchObject({ kind: 'approved_artifact', qualityScore: 0.5, index: false });
  });
});

describe('brandRulesDocument', () => {
  it('writes the brand voice, positioning and rules once per brand version', () => {
    const doc = brandRulesDocument(facts());
    expect(doc?.sourceKey).toBe('brand:b:v3');
    expect(doc?.sourceVersion).toBe(3);
    expect(doc?.text).toContain('# Brand rules and voice: Northwind');
    expect(doc?.text).toContain('- Tone: warm');
    expect(doc?.text).toContain('- Banned terms: cheap');
    expect(doc?.text).toContain('- Required disclaimers: Terms apply.');
  });

  it('is null when the context has no voice, positioning or rules', () => {
    expect(brandRulesDocument(facts({ context: { identity: { name: 'Bare' } } }))).toBeNull();
  });
});
