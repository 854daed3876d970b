import { describe, expect, it } from 'vitest';
import { DEFAULT_OVERRIDE_POLICY, type OverridePolicy } from '../../../src/domain/brand.js';
import { CONTEXT_FIELDS, FIELD_PATHS, type FieldPath } from '../../../src/domain/context-fields.js';
import {
  assertOverridesAllowed, assertValidLockedFields, assertValidOverridePolicy, overridableCandidates, overrideViolation,
  type OverrideRules,
} from '../../../src/domain/override-policy.js';
import { BRAND_ID, CAMPAIGN_ID, catchPlatformError } from './_builders.js';

const BRAND_FIELDS = FIELD_PATHS.filter((p) => CONTEXT_FIELDS[p].owner === 'brand');
const CAMPAIGN_FIELDS = FIELD_PATHS.filter((p) => CONTEXT_FIELDS[p].owner === 'campaign');
const LOCKED_FIELDS: FieldPath[] = ['identity.name', 'identity.logo', 'identity.palette', 'campaign.name', 'task.name'];

function rules(policy: OverridePolicy = DEFAULT_OVERRIDE_POLICY, lockedFields: string[] = []): OverrideRules {
  return {
    brand: { level: 'brand', id: BRAND_ID, version: 2, policy },
    campaign: { level: 'campaign', id: CAMPAIGN_ID, version: 5, lockedFields },
  };
}

describe('overridableCandidates', () => {
  it('offers a brand nothing: it has no level above it', () => {
    expect(overridableCandidates('brand')).toEqual([]);
  });

  const unlocked = (fields: readonly string[]) => fields.filter((f) => !f.startsWith('identity.') && !f.endsWith('.name'));

  it('offers a campaign exactly the brand-owned fields that are not locked (no identity)', () => {
    expect(overridableCandidates('campaign')).toEqual(unlocked(BRAND_FIELDS));
    expect(overridableCandidates('campaign')).not.toContain('identity.name');
    expect(overridableCandidates('campaign')).toContain('voice.tone');
    expect(overridableCandidates('campaign')).not.toContain('channels');
  });

  it('offers a task the unlocked brand- and campaign-owned fields, never its own', () => {
    expect(overridableCandidates('task')).toEqual(unlocked([...BRAND_FIELDS, ...CAMPAIGN_FIELDS]));
    expect(overridableCandidates('task')).not.toContain('campaign.name');
    expect(overridableCandidates('task')).toContain('channels');
    expect(overridableCandidates('task')).not.toContain('specs');
  });
});

describe('assertOverridesAllowed: permitted overrides', () => {
  it('accepts overrides the brand policy lists for the level, with valid values', () => {
    expect(() => assertOverridesAllowed('campaign', { 'voice.tone': 'playful', 'positioning.audience': 'Makers' }, rules())).not.toThrow();
    expect(() => assertOverridesAllowed('task', { 'voice.tone': 'urgent', channels: ['email'], segments: [{ name: 'Teens' }] }, rules())).not.toThrow();
  });

  it('accepts no overrides at all', () => {
    expect(() => assertOverridesAllowed('campaign', {}, rules({ campaign: [], task: [] }))).not.toThrow();
  });

  it('reports no violation for a permitted field', () => {
    expect(overrideViolation('task', 'channels', rules())).toBeNull();
  });
});

describe('assertOverridesAllowed: FIELD_LOCKED', () => {
  it("refuses a field the brand's policy does not list, naming the field and the brand version that locks it", () => {
    const err = catchPlatformError(() => assertOverridesAllowed('campaign', { 'voice.personality': ['calm'] }, rules()));
    expect(err.code).toBe('FIELD_LOCKED');
    expect(err.httpStatus).toBe(422);
    expect(err.message).toContain('voice.personality');
    expect(err.message).toContain(`brand ${BRAND_ID} (version 2)`);
    expect(err.details?.['field']).toBe('voice.personality');
    expect(err.details?.['lockedBy']).toEqual({ level: 'brand', id: BRAND_ID, version: 2 });
    expect(err.details).not.toHaveProperty('allowed');
  });

  it('checks the list of the level doing the overriding (a task-only field is locked for a campaign)', () => {
    // A policy that lets tasks, but not campaigns, override voice.tone.
    const policy = { campaign: [], task: ['voice.tone'] };
    expect(() => assertOverridesAllowed('task', { 'voice.tone': 'x' }, rules(policy))).not.toThrow();
    const err = catchPlatformError(() => assertOverridesAllowed('campaign', { 'voice.tone': 'x' }, rules(policy)));
    expect(err.code).toBe('FIELD_LOCKED');
    expect(err.details?.['lockedBy']).toEqual({ level: 'brand', id: BRAND_ID, version: 2 });
  });

  it('refuses a task override of a field the campaign locks, with lockedBy the campaign version', () => {
    const err = catchPlatformError(() => assertOverridesAllowed('task', { channels: ['email'] }, rules(DEFAULT_OVERRIDE_POLICY, ['channels'])));
    expect(err.code).toBe('FIELD_LOCKED');
    expect(err.message).toContain(`campaign ${CAMPAIGN_ID} (version 5)`);
    expect(err.details?.['field']).toBe('channels');
    expect(err.details?.['lockedBy']).toEqual({ level: 'campaign', id: CAMPAIGN_ID, version: 5 });
  });

  it('ignores campaign locks when there is no campaign in the rules', () => {
    const noCampaign: OverrideRules = { brand: rules().brand };
    expect(() => assertOverridesAllowed('task', { channels: ['email'] }, noCampaign)).not.toThrow();
  });

  it('names the brand, not the campaign, when both the policy and a campaign lock refuse the field', () => {
    const err = catchPlatformError(() => assertOverridesAllowed('task', { locale: 'fr' }, rules(DEFAULT_OVERRIDE_POLICY, ['locale'])));
    expect(err.details?.['lockedBy']).toEqual({ level: 'brand', id: BRAND_ID, version: 2 });
  });

  it.each(['identity.name', 'identity.logo', 'identity.palette'])(
    'refuses %s as brand identity (lockedBy {level: brand, reason: identity}) even if the policy lists it',
    (field) => {
      const policy = { campaign: [field], task: [field] };
      for (const level of ['campaign', 'task'] as const) {
        const err = catchPlatformError(() => assertOverridesAllowed(level, { [field]: 'x' }, rules(policy)));
        expect(err.code).toBe('FIELD_LOCKED');
        expect(err.details?.['field']).toBe(field);
        expect(err.details?.['lockedBy']).toEqual({ level: 'brand', reason: 'identity' });
        expect(err.message).toMatch(/brand identity/);
      }
    },
  );

  it('refuses a task override of the campaign name as fixed (lockedBy {level: campaign, reason: fixed})', () => {
    const err = catchPlatformError(() => assertOverridesAllowed('task', { 'campaign.name': 'X' }, rules({ campaign: [], task: ['campaign.name'] })));
    expect(err.code).toBe('FIELD_LOCKED');
    expect(err.details?.['lockedBy']).toEqual({ level: 'campaign', reason: 'fixed' });
  });

  it('reports the first refused field and lists every violation in details.violations', () => {
    const err = catchPlatformError(() =>
      assertOverridesAllowed('campaign', { 'voice.tone': 'ok', locale: 'fr', 'no.such': 1, 'identity.name': 'X' }, rules()),
    );
    expect(err.code).toBe('FIELD_LOCKED');
    expect(err.details?.['field']).toBe('locale');
    const violations = err.details?.['violations'] as { field: string; code: string }[];
    expect(violations.map((v) => [v.field, v.code])).toEqual([
      ['locale', 'FIELD_LOCKED'],
      ['no.such', 'UNKNOWN_FIELD'],
      ['identity.name', 'FIELD_LOCKED'],
    ]);
  });

  it('checks permissions before values: a locked field with an invalid value is FIELD_LOCKED', () => {
    const err = catchPlatformError(() => assertOverridesAllowed('campaign', { locale: 42 }, rules()));
    expect(err.code).toBe('FIELD_LOCKED');
  });
});

describe('assertOverridesAllowed: UNKNOWN_FIELD', () => {
  it('refuses a path that is not a context field, listing the candidates in details.allowed', () => {
    const err = catchPlatformError(() => assertOverridesAllowed('campaign', { 'voice.volume': 'loud' }, rules()));
    expect(err.code).toBe('UNKNOWN_FIELD');
    expect(err.httpStatus).toBe(422);
    expect(err.message).toBe('voice.volume is not a context field');
    expect(err.details?.['field']).toBe('voice.volume');
    expect(err.details).not.toHaveProperty('lockedBy');
    const allowed = err.details?.['allowed'] as string[];
    expect(allowed).toEqual(expect.arrayContaining(['voice.tone', 'positioning.audience', 'locale', 'rules.bannedTerms']));
    expect(allowed).not.toContain('channels');
    expect(allowed).not.toContain('voice.volume');
  });

  // BUG (src/domain/override-policy.ts, assertOverridesAllowed): details.allowed is
  // overridableCandidates(level) unfiltered, so it lists identity.* (and, for a task, campaign.name),
  // which no policy can ever allow. The error catalog says `details.allowed` lists the valid ones, and
  // assertValidOverridePolicy already filters out locked fields. Marked `.fails` so the suite stays green;
  // remove `.fails` once fixed.
  it('lists in details.allowed only fields that can ever be overridden (no identity or fixed fields)', () => {
    for (const level of ['campaign', 'task'] as const) {
      const err = catchPlatformError(() => assertOverridesAllowed(level, { bogus: 1 }, rules()));
      const allowed = err.details?.['allowed'] as string[];
      for (const locked of LOCKED_FIELDS) expect(allowed).not.toContain(locked);
    }
  });

  it('refuses a campaign "overriding" its own field (channels): it sets it directly', () => {
    const err = catchPlatformError(() => assertOverridesAllowed('campaign', { channels: ['email'] }, rules()));
    expect(err.code).toBe('UNKNOWN_FIELD');
    expect(err.message).toBe('channels is a campaign field: set it directly, not as a campaign override');
    expect(err.details?.['field']).toBe('channels');
    expect(err.details?.['allowed']).toEqual(overridableCandidates('campaign'));
  });

  it('refuses a task "overriding" a task field (specs)', () => {
    const err = catchPlatformError(() => assertOverridesAllowed('task', { specs: {} }, rules({ campaign: [], task: ['specs'] })));
    expect(err.code).toBe('UNKNOWN_FIELD');
    expect(err.details?.['field']).toBe('specs');
  });

  it('refuses every override at brand level', () => {
    const err = catchPlatformError(() => assertOverridesAllowed('brand', { 'voice.tone': 'x' }, rules()));
    expect(err.code).toBe('UNKNOWN_FIELD');
    expect(err.details?.['allowed']).toEqual([]);
  });

  it('does not take inherited object keys (toString) for context fields', () => {
    const err = catchPlatformError(() => assertOverridesAllowed('campaign', { toString: 'x' }, rules()));
    expect(err.code).toBe('UNKNOWN_FIELD');
  });
});

describe('assertOverridesAllowed: VALIDATION_FAILED', () => {
  it("refuses a permitted override whose value does not satisfy the field's schema", () => {
    const err = catchPlatformError(() => assertOverridesAllowed('campaign', { 'voice.tone': 5 }, rules()));
    expect(err.code).toBe('VALIDATION_FAILED');
    expect(err.httpStatus).toBe(400);
    expect(err.message).toMatch(/^overrides\.voice\.tone: /);
    expect(err.details?.['issues']).toEqual([{ path: 'overrides.voice.tone', message: expect.any(String) }]);
  });

  it('names the nested path of an invalid part of the value', () => {
    const err = catchPlatformError(() => assertOverridesAllowed('task', { segments: [{ name: 'ok' }, { name: '' }] }, rules()));
    expect(err.code).toBe('VALIDATION_FAILED');
    const issues = err.details?.['issues'] as { path: string }[];
    expect(issues.map((i) => i.path)).toEqual(['overrides.segments.1.name']);
  });

  it('applies the field bounds (a tone over 200 characters, an invalid channel slug)', () => {
    expect(catchPlatformError(() => assertOverridesAllowed('campaign', { 'voice.tone': 'x'.repeat(201) }, rules())).code).toBe('VALIDATION_FAILED');
    expect(catchPlatformError(() => assertOverridesAllowed('task', { channels: ['Not A Slug'] }, rules())).code).toBe('VALIDATION_FAILED');
    expect(catchPlatformError(() => assertOverridesAllowed('task', { 'voice.tone': null }, rules())).code).toBe('VALIDATION_FAILED');
  });
});

describe('assertValidOverridePolicy', () => {
  it('accepts the default policy and an empty one', () => {
    expect(() => assertValidOverridePolicy(DEFAULT_OVERRIDE_POLICY)).not.toThrow();
    expect(() => assertValidOverridePolicy({ campaign: [], task: [] })).not.toThrow();
  });

  it('accepts every non-locked brand field for campaigns and every non-locked brand or campaign field for tasks', () => {
    const free = (fields: FieldPath[]) => fields.filter((p) => !LOCKED_FIELDS.includes(p));
    expect(() => assertValidOverridePolicy({ campaign: free(BRAND_FIELDS), task: free([...BRAND_FIELDS, ...CAMPAIGN_FIELDS]) })).not.toThrow();
  });

  it.each([
    ['campaign', 'identity.name'],
    ['campaign', 'identity.logo'],
    ['task', 'identity.palette'],
  ] as const)('refuses %s override of %s (brand identity) with INVALID_OVERRIDE_POLICY', (level, field) => {
    const policy = { campaign: [] as string[], task: [] as string[] };
    policy[level].push(field);
    const err = catchPlatformError(() => assertValidOverridePolicy(policy));
    expect(err.code).toBe('INVALID_OVERRIDE_POLICY');
    expect(err.details).toEqual({ field, level });
    expect(err.message).toContain('brand identity');
  });

  it('refuses a campaign-owned field in the campaign list', () => {
    const err = catchPlatformError(() => assertValidOverridePolicy({ campaign: ['voice.tone', 'channels'], task: [] }));
    expect(err.code).toBe('INVALID_OVERRIDE_POLICY');
    expect(err.details).toEqual({ field: 'channels', level: 'campaign' });
    expect(err.message).toBe('overridePolicy.campaign: channels is a campaign field, a campaign sets it directly');
  });

  it('refuses a task-owned field in the task list', () => {
    const err = catchPlatformError(() => assertValidOverridePolicy({ campaign: [], task: ['deliverableType'] }));
    expect(err.code).toBe('INVALID_OVERRIDE_POLICY');
    expect(err.details).toEqual({ field: 'deliverableType', level: 'task' });
  });

  it('refuses the campaign name (a fixed field) in the task list', () => {
    const err = catchPlatformError(() => assertValidOverridePolicy({ campaign: [], task: ['campaign.name'] }));
    expect(err.code).toBe('INVALID_OVERRIDE_POLICY');
    expect(err.message).toContain('record name');
  });

  it('refuses an unknown field with UNKNOWN_FIELD, listing only fields that can be made overridable', () => {
    const err = catchPlatformError(() => assertValidOverridePolicy({ campaign: [], task: ['voice.volume'] }));
    expect(err.code).toBe('UNKNOWN_FIELD');
    expect(err.details?.['field']).toBe('voice.volume');
    const allowed = err.details?.['allowed'] as string[];
    expect(allowed).toContain('voice.tone');
    expect(allowed).toContain('channels');
    for (const locked of LOCKED_FIELDS) expect(allowed).not.toContain(locked);
    expect(allowed).toHaveLength(BRAND_FIELDS.length + CAMPAIGN_FIELDS.length - 4);
  });
});

describe('assertValidLockedFields', () => {
  it('accepts no locks and locks of brand or campaign fields', () => {
    expect(() => assertValidLockedFields([])).not.toThrow();
    expect(() => assertValidLockedFields(['voice.tone', 'channels', 'budget', 'segments'])).not.toThrow();
  });

  it('refuses a task field, which a task sets directly', () => {
    const err = catchPlatformError(() => assertValidLockedFields(['channels', 'specs']));
    expect(err.code).toBe('UNKNOWN_FIELD');
    expect(err.message).toBe('lockedFields: specs is not a brand or campaign context field');
    expect(err.details?.['field']).toBe('specs');
    expect(err.details?.['allowed']).toEqual(overridableCandidates('task'));
  });

  it('refuses a path that is not a context field', () => {
    const err = catchPlatformError(() => assertValidLockedFields(['voice']));
    expect(err.code).toBe('UNKNOWN_FIELD');
    expect(err.details?.['field']).toBe('voice');
  });
});
