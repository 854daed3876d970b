/**
 * Form fields of brands, campaigns and tasks, mapped onto their content (a field's `path` is the
 * keys down to the value; an override is `['overrides', 'voice.tone']`, a key with a dot).
 */
import { TaskResource } from '@contracts/http/catalog.js';
import type { FieldKind } from '../../lib/record-paths.js';

export { fromInput, getAt, setAt, toInput } from '../../lib/record-paths.js';
export type { FieldKind } from '../../lib/record-paths.js';

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
export function contentOf(resource: Record<string, unknown>): Record<string, unknown> {
  const meta = new Set(['id', 'version', 'hash', 'createdAt', 'updatedAt', 'versionCreatedBy', 'versionCreatedAt', 'projectId', 'brandId', 'campaignId']);
  return Object.fromEntries(Object.entries(resource).filter(([k]) => !meta.has(k)));
}
