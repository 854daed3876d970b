/**
 * Form fields of brands, campaigns and tasks, mapped onto their content (a field's `path` is the
 * keys down to the value; an override is `['overrides', 'voice.tone']`, a key with a dot).
 */
import { TaskResource } from '@contracts/http/catalog.js';

export type FieldKind = 'text' | 'textarea' | 'list' | 'lines' | 'checkbox' | 'number' | 'select' | 'date';

/** One form field. */
export interface FieldDef {
  path: string[];
  label: string;
  kind: FieldKind;
  required?: boolean;
  /** Identity fields: set once, never changed (disabled when editing a value that is set). */
  immutable?: boolean;
  options?: readonly string[];
  hint?: string;
  step?: string;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The value at `path`. */
export function getAt(obj: unknown, path: string[]): unknown {
  let cur = obj;
  for (const k of path) {
    if (!isObj(cur) || !Object.hasOwn(cur, k)) return undefined;
    cur = cur[k];
  }
  return cur;
}

/** A copy of `obj` with `path` set (or removed for `undefined`; emptied parents removed too). */
export function setAt(obj: Obj, path: string[], value: unknown): Obj {
  const [head, ...rest] = path;
  if (head === undefined) return obj;
  const copy: Obj = { ...obj };
  if (rest.length === 0) {
    if (value === undefined) delete copy[head];
    else copy[head] = value;
    return copy;
  }
  const child = setAt(isObj(copy[head]) ? (copy[head] as Obj) : {}, rest, value);
  if (Object.keys(child).length === 0 && value === undefined) delete copy[head];
  else copy[head] = child;
  return copy;
}

/** The text an input shows for a value. */
export function toInput(field: FieldDef, value: unknown): string | boolean {
  if (field.kind === 'checkbox') return value === true;
  if (value === undefined || value === null) return '';
  if (field.kind === 'list') return Array.isArray(value) ? value.join(', ') : String(value);
  if (field.kind === 'lines') return Array.isArray(value) ? value.join('\n') : String(value);
  return String(value);
}

/** The value an input's text means (`undefined`: unset). */
export function fromInput(field: FieldDef, input: string | boolean, previous: unknown): unknown {
  if (field.kind === 'checkbox') return input === true;
  const text = String(input);
  if (field.kind === 'list' || field.kind === 'lines') {
    const items = text.split(field.kind === 'list' ? ',' : '\n').map((s) => s.trim()).filter(Boolean);
    return items.length ? items : Array.isArray(previous) ? [] : undefined;
  }
  if (text.trim() === '') return undefined;
  if (field.kind === 'number') return Number(text);
  return field.kind === 'textarea' ? text : text.trim();
}

export const BRAND_FIELDS: FieldDef[] = [
  { path: ['identity', 'name'], label: 'Brand name', kind: 'text', required: true, immutable: true },
  { path: ['identity', 'palette'], label: 'Palette (#rrggbb, comma-separated)', kind: 'list', immutable: true },
  { path: ['voice', 'tone'], label: 'Tone of voice', kind: 'text' },
  { path: ['voice', 'personality'], label: 'Personality (comma-separated)', kind: 'list' },
  { path: ['positioning', 'statement'], label: 'Positioning statement', kind: 'textarea' },
  { path: ['positioning', 'audience'], label: 'Audience', kind: 'text' },
  { path: ['rules', 'bannedTerms'], label: 'Banned terms (comma-separated)', kind: 'list' },
  { path: ['rules', 'requiredDisclaimers'], label: 'Required disclaimers (one per line)', kind: 'lines' },
  { path: ['rules', 'minQualityScore'], label: 'Minimum quality score (0–1)', kind: 'number', step: '0.05' },
  { path: ['locale'], label: 'Locale', kind: 'text', hint: 'e.g. en or pt-BR' },
  { path: ['governance', 'requireApproval'], label: 'Every run needs human approval', kind: 'checkbox' },
];

export const CAMPAIGN_FIELDS: FieldDef[] = [
  { path: ['name'], label: 'Campaign name', kind: 'text', required: true },
  { path: ['objectives'], label: 'Objectives (one per line)', kind: 'lines' },
  { path: ['channels'], label: 'Channels (comma-separated)', kind: 'list', hint: 'e.g. instagram, email, linkedin' },
  { path: ['budget', 'amount'], label: 'Budget amount', kind: 'number', step: '0.01' },
  { path: ['budget', 'currency'], label: 'Budget currency', kind: 'text', hint: 'e.g. EUR' },
  { path: ['timeline', 'start'], label: 'Starts on', kind: 'date' },
  { path: ['timeline', 'end'], label: 'Ends on', kind: 'date' },
  { path: ['overrides', 'voice.tone'], label: 'Tone override', kind: 'text', hint: 'if the brand allows it' },
  { path: ['overrides', 'positioning.audience'], label: 'Audience override', kind: 'text' },
];

/** The deliverable types a task can ask for (from the task contract). */
export const DELIVERABLE_TYPES: readonly string[] = TaskResource.shape.deliverableType.options;

export const TASK_FIELDS: FieldDef[] = [
  { path: ['name'], label: 'Task name', kind: 'text', required: true },
  { path: ['deliverableType'], label: 'Deliverable type', kind: 'select', options: DELIVERABLE_TYPES, required: true },
  { path: ['specs', 'format'], label: 'Format', kind: 'text' },
  { path: ['specs', 'lengthWords', 'max'], label: 'Maximum words', kind: 'number', step: '1' },
  { path: ['specs', 'callToAction'], label: 'Call to action', kind: 'text' },
  { path: ['specs', 'notes'], label: 'Brief notes', kind: 'textarea' },
  { path: ['overrides', 'channels'], label: 'Channels override (comma-separated)', kind: 'list', hint: 'narrows the campaign channels' },
  { path: ['overrides', 'voice.tone'], label: 'Tone override', kind: 'text' },
];

/** A record's content: the resource without its metadata and parent ids. */
export function contentOf(resource: Obj): Obj {
  const meta = new Set(['id', 'version', 'hash', 'createdAt', 'updatedAt', 'versionCreatedBy', 'versionCreatedAt', 'projectId', 'brandId', 'campaignId']);
  return Object.fromEntries(Object.entries(resource).filter(([k]) => !meta.has(k)));
}
