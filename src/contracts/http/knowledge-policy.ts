import { z } from 'zod';

/**
 * PUT /v2/knowledge/policy and PUT /v2/brands/:id/knowledge-policy: the policy replaces the one
 * set at that level; an omitted or null field is not set there (the level above applies: brand ->
 * tenant -> platform default).
 */
export const KnowledgePolicyBody = z.strictObject({
  minQualityScore: z.number({ message: 'minQualityScore must be a number from 0 to 1, or null' })
    .min(0, 'minQualityScore must be at least 0').max(1, 'minQualityScore must be at most 1').nullish(),
  retentionDays: z.number({ message: 'retentionDays must be a whole number of days from 1 to 3650, or null (keep forever)' })
    .int('retentionDays must be a whole number of days').min(1, 'retentionDays must be at least 1').max(3650, 'retentionDays must be at most 3650 (ten years)').nullish(),
});
/** The parsed form of {@link KnowledgePolicyBody}. */
export type KnowledgePolicyBody = z.output<typeof KnowledgePolicyBody>;

const FROM = z.enum(['brand', 'tenant', 'default']);

/** A knowledge policy as set at one level, and what is in force there. */
export const KnowledgePolicyResource = z.object({
  scope: z.enum(['tenant', 'brand']),
  brandId: z.string().nullable(),
  /** As set at this level (null: not set here). */
  minQualityScore: z.number().nullable(),
  retentionDays: z.number().int().nullable(),
  /** 0 while nothing was ever set at this level; the ETag otherwise. */
  version: z.number().int(),
  updatedAt: z.string().nullable(),
  /** What applies at this level after inheritance. */
  effective: z.object({
    minQualityScore: z.number(),
    minQualityScoreFrom: FROM,
    /** null: knowledge is kept forever. */
    retentionDays: z.number().int().nullable(),
    retentionDaysFrom: FROM,
  }),
});

/** What retention removed for one brand. */
export const BrandRetentionResource = z.object({
  brandId: z.string(),
  retentionDays: z.number().int().nullable(),
  cutoff: z.string().nullable(),
  chunks: z.number().int(),
  vectors: z.number().int(),
  learnings: z.number().int(),
  deletedBrand: z.boolean(),
});

/** POST /v2/knowledge/retention/apply */
export const RetentionResultResource = z.object({
  tenantId: z.string(),
  appliedAt: z.string(),
  brands: z.array(BrandRetentionResource),
  totals: z.object({ chunks: z.number().int(), vectors: z.number().int(), learnings: z.number().int() }),
});

/** DELETE /v2/brands/:id */
export const BrandDeletionResource = z.object({
  brandId: z.string(),
  version: z.number().int(),
  deletedAt: z.string(),
  knowledge: z.object({ chunks: z.number().int(), vectors: z.number().int(), learnings: z.number().int(), policy: z.boolean() }),
});
