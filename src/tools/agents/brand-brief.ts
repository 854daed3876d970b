/**
 * What agents and gates read from a run's resolved context (Brand -> Campaign -> Task): the brand
 * voice and rules, the campaign's objectives and the task's deliverable, flattened into one shape.
 */
export interface BrandBrief {
  brand: string;
  tone: string | null;
  personality: string[];
  preferredTerms: string[];
  avoidTerms: string[];
  bannedTerms: string[];
  disclaimers: string[];
  /** The brand's least quality score for deliverables (null: the template's threshold alone). */
  minQualityScore: number | null;
  positioning: string | null;
  audience: string | null;
  differentiators: string[];
  sampleCopy: string | null;
  campaign: string | null;
  objectives: string[];
  channels: string[];
  segments: Array<{ name: string; description?: string }>;
  task: string;
  deliverableType: string;
  lengthWords: { min?: number; max?: number } | null;
  callToAction: string | null;
  notes: string | null;
  qualityCriteria: Array<{ id: string; description: string; minScore?: number }>;
  locale: string | null;
}

const str = (v: unknown): string | null => (typeof v === 'string' && v.trim() ? v : null);
const strs = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && x.trim() !== '') : []);
const obj = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

/** Reads the brief from a resolved context (missing fields are empty). */
export function brandBrief(context: Record<string, unknown>): BrandBrief {
  const identity = obj(context.identity);
  const voice = obj(context.voice);
  const positioning = obj(context.positioning);
  const rules = obj(context.rules);
  const specs = obj(context.specs);
  const length = obj(specs.lengthWords);
  return {
    brand: str(identity.name) ?? 'the brand',
    tone: str(voice.tone),
    personality: strs(voice.personality),
    preferredTerms: strs(voice.preferredTerms),
    avoidTerms: strs(voice.avoidTerms),
    bannedTerms: strs(rules.bannedTerms),
    disclaimers: strs(rules.requiredDisclaimers),
    minQualityScore: typeof rules.minQualityScore === 'number' ? rules.minQualityScore : null,
    positioning: str(positioning.statement),
    audience: str(positioning.audience),
    differentiators: strs(positioning.differentiators),
    sampleCopy: str(voice.sampleCopy),
    campaign: str(obj(context.campaign).name),
    objectives: strs(context.objectives),
    channels: strs(context.channels),
    segments: Array.isArray(context.segments) ? (context.segments as BrandBrief['segments']) : [],
    task: str(obj(context.task).name) ?? 'the task',
    deliverableType: str(context.deliverableType) ?? 'other',
    lengthWords: typeof length.min === 'number' || typeof length.max === 'number'
      ? { ...(typeof length.min === 'number' ? { min: length.min } : {}), ...(typeof length.max === 'number' ? { max: length.max } : {}) } : null,
    callToAction: str(specs.callToAction),
    notes: str(specs.notes),
    qualityCriteria: Array.isArray(context.qualityCriteria) ? (context.qualityCriteria as BrandBrief['qualityCriteria']) : [],
    locale: str(context.locale),
  };
}

/** The brand voice and rules as the system prompt states them. */
export function voiceAndRules(b: BrandBrief): string {
  const lines = [
    `Brand: ${b.brand}.`,
    b.tone ? `Tone of voice: ${b.tone}.` : '',
    b.personality.length ? `Personality: ${b.personality.join(', ')}.` : '',
    b.positioning ? `Positioning: ${b.positioning}` : '',
    b.differentiators.length ? `Differentiators: ${b.differentiators.join('; ')}.` : '',
    b.preferredTerms.length ? `Prefer these terms: ${b.preferredTerms.join(', ')}.` : '',
    b.avoidTerms.length ? `Avoid these terms: ${b.avoidTerms.join(', ')}.` : '',
    b.bannedTerms.length ? `Never use these banned terms: ${b.bannedTerms.join(', ')}.` : '',
    b.disclaimers.length ? `Every deliverable must include, verbatim: ${b.disclaimers.map((d) => `"${d}"`).join('; ')}.` : '',
    b.locale ? `Write in locale ${b.locale}.` : '',
    b.sampleCopy ? `Sample of the brand's copy: ${b.sampleCopy}` : '',
  ];
  return lines.filter(Boolean).join('\n');
}

/** The task as the user prompt states it. */
export function taskStatement(b: BrandBrief, channel: string | null): string {
  return [
    `Task: ${b.task} (${b.deliverableType}${channel ? ` for ${channel}` : ''}).`,
    b.campaign ? `Campaign: ${b.campaign}.` : '',
    b.objectives.length ? `Objectives: ${b.objectives.join('; ')}.` : '',
    b.audience ? `Audience: ${b.audience}` : '',
    b.segments.length ? `Segments: ${b.segments.map((s) => s.description ? `${s.name} (${s.description})` : s.name).join('; ')}.` : '',
    b.lengthWords ? `Length: ${b.lengthWords.min ?? 0}-${b.lengthWords.max ?? 'any'} words.` : '',
    b.callToAction ? `Call to action: ${b.callToAction}.` : '',
    b.notes ? `Notes: ${b.notes}` : '',
  ].filter(Boolean).join('\n');
}
