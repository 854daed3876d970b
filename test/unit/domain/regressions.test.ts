/**
 * Regressions found by review of the domain core. Each test names the bug it pins.
 */
import { describe, expect, it } from 'vitest';
import { BrandData, DEFAULT_OVERRIDE_POLICY } from '../../../src/domain/brand.js';
import { resolveContext } from '../../../src/domain/context-resolver.js';
import { assertOverridesAllowed, assertValidLockedFields } from '../../../src/domain/override-policy.js';
import { BRAND_ID, baseBrand, brandRecord, campaignRecord, catchPlatformError, taskRecord } from './_builders.js';

describe('domain regressions', () => {
  it('bug: every brand parsed without a policy shared one DEFAULT_OVERRIDE_POLICY object; now each gets its own copy', () => {
    const a = BrandData.parse({ identity: { name: 'A' } });
    const b = BrandData.parse({ identity: { name: 'B' } });
    a.overridePolicy.campaign.push('locale');
    expect(b.overridePolicy.campaign).not.toContain('locale');
    expect(DEFAULT_OVERRIDE_POLICY.campaign).not.toContain('locale');
  });

  it('bug: a stored override of an unknown or same-level field was ignored silently; now it is reported as a conflict', () => {
    const campaign = campaignRecord({ name: 'C', channels: ['web'] });
    campaign.data.overrides = { channels: ['email'], 'voice.volume': 11 };
    const resolved = resolveContext({ brand: brandRecord(baseBrand()), campaign, task: taskRecord({ name: 'T', deliverableType: 'email' }) });
    expect(resolved.context.channels).toEqual(['web']);
    expect(resolved.conflicts.map((c) => [c.level, c.field, c.code])).toEqual([
      ['campaign', 'channels', 'UNKNOWN_FIELD'],
      ['campaign', 'voice.volume', 'UNKNOWN_FIELD'],
    ]);
  });

  it('bug: override values were validated but stored raw; now the parsed (trimmed) value is returned for storage', () => {
    const rules = { brand: { level: 'brand' as const, id: BRAND_ID, version: 1, policy: DEFAULT_OVERRIDE_POLICY } };
    expect(assertOverridesAllowed('campaign', { 'voice.tone': '  playful  ' }, rules)).toEqual({ 'voice.tone': 'playful' });
  });

  it('bug: a campaign could "lock" identity fields for its tasks, which are locked anyway; now refused as not overridable', () => {
    expect(catchPlatformError(() => assertValidLockedFields(['identity.name'])).code).toBe('UNKNOWN_FIELD');
    expect(() => assertValidLockedFields(['channels', 'voice.tone'])).not.toThrow();
  });
});
