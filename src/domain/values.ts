import { z } from 'zod';

/**
 * Bounded value schemas shared by the domain records. Every string and list has an upper bound so a
 * payload can never grow a record without limit; the bounds are documented in docs/api.md.
 */

/** A one-line label: 1–200 characters, trimmed. */
export const ShortText = z.string().trim().min(1).max(200);
/** A paragraph: up to 4,000 characters. */
export const LongText = z.string().trim().min(1).max(4000);
/** A lower-case identifier such as a channel (`instagram`, `email`, `search-ads`). */
export const Slug = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'lower-case letters, digits, "-" or "_", at most 64 characters');
/** A list of short terms (banned words, preferred terms…): at most 200, each 1–100 characters. */
export const TermList = z.array(z.string().trim().min(1).max(100)).max(200);
/** A `#rrggbb` colour. */
export const HexColor = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'a colour as #rrggbb');
/** A BCP-47-like locale: `en`, `pt-BR`. */
export const Locale = z.string().regex(/^[a-z]{2,3}(-[A-Z]{2})?$/, 'a locale such as "en" or "pt-BR"');
/** A calendar date `YYYY-MM-DD`. */
export const IsoDate = z.iso.date();
/** A UUID. */
export const Uuid = z.uuid();

/** A budget: a non-negative amount in an ISO 4217 currency. */
export const Budget = z.strictObject({
  amount: z.number().nonnegative().max(1e12),
  currency: z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as "EUR"'),
});

/** A date range; `end` is not before `start`. */
export const Timeline = z
  .strictObject({ start: IsoDate, end: IsoDate })
  .refine((t) => t.end >= t.start, { message: 'timeline.end must not be before timeline.start', path: ['end'] });

/** An audience segment of a campaign. */
export const Segment = z.strictObject({ name: ShortText, description: LongText.optional() });

/** The brand logo: where it lives and its alternative text. */
export const Logo = z.strictObject({ url: z.url().max(2048), alt: z.string().trim().max(300).optional() });

/** The brand palette: 1–16 colours. */
export const Palette = z.array(HexColor).min(1).max(16);

/** The deliverable types a task can ask for. */
export const DELIVERABLE_TYPES = ['social_post', 'email', 'ad', 'article', 'landing_page', 'video_script', 'press_release', 'other'] as const;
/** One of {@link DELIVERABLE_TYPES}. */
export const DeliverableType = z.enum(DELIVERABLE_TYPES);

/** The technical specs of a deliverable. */
export const TaskSpecs = z.strictObject({
  format: ShortText.optional(),
  lengthWords: z
    .strictObject({ min: z.int().min(0).max(100000).optional(), max: z.int().min(1).max(100000).optional() })
    .refine((l) => l.min === undefined || l.max === undefined || l.min <= l.max, { message: 'lengthWords.min must not exceed lengthWords.max' })
    .optional(),
  callToAction: ShortText.optional(),
  notes: LongText.optional(),
  attributes: z
    .record(z.string().min(1).max(64), z.union([z.string().max(1000), z.number(), z.boolean()]))
    .refine((r) => Object.keys(r).length <= 50, { message: 'at most 50 attributes' })
    .optional(),
});

/** A quality criterion the review of a task applies. */
export const QualityCriterion = z.strictObject({
  id: Slug,
  description: LongText,
  minScore: z.number().min(0).max(1).optional(),
});
