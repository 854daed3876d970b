import { z } from 'zod';
import { CONTEXT_FIELDS } from './context-fields.js';
import { ShortText } from './values.js';

/** Overrides of brand fields, keyed by context path (`{"voice.tone": "playful"}`); checked by policy. */
export const Overrides = z
  .record(z.string().min(1).max(100), z.unknown())
  .refine((o) => Object.keys(o).length <= 50, { message: 'at most 50 overrides' });
/** The parsed form of {@link Overrides}. */
export type Overrides = z.output<typeof Overrides>;

const f = CONTEXT_FIELDS;

/** A campaign's content: objectives, channels, budget, timeline, segments, overrides. */
export const CampaignData = z.strictObject({
  name: ShortText,
  objectives: f.objectives.schema.default([]),
  channels: f.channels.schema.default([]),
  budget: f.budget.schema.optional(),
  timeline: f.timeline.schema.optional(),
  segments: f.segments.schema.default([]),
  overrides: Overrides.default({}),
  /** Fields tasks of this campaign may not override, even where the brand's policy allows it. */
  lockedFields: z.array(z.string().min(1).max(100)).max(50).default([]),
});
/** The parsed form of {@link CampaignData}. */
export type CampaignData = z.output<typeof CampaignData>;
