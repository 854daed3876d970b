import { describe, expect, it } from 'vitest';
import {
  BrandData, BrandIdentity, DEFAULT_OVERRIDE_POLICY, IDENTITY_KEYS, OverridePolicy, assertIdentityPreserved, overridePolicyChanged,
} from '../../../src/domain/brand.js';
import { catchPlatformError, type BrandInput } from './_builders.js';

const parse = (data: BrandInput): BrandData => BrandData.parse(data);
const LOGO = { url: 'https://cdn.example.com/logo.svg', alt: 'Acme logo' };

describe('BrandData: defaults', () => {
  it('fills every optional section of a brand that only has a name', () => {
    expect(parse({ identity: { name: 'Acme' } })).toEqual({
      identity: { name: 'Acme' },
      voice: {},
      positioning: {},
      rules: { bannedTerms: [], requiredDisclaimers: [] },
      governance: { requireApproval: false },
      overridePolicy: { campaign: ['voice.tone', 'positioning.audience'], task: ['voice.tone', 'channels', 'segments'] },
    });
  });

  it('defaults each rules list to [] independently', () => {
    expect(parse({ identity: { name: 'A' }, rules: { bannedTerms: ['cheap'] } }).rules).toEqual({ bannedTerms: ['cheap'], requiredDisclaimers: [] });
    expect(parse({ identity: { name: 'A' }, rules: { requiredDisclaimers: ['T&Cs apply.'] } }).rules).toEqual({
      bannedTerms: [],
      requiredDisclaimers: ['T&Cs apply.'],
    });
  });

  it('defaults the override policy to DEFAULT_OVERRIDE_POLICY, and keeps a declared one as is', () => {
    expect(parse({ identity: { name: 'A' } }).overridePolicy).toEqual(DEFAULT_OVERRIDE_POLICY);
    expect(parse({ identity: { name: 'A' }, overridePolicy: { campaign: [], task: ['voice.tone'] } }).overridePolicy).toEqual({
      campaign: [],
      task: ['voice.tone'],
    });
  });

  it('lets campaigns adapt tone and audience, and tasks tone, channels and segments, by default', () => {
    expect(DEFAULT_OVERRIDE_POLICY).toEqual({ campaign: ['voice.tone', 'positioning.audience'], task: ['voice.tone', 'channels', 'segments'] });
  });

  it('trims text fields', () => {
    const b = parse({ identity: { name: '  Acme  ' }, voice: { tone: ' warm ' } });
    expect(b.identity.name).toBe('Acme');
    expect(b.voice.tone).toBe('warm');
  });
});

describe('BrandData: validation', () => {
  it('requires an identity with a name', () => {
    expect(BrandData.safeParse({}).success).toBe(false);
    expect(BrandData.safeParse({ identity: {} }).success).toBe(false);
    expect(BrandData.safeParse({ identity: { name: '   ' } }).success).toBe(false);
  });

  it('refuses unknown keys at the top level and inside sections', () => {
    expect(BrandData.safeParse({ identity: { name: 'A' }, slogan: 'x' }).success).toBe(false);
    expect(BrandData.safeParse({ identity: { name: 'A', font: 'Inter' } }).success).toBe(false);
    expect(BrandData.safeParse({ identity: { name: 'A' }, voice: { volume: 'loud' } }).success).toBe(false);
    expect(BrandData.safeParse({ identity: { name: 'A' }, overridePolicy: { campaign: [], task: [], brand: [] } }).success).toBe(false);
  });

  it('refuses an invalid palette, logo or locale', () => {
    expect(BrandData.safeParse({ identity: { name: 'A', palette: [] } }).success).toBe(false);
    expect(BrandData.safeParse({ identity: { name: 'A', palette: ['red'] } }).success).toBe(false);
    expect(BrandData.safeParse({ identity: { name: 'A', logo: { url: 'not a url' } } }).success).toBe(false);
    expect(BrandData.safeParse({ identity: { name: 'A' }, locale: 'english' }).success).toBe(false);
  });

  it('requires both lists in a declared override policy', () => {
    expect(OverridePolicy.safeParse({ campaign: [] }).success).toBe(false);
    expect(OverridePolicy.safeParse({ campaign: [], task: [''] }).success).toBe(false);
    expect(OverridePolicy.safeParse({ campaign: Array.from({ length: 51 }, (_, i) => `f${i}`), task: [] }).success).toBe(false);
  });

  it('names the identity fields name, logo and palette', () => {
    expect(IDENTITY_KEYS).toEqual(['name', 'logo', 'palette']);
    expect(Object.keys(BrandIdentity.shape).sort()).toEqual([...IDENTITY_KEYS].sort());
  });
});

describe('assertIdentityPreserved: brand identity is immutable once set', () => {
  const v1 = parse({ identity: { name: 'Acme' } });

  it('allows a version that keeps the identity and changes everything else', () => {
    const prev = parse({ identity: { name: 'Acme', logo: LOGO, palette: ['#112233'] }, voice: { tone: 'warm' } });
    const next = parse({ identity: { name: 'Acme', logo: LOGO, palette: ['#112233'] }, voice: { tone: 'cold' }, locale: 'fr' });
    expect(() => assertIdentityPreserved(prev, next)).not.toThrow();
  });

  it('allows setting the logo and the palette for the first time', () => {
    expect(() => assertIdentityPreserved(v1, parse({ identity: { name: 'Acme', logo: LOGO } }))).not.toThrow();
    expect(() => assertIdentityPreserved(v1, parse({ identity: { name: 'Acme', palette: ['#000000'] } }))).not.toThrow();
  });

  it('compares values, not key order (a logo with reordered keys is unchanged)', () => {
    const prev = parse({ identity: { name: 'Acme', logo: { url: LOGO.url, alt: LOGO.alt } } });
    const next = parse({ identity: { name: 'Acme', logo: { alt: LOGO.alt, url: LOGO.url } } });
    expect(() => assertIdentityPreserved(prev, next)).not.toThrow();
  });

  it('refuses changing the name with IDENTITY_IMMUTABLE naming identity.name', () => {
    const err = catchPlatformError(() => assertIdentityPreserved(v1, parse({ identity: { name: 'Acme Inc' } })));
    expect(err.code).toBe('IDENTITY_IMMUTABLE');
    expect(err.httpStatus).toBe(422);
    expect(err.details).toEqual({ field: 'identity.name' });
    expect(err.message).toBe('identity.name is already set and can never change');
  });

  it('refuses removing the palette', () => {
    const prev = parse({ identity: { name: 'Acme', palette: ['#112233'] } });
    const err = catchPlatformError(() => assertIdentityPreserved(prev, parse({ identity: { name: 'Acme' } })));
    expect(err.code).toBe('IDENTITY_IMMUTABLE');
    expect(err.details).toEqual({ field: 'identity.palette' });
  });

  it('refuses reordering or extending the palette', () => {
    const prev = parse({ identity: { name: 'Acme', palette: ['#112233', '#445566'] } });
    for (const palette of [['#445566', '#112233'], ['#112233', '#445566', '#778899']]) {
      const err = catchPlatformError(() => assertIdentityPreserved(prev, parse({ identity: { name: 'Acme', palette } })));
      expect(err.details).toEqual({ field: 'identity.palette' });
    }
  });

  it("refuses changing only the logo's alternative text, or removing the logo", () => {
    const prev = parse({ identity: { name: 'Acme', logo: LOGO } });
    const changedAlt = catchPlatformError(() => assertIdentityPreserved(prev, parse({ identity: { name: 'Acme', logo: { url: LOGO.url, alt: 'New' } } })));
    expect(changedAlt.details).toEqual({ field: 'identity.logo' });
    const removed = catchPlatformError(() => assertIdentityPreserved(prev, parse({ identity: { name: 'Acme' } })));
    expect(removed.details).toEqual({ field: 'identity.logo' });
  });

  it('names the first changed field in identity order (name before palette)', () => {
    const prev = parse({ identity: { name: 'Acme', palette: ['#112233'] } });
    const err = catchPlatformError(() => assertIdentityPreserved(prev, parse({ identity: { name: 'Other', palette: ['#000000'] } })));
    expect(err.details).toEqual({ field: 'identity.name' });
  });
});

describe('overridePolicyChanged', () => {
  const withPolicy = (overridePolicy: OverridePolicy | undefined) => parse({ identity: { name: 'A' }, ...(overridePolicy ? { overridePolicy } : {}) });

  it('is false when both versions declare the same policy', () => {
    expect(overridePolicyChanged(withPolicy(undefined), withPolicy(DEFAULT_OVERRIDE_POLICY))).toBe(false);
    expect(overridePolicyChanged(withPolicy({ campaign: ['locale'], task: [] }), withPolicy({ campaign: ['locale'], task: [] }))).toBe(false);
  });

  it('is false when only the key order of the policy object differs', () => {
    const a = withPolicy({ campaign: ['locale'], task: ['channels'] });
    const b = { ...a, overridePolicy: { task: ['channels'], campaign: ['locale'] } };
    expect(overridePolicyChanged(a, b)).toBe(false);
  });

  it('is false when other brand content changes', () => {
    const a = parse({ identity: { name: 'A' }, voice: { tone: 'warm' } });
    const b = parse({ identity: { name: 'A' }, voice: { tone: 'cold' }, locale: 'de' });
    expect(overridePolicyChanged(a, b)).toBe(false);
  });

  it('is true when a field is added to or removed from either list', () => {
    const base = withPolicy(DEFAULT_OVERRIDE_POLICY);
    expect(overridePolicyChanged(base, withPolicy({ ...DEFAULT_OVERRIDE_POLICY, campaign: [...DEFAULT_OVERRIDE_POLICY.campaign, 'locale'] }))).toBe(true);
    expect(overridePolicyChanged(base, withPolicy({ ...DEFAULT_OVERRIDE_POLICY, task: ['voice.tone'] }))).toBe(true);
    expect(overridePolicyChanged(base, withPolicy({ campaign: [], task: [] }))).toBe(true);
  });
});
