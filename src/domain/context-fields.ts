import { z } from 'zod';
import {
  Budget, DeliverableType, LongText, Locale, Logo, Palette, QualityCriterion, Segment, ShortText, Slug, TaskSpecs,
  TermList, Timeline, Uuid,
} from './values.js';

/** The three levels of context, from the most general to the most specific. */
export const LEVELS = ['brand', 'campaign', 'task'] as const;
/** One of {@link LEVELS}. */
export type Level = (typeof LEVELS)[number];

/**
 * Why a field can never be overridden: brand identity is immutable, and names identify a record.
 * Fields without a lock can be overridden below their owner when the brand's policy allows it.
 */
export type FieldLock = 'identity' | 'fixed';

/** One field of the resolved context. */
export interface ContextField {
  /** The level whose record sets this field. */
  owner: Level;
  /** Where the value lives in the owner's record data (dot path). */
  source: string;
  /** A field that no policy can make overridable. */
  lock?: FieldLock;
  /** The schema a value of this field (set or overridden) must satisfy. */
  schema: z.ZodType;
}

/**
 * The catalog of context fields, keyed by their path in the resolved context. This is the single
 * list the inheritance, the override policy and the provenance are written against.
 */
export const CONTEXT_FIELDS = {
  'identity.name': { owner: 'brand', source: 'identity.name', lock: 'identity', schema: ShortText },
  'identity.logo': { owner: 'brand', source: 'identity.logo', lock: 'identity', schema: Logo },
  'identity.palette': { owner: 'brand', source: 'identity.palette', lock: 'identity', schema: Palette },
  'voice.tone': { owner: 'brand', source: 'voice.tone', schema: ShortText },
  'voice.personality': { owner: 'brand', source: 'voice.personality', schema: TermList },
  'voice.preferredTerms': { owner: 'brand', source: 'voice.preferredTerms', schema: TermList },
  'voice.avoidTerms': { owner: 'brand', source: 'voice.avoidTerms', schema: TermList },
  'voice.sampleCopy': { owner: 'brand', source: 'voice.sampleCopy', schema: LongText },
  'positioning.statement': { owner: 'brand', source: 'positioning.statement', schema: LongText },
  'positioning.audience': { owner: 'brand', source: 'positioning.audience', schema: LongText },
  'positioning.differentiators': { owner: 'brand', source: 'positioning.differentiators', schema: TermList },
  'positioning.category': { owner: 'brand', source: 'positioning.category', schema: ShortText },
  'rules.bannedTerms': { owner: 'brand', source: 'rules.bannedTerms', schema: TermList },
  'rules.requiredDisclaimers': { owner: 'brand', source: 'rules.requiredDisclaimers', schema: z.array(LongText).max(20) },
  'rules.minQualityScore': { owner: 'brand', source: 'rules.minQualityScore', schema: z.number().min(0).max(1) },
  locale: { owner: 'brand', source: 'locale', schema: Locale },
  'campaign.name': { owner: 'campaign', source: 'name', lock: 'fixed', schema: ShortText },
  objectives: { owner: 'campaign', source: 'objectives', schema: z.array(LongText).max(20) },
  channels: { owner: 'campaign', source: 'channels', schema: z.array(Slug).max(20) },
  budget: { owner: 'campaign', source: 'budget', schema: Budget },
  timeline: { owner: 'campaign', source: 'timeline', schema: Timeline },
  segments: { owner: 'campaign', source: 'segments', schema: z.array(Segment).max(20) },
  'task.name': { owner: 'task', source: 'name', lock: 'fixed', schema: ShortText },
  deliverableType: { owner: 'task', source: 'deliverableType', schema: DeliverableType },
  specs: { owner: 'task', source: 'specs', schema: TaskSpecs },
  qualityCriteria: { owner: 'task', source: 'qualityCriteria', schema: z.array(QualityCriterion).max(30) },
  dependsOn: { owner: 'task', source: 'dependsOn', schema: z.array(Uuid).max(50) },
} as const satisfies Record<string, ContextField>;

/** A path of the resolved context, e.g. `voice.tone` or `channels`. */
export type FieldPath = keyof typeof CONTEXT_FIELDS;

/** Every field path, in catalog order. */
export const FIELD_PATHS = Object.keys(CONTEXT_FIELDS) as FieldPath[];

/** True when `path` names a field of the catalog. */
export function isFieldPath(path: string): path is FieldPath {
  return Object.hasOwn(CONTEXT_FIELDS, path);
}

/** The catalog entry of a field. */
export function fieldOf(path: FieldPath): ContextField {
  return CONTEXT_FIELDS[path];
}

/**
 * Reads a dot path from a plain object; `undefined` when any step is missing. Only own members are
 * followed: `specs.constructor` is missing, not Object's constructor.
 */
export function getPath(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const key of path.split('.')) {
    if (cur === null || typeof cur !== 'object' || !Object.hasOwn(cur, key)) return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

/** Writes a dot path into a plain object, creating intermediate objects. */
export function setPath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let cur = obj;
  for (const key of keys.slice(0, -1)) {
    const next = cur[key];
    if (next === null || typeof next !== 'object') cur[key] = {};
    cur = cur[key] as Record<string, unknown>;
  }
  cur[keys[keys.length - 1] as string] = value;
}
