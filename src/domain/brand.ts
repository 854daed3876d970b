import { z } from 'zod';
import { canonicalJson } from './canonical-json.js';
import { PlatformError } from './errors.js';
import { LongText, Locale, Logo, Palette, ShortText, TermList } from './values.js';

/**
 * Which context fields a campaign and a task may override. Paths come from the context-field
 * catalog; identity fields can never be listed. See override-policy.ts for the checks.
 */
export const OverridePolicy = z.strictObject({
  campaign: z.array(z.string().min(1).max(100)).max(50),
  task: z.array(z.string().min(1).max(100)).max(50),
});
/** The parsed form of {@link OverridePolicy}. */
export type OverridePolicy = z.output<typeof OverridePolicy>;

/**
 * The policy a brand gets when it declares none: campaigns may adapt tone and audience, tasks may
 * adapt tone and narrow the campaign's channels and segments. Everything else is locked.
 */
export const DEFAULT_OVERRIDE_POLICY: OverridePolicy = {
  campaign: ['voice.tone', 'positioning.audience'],
  task: ['voice.tone', 'channels', 'segments'],
};

/** The immutable visual identity. Each field, once set, never changes. */
export const BrandIdentity = z.strictObject({ name: ShortText, logo: Logo.optional(), palette: Palette.optional() });

/** The identity fields, by their key inside `identity`. */
export const IDENTITY_KEYS = ['name', 'logo', 'palette'] as const;

/** A brand's content: identity, voice, positioning, global rules and its override policy. */
export const BrandData = z.strictObject({
  identity: BrandIdentity,
  voice: z
    .strictObject({
      tone: ShortText.optional(),
      personality: TermList.optional(),
      preferredTerms: TermList.optional(),
      avoidTerms: TermList.optional(),
      sampleCopy: LongText.optional(),
    })
    .prefault({}),
  positioning: z
    .strictObject({
      statement: LongText.optional(),
      audience: LongText.optional(),
      differentiators: TermList.optional(),
      category: ShortText.optional(),
    })
    .prefault({}),
  rules: z
    .strictObject({
      bannedTerms: TermList.default([]),
      requiredDisclaimers: z.array(LongText).max(20).default([]),
      /** The least quality score (0..1) the review's judge must give every deliverable; raises the template's threshold. */
      minQualityScore: z.number().min(0).max(1).optional(),
    })
    .prefault({}),
  locale: Locale.optional(),
  /** Governance: a brand that requires human approval turns every autopilot run into a supervised one. */
  governance: z.strictObject({ requireApproval: z.boolean().default(false) }).prefault({}),
  // A fresh copy per brand: the default constant must never be shared (and mutated) through a record.
  overridePolicy: OverridePolicy.default(() => structuredClone(DEFAULT_OVERRIDE_POLICY)),
});
/** The parsed form of {@link BrandData}. */
export type BrandData = z.output<typeof BrandData>;

/**
 * Refuses a new brand version that changes an identity field that was already set. Setting a field
 * for the first time (logo, palette added later) is allowed; changing or removing it is not.
 */
export function assertIdentityPreserved(prev: BrandData, next: BrandData): void {
  for (const key of IDENTITY_KEYS) {
    const before = prev.identity[key];
    if (before === undefined) continue;
    const after = next.identity[key];
    if (after === undefined || canonicalJson(after) !== canonicalJson(before)) {
      throw new PlatformError('IDENTITY_IMMUTABLE', `identity.${key} is already set and can never change`, {
        field: `identity.${key}`,
      });
    }
  }
}

/** True when two brand versions declare different override policies (an audited policy change). */
export function overridePolicyChanged(prev: BrandData, next: BrandData): boolean {
  return canonicalJson(prev.overridePolicy) !== canonicalJson(next.overridePolicy);
}
