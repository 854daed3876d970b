import { describe, expect, it } from 'vitest';
import { contentHash } from '../../../src/domain/canonical-json.js';
import { FIELD_PATHS, getPath } from '../../../src/domain/context-fields.js';
import { resolveContext, type ResolvedContext } from '../../../src/domain/context-resolver.js';
import {
  BRAND_ID, CAMPAIGN_ID, TASK_ID, baseBrand, baseCampaign, baseTask, brandRecord, campaignRecord, deepFreeze, taskRecord,
  type BrandInput, type CampaignInput, type TaskInput,
} from './_builders.js';

interface Setup {
  brand?: BrandInput;
  campaign?: CampaignInput;
  task?: TaskInput;
  versions?: { brand?: number; campaign?: number; task?: number };
  ids?: { brand?: string; campaign?: string; task?: string };
}

/** Resolves the baseline brand/campaign/task with the given replacements (brand v3, campaign v5, task v2 by default). */
function resolve(s: Setup = {}): ResolvedContext {
  return resolveContext({
    brand: brandRecord(s.brand ?? baseBrand(), s.versions?.brand ?? 3, s.ids?.brand ?? BRAND_ID),
    campaign: campaignRecord(s.campaign ?? baseCampaign(), s.versions?.campaign ?? 5, s.ids?.campaign ?? CAMPAIGN_ID),
    task: taskRecord(s.task ?? baseTask(), s.versions?.task ?? 2, s.ids?.task ?? TASK_ID),
  });
}

const brandRef = { level: 'brand', id: BRAND_ID, version: 3 } as const;
const campaignRef = { level: 'campaign', id: CAMPAIGN_ID, version: 5 } as const;
const taskRef = { level: 'task', id: TASK_ID, version: 2 } as const;

describe('resolveContext: inheritance Brand -> Campaign -> Task', () => {
  it('merges every field from its owner record when nothing is overridden', () => {
    const r = resolve();
    expect(r.context).toEqual({
      identity: { name: 'Acme', palette: ['#112233', '#AABBCC'] },
      voice: { tone: 'warm', personality: ['bold', 'kind'] },
      positioning: { statement: 'Tools that last.' },
      rules: { bannedTerms: ['cheap'], requiredDisclaimers: [] },
      locale: 'en',
      campaign: { name: 'Spring launch' },
      objectives: ['Grow sign-ups'],
      channels: ['instagram', 'email'],
      budget: { amount: 1000, currency: 'EUR' },
      segments: [{ name: 'Students' }],
      task: { name: 'Launch post' },
      deliverableType: 'social_post',
      specs: {},
      qualityCriteria: [],
      dependsOn: [],
    });
    expect(r.conflicts).toEqual([]);
  });

  it('inherits a brand field the campaign and task do not set, with the brand version as provenance', () => {
    const r = resolve();
    expect(getPath(r.context, 'voice.tone')).toBe('warm');
    expect(r.provenance['voice.tone']).toStrictEqual(brandRef);
    expect(r.provenance.locale).toStrictEqual(brandRef);
  });

  it('inherits a campaign field the task does not set, with the campaign version as provenance', () => {
    const r = resolve();
    expect(r.context['channels']).toEqual(['instagram', 'email']);
    expect(r.provenance.channels).toStrictEqual(campaignRef);
    expect(r.provenance['campaign.name']).toStrictEqual(campaignRef);
  });

  it('attributes task fields to the task version', () => {
    const r = resolve();
    expect(r.provenance.deliverableType).toStrictEqual(taskRef);
    expect(r.provenance['task.name']).toStrictEqual(taskRef);
  });

  it('reports the refs and the versions it resolved from', () => {
    const r = resolve({ versions: { brand: 7, campaign: 4, task: 9 } });
    expect(r.refs).toEqual({ brandId: BRAND_ID, campaignId: CAMPAIGN_ID, taskId: TASK_ID });
    expect(r.versions).toEqual({ brand: 7, campaign: 4, task: 9 });
  });

  it('leaves a field that no level sets out of the context and the provenance', () => {
    const r = resolve();
    expect(getPath(r.context, 'identity.logo')).toBeUndefined();
    expect(r.context).not.toHaveProperty('timeline');
    expect(r.provenance['identity.logo']).toBeUndefined();
    expect(r.provenance.timeline).toBeUndefined();
    expect(r.provenance['voice.sampleCopy']).toBeUndefined();
  });
});

describe('resolveContext: overrides', () => {
  it('replaces the brand value with a permitted campaign override and records which version it overrode', () => {
    const r = resolve({ campaign: { ...baseCampaign(), overrides: { 'voice.tone': 'playful' } } });
    expect(getPath(r.context, 'voice.tone')).toBe('playful');
    expect(r.provenance['voice.tone']).toStrictEqual({ ...campaignRef, overrode: brandRef });
    expect(r.conflicts).toEqual([]);
  });

  it('keeps the sibling fields of an overridden nested field', () => {
    const r = resolve({ campaign: { ...baseCampaign(), overrides: { 'voice.tone': 'playful' } } });
    expect(r.context['voice']).toEqual({ tone: 'playful', personality: ['bold', 'kind'] });
    expect(r.provenance['voice.personality']).toStrictEqual(brandRef);
  });

  it('records no `overrode` when the override supplies a field the brand left unset', () => {
    const r = resolve({ campaign: { ...baseCampaign(), overrides: { 'positioning.audience': 'Makers' } } });
    expect(getPath(r.context, 'positioning.audience')).toBe('Makers');
    expect(r.provenance['positioning.audience']).toStrictEqual(campaignRef);
  });

  it('applies a task override over a campaign override, recording the campaign version it replaced', () => {
    const r = resolve({
      campaign: { ...baseCampaign(), overrides: { 'voice.tone': 'playful' } },
      task: { ...baseTask(), overrides: { 'voice.tone': 'urgent' } },
    });
    expect(getPath(r.context, 'voice.tone')).toBe('urgent');
    expect(r.provenance['voice.tone']).toStrictEqual({ ...taskRef, overrode: campaignRef });
    expect(r.conflicts).toEqual([]);
  });

  it('applies a task override directly over the brand value when the campaign does not override it', () => {
    const r = resolve({ task: { ...baseTask(), overrides: { 'voice.tone': 'urgent' } } });
    expect(getPath(r.context, 'voice.tone')).toBe('urgent');
    expect(r.provenance['voice.tone']).toStrictEqual({ ...taskRef, overrode: brandRef });
  });

  it("lets a task override a campaign-owned field (channels) when the brand's task policy allows it", () => {
    const r = resolve({ task: { ...baseTask(), overrides: { channels: ['instagram'] } } });
    expect(r.context['channels']).toEqual(['instagram']);
    expect(r.provenance.channels).toStrictEqual({ ...taskRef, overrode: campaignRef });
    expect(r.conflicts).toEqual([]);
  });

  it("refuses a task override of a campaign-owned field the brand's task policy does not list", () => {
    const r = resolve({
      brand: { ...baseBrand(), overridePolicy: { campaign: ['voice.tone'], task: ['voice.tone'] } },
      task: { ...baseTask(), overrides: { channels: ['instagram'] } },
    });
    expect(r.context['channels']).toEqual(['instagram', 'email']);
    expect(r.provenance.channels).toStrictEqual(campaignRef);
    expect(r.conflicts).toHaveLength(1);
    expect(r.conflicts[0]).toMatchObject({ level: 'task', field: 'channels', code: 'FIELD_LOCKED', lockedBy: brandRef });
  });

  it('does not apply an override the current brand policy no longer permits, and reports it as a conflict (brand wins)', () => {
    // The campaign stored this override under an older policy; brand v4 has since removed voice.tone.
    const r = resolve({
      brand: { ...baseBrand(), overridePolicy: { campaign: ['positioning.audience'], task: ['voice.tone'] } },
      campaign: { ...baseCampaign(), overrides: { 'voice.tone': 'playful' } },
      versions: { brand: 4 },
    });
    expect(getPath(r.context, 'voice.tone')).toBe('warm');
    expect(r.provenance['voice.tone']).toStrictEqual({ ...brandRef, version: 4 });
    expect(r.conflicts).toEqual([
      {
        level: 'campaign',
        field: 'voice.tone',
        code: 'FIELD_LOCKED',
        message: expect.stringContaining(`brand ${BRAND_ID} (version 4)`),
        lockedBy: { level: 'brand', id: BRAND_ID, version: 4 },
      },
    ]);
  });

  it('still applies a permitted task override when the campaign override of the same field is refused', () => {
    const r = resolve({
      brand: { ...baseBrand(), overridePolicy: { campaign: [], task: ['voice.tone'] } },
      campaign: { ...baseCampaign(), overrides: { 'voice.tone': 'playful' } },
      task: { ...baseTask(), overrides: { 'voice.tone': 'urgent' } },
    });
    expect(getPath(r.context, 'voice.tone')).toBe('urgent');
    // The refused campaign value never took effect, so the task replaced the brand's value.
    expect(r.provenance['voice.tone']).toStrictEqual({ ...taskRef, overrode: brandRef });
    expect(r.conflicts.map((c) => [c.level, c.field])).toEqual([['campaign', 'voice.tone']]);
  });

  it("blocks a task override of a field the campaign locks, even though the brand's policy allows it", () => {
    const r = resolve({
      campaign: { ...baseCampaign(), overrides: { 'voice.tone': 'playful' }, lockedFields: ['voice.tone'] },
      task: { ...baseTask(), overrides: { 'voice.tone': 'urgent' } },
    });
    expect(getPath(r.context, 'voice.tone')).toBe('playful');
    expect(r.provenance['voice.tone']).toStrictEqual({ ...campaignRef, overrode: brandRef });
    expect(r.conflicts).toEqual([
      expect.objectContaining({ level: 'task', field: 'voice.tone', code: 'FIELD_LOCKED', lockedBy: campaignRef }),
    ]);
  });

  it("does not let a campaign's lockedFields block the campaign's own override", () => {
    const r = resolve({ campaign: { ...baseCampaign(), overrides: { 'voice.tone': 'playful' }, lockedFields: ['voice.tone'] } });
    expect(getPath(r.context, 'voice.tone')).toBe('playful');
    expect(r.conflicts).toEqual([]);
  });

  it('blocks a task override of a campaign-owned field the campaign locks', () => {
    const r = resolve({
      campaign: { ...baseCampaign(), lockedFields: ['channels'] },
      task: { ...baseTask(), overrides: { channels: ['email'] } },
    });
    expect(r.context['channels']).toEqual(['instagram', 'email']);
    expect(r.conflicts).toEqual([expect.objectContaining({ level: 'task', field: 'channels', lockedBy: campaignRef })]);
  });

  it('never applies an override of an identity field, even when a (bypassed) policy lists it', () => {
    const r = resolve({
      brand: { ...baseBrand(), overridePolicy: { campaign: ['identity.name'], task: ['identity.name', 'identity.palette'] } },
      campaign: { ...baseCampaign(), overrides: { 'identity.name': 'Evil Corp' } },
      task: { ...baseTask(), overrides: { 'identity.name': 'Other', 'identity.palette': ['#000000'] } },
    });
    expect(r.context['identity']).toEqual({ name: 'Acme', palette: ['#112233', '#AABBCC'] });
    expect(r.provenance['identity.name']).toStrictEqual(brandRef);
    expect(r.conflicts).toEqual([
      expect.objectContaining({ level: 'campaign', field: 'identity.name', code: 'FIELD_LOCKED', lockedBy: { level: 'brand', reason: 'identity' } }),
      expect.objectContaining({ level: 'task', field: 'identity.name', code: 'FIELD_LOCKED', lockedBy: { level: 'brand', reason: 'identity' } }),
      expect.objectContaining({ level: 'task', field: 'identity.palette', code: 'FIELD_LOCKED', lockedBy: { level: 'brand', reason: 'identity' } }),
    ]);
  });

  it('never applies a task override of the campaign name (a fixed field)', () => {
    const r = resolve({
      brand: { ...baseBrand(), overridePolicy: { campaign: [], task: ['campaign.name'] } },
      task: { ...baseTask(), overrides: { 'campaign.name': 'Renamed' } },
    });
    expect(getPath(r.context, 'campaign.name')).toBe('Spring launch');
    expect(r.conflicts).toEqual([
      expect.objectContaining({ level: 'task', field: 'campaign.name', code: 'FIELD_LOCKED', lockedBy: { level: 'campaign', reason: 'fixed' } }),
    ]);
  });

  it('does not treat an override of a field the same level owns as an override', () => {
    // A campaign sets channels directly; a task sets specs directly. Stored "overrides" of them are not applied.
    const r = resolve({
      campaign: { ...baseCampaign(), overrides: { channels: ['tiktok'] } },
      task: { ...baseTask(), specs: { format: '1080x1080' }, overrides: { specs: { format: 'other' } } },
    });
    expect(r.context['channels']).toEqual(['instagram', 'email']);
    expect(r.context['specs']).toEqual({ format: '1080x1080' });
    expect(r.provenance.channels).toStrictEqual(campaignRef);
    expect(r.provenance.specs).toStrictEqual(taskRef);
  });

  it('orders conflicts by catalog field, then level from top to bottom', () => {
    const r = resolve({
      brand: { ...baseBrand(), overridePolicy: { campaign: [], task: [] } },
      campaign: { ...baseCampaign(), overrides: { locale: 'fr', 'voice.tone': 'playful' } },
      task: { ...baseTask(), overrides: { budget: { amount: 1, currency: 'USD' }, 'voice.tone': 'urgent' } },
    });
    expect(r.conflicts.map((c) => `${c.level}:${c.field}`)).toEqual([
      'campaign:voice.tone',
      'task:voice.tone',
      'campaign:locale',
      'task:budget',
    ]);
  });
});

describe('resolveContext: provenance', () => {
  it('has provenance for exactly the fields present in the context', () => {
    const r = resolve({
      campaign: { ...baseCampaign(), overrides: { 'positioning.audience': 'Makers' } },
      task: { ...baseTask(), overrides: { channels: ['email'] } },
    });
    const present = FIELD_PATHS.filter((p) => getPath(r.context, p) !== undefined).sort();
    expect(Object.keys(r.provenance).sort()).toEqual(present);
    expect(present).toEqual(
      [
        'identity.name', 'identity.palette', 'voice.tone', 'voice.personality', 'positioning.statement', 'positioning.audience',
        'rules.bannedTerms', 'rules.requiredDisclaimers', 'locale', 'campaign.name', 'objectives', 'channels', 'budget', 'segments',
        'task.name', 'deliverableType', 'specs', 'qualityCriteria', 'dependsOn',
      ].sort(),
    );
  });

  it('treats defaulted empty lists as present values supplied by their owner', () => {
    const r = resolve();
    expect(getPath(r.context, 'rules.requiredDisclaimers')).toEqual([]);
    expect(r.provenance['rules.requiredDisclaimers']).toStrictEqual(brandRef);
    expect(r.context['qualityCriteria']).toEqual([]);
    expect(r.provenance.qualityCriteria).toStrictEqual(taskRef);
  });
});

describe('resolveContext: hash', () => {
  it('is the content hash of {refs, context}', () => {
    const r = resolve();
    expect(r.hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(r.hash).toBe(contentHash({ refs: r.refs, context: r.context }));
  });

  it('is stable under key reordering of the inputs, at every depth', () => {
    const a = resolve({
      brand: { identity: { name: 'Acme', palette: ['#112233'] }, voice: { tone: 'warm', personality: ['bold'] }, locale: 'en' },
      campaign: { name: 'C', channels: ['email'], budget: { amount: 5, currency: 'EUR' }, overrides: { 'voice.tone': 'x', 'positioning.audience': 'y' } },
      task: { name: 'T', deliverableType: 'email', specs: { format: 'html', lengthWords: { min: 1, max: 9 } } },
    });
    const b = resolve({
      brand: { locale: 'en', voice: { personality: ['bold'], tone: 'warm' }, identity: { palette: ['#112233'], name: 'Acme' } },
      campaign: { overrides: { 'positioning.audience': 'y', 'voice.tone': 'x' }, budget: { currency: 'EUR', amount: 5 }, channels: ['email'], name: 'C' },
      task: { specs: { lengthWords: { max: 9, min: 1 }, format: 'html' }, deliverableType: 'email', name: 'T' },
    });
    expect(b.context).toEqual(a.context);
    expect(b.hash).toBe(a.hash);
  });

  it('changes when a context value changes', () => {
    const base = resolve();
    const changedTone = resolve({ brand: { ...baseBrand(), voice: { tone: 'cold', personality: ['bold', 'kind'] } } });
    const changedOrder = resolve({ campaign: { ...baseCampaign(), channels: ['email', 'instagram'] } });
    const overridden = resolve({ task: { ...baseTask(), overrides: { 'voice.tone': 'urgent' } } });
    expect(changedTone.hash).not.toBe(base.hash);
    expect(changedOrder.hash).not.toBe(base.hash);
    expect(overridden.hash).not.toBe(base.hash);
  });

  it('changes when a referenced record id changes', () => {
    const other = resolve({ ids: { task: '01900000-0000-7000-8000-00000000d002' } });
    expect(other.hash).not.toBe(resolve().hash);
  });

  it('ignores version numbers: the same content at other versions gives the same hash', () => {
    const a = resolve({ versions: { brand: 1, campaign: 1, task: 1 } });
    const b = resolve({ versions: { brand: 12, campaign: 7, task: 30 } });
    expect(b.versions).not.toEqual(a.versions);
    expect(b.provenance['voice.tone']).not.toEqual(a.provenance['voice.tone']);
    expect(b.hash).toBe(a.hash);
  });

  it('does not change when an ignored (refused) override is added', () => {
    const refused = resolve({ campaign: { ...baseCampaign(), overrides: { locale: 'fr' } } });
    expect(refused.conflicts).toHaveLength(1);
    expect(refused.hash).toBe(resolve().hash);
  });
});

describe('resolveContext: purity', () => {
  it('does not modify its inputs and gives the same result for the same input', () => {
    const input = {
      brand: brandRecord(baseBrand(), 3),
      campaign: campaignRecord({ ...baseCampaign(), overrides: { 'voice.tone': 'playful' } }, 5),
      task: taskRecord({ ...baseTask(), overrides: { channels: ['email'] } }, 2),
    };
    const snapshot = structuredClone(input);
    deepFreeze(input);
    const first = resolveContext(input);
    const second = resolveContext(input);
    expect(input).toEqual(snapshot);
    expect(second).toEqual(first);
  });
});
