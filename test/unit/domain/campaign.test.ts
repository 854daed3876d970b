import { describe, expect, it } from 'vitest';
import { CampaignData, Overrides } from '../../../src/domain/campaign.js';

describe('CampaignData', () => {
  it('defaults lists, overrides and locks to empty, and leaves budget and timeline unset', () => {
    expect(CampaignData.parse({ name: 'Spring' })).toEqual({
      name: 'Spring',
      objectives: [],
      channels: [],
      segments: [],
      overrides: {},
      lockedFields: [],
    });
  });

  it('keeps budget, timeline, segments and overrides as given', () => {
    const c = CampaignData.parse({
      name: 'Spring',
      channels: ['instagram', 'search-ads'],
      budget: { amount: 2500.5, currency: 'USD' },
      timeline: { start: '2025-03-01', end: '2025-03-31' },
      segments: [{ name: 'Students', description: 'Undergraduates' }],
      overrides: { 'voice.tone': 'playful' },
      lockedFields: ['voice.tone'],
    });
    expect(c.budget).toEqual({ amount: 2500.5, currency: 'USD' });
    expect(c.timeline).toEqual({ start: '2025-03-01', end: '2025-03-31' });
    expect(c.overrides).toEqual({ 'voice.tone': 'playful' });
    expect(c.lockedFields).toEqual(['voice.tone']);
  });

  it('requires a name and refuses unknown keys', () => {
    expect(CampaignData.safeParse({}).success).toBe(false);
    expect(CampaignData.safeParse({ name: 'x', tagline: 'y' }).success).toBe(false);
  });

  it('refuses a timeline that ends before it starts, at path timeline.end', () => {
    const r = CampaignData.safeParse({ name: 'x', timeline: { start: '2025-03-02', end: '2025-03-01' } });
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => i.path.join('.'))).toEqual(['timeline.end']);
  });

  it('refuses an invalid channel slug and more than 20 channels', () => {
    expect(CampaignData.safeParse({ name: 'x', channels: ['Instagram'] }).success).toBe(false);
    expect(CampaignData.safeParse({ name: 'x', channels: Array.from({ length: 21 }, (_, i) => `c${i}`) }).success).toBe(false);
    expect(CampaignData.safeParse({ name: 'x', channels: Array.from({ length: 20 }, (_, i) => `c${i}`) }).success).toBe(true);
  });
});

describe('Overrides', () => {
  it('accepts up to 50 overrides and refuses 51', () => {
    const make = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`field${i}`, i]));
    expect(Overrides.safeParse(make(50)).success).toBe(true);
    const r = Overrides.safeParse(make(51));
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.message).toBe('at most 50 overrides');
  });

  it('refuses an empty key and a key over 100 characters', () => {
    expect(Overrides.safeParse({ '': 1 }).success).toBe(false);
    expect(Overrides.safeParse({ ['k'.repeat(101)]: 1 }).success).toBe(false);
    expect(Overrides.safeParse({ ['k'.repeat(100)]: 1 }).success).toBe(true);
  });
});
