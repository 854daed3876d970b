import type { BrandData } from './brand.js';
import type { CampaignData } from './campaign.js';
import { contentHash } from './canonical-json.js';
import { CONTEXT_FIELDS, FIELD_PATHS, LEVELS, getPath, isFieldPath, setPath, type FieldPath, type Level } from './context-fields.js';
import { overrideViolation, type OverrideRules, type OverrideViolation, type VersionRef } from './override-policy.js';
import type { TaskData } from './task.js';

/** One version of a record, as the resolver reads it. */
export interface VersionedRecord<T> {
  id: string;
  version: number;
  data: T;
}

/** Where a resolved field's value came from. */
export interface FieldProvenance extends VersionRef {
  /** Set when this value replaced one inherited from a level above. */
  overrode?: VersionRef;
}

/** An override stored on a record that the current policy no longer permits: not applied. */
export interface ContextConflict extends OverrideViolation {
  level: Level;
}

/** The result of resolving a task: the merged context, the provenance of each field and its hash. */
export interface ResolvedContext {
  refs: { brandId: string; campaignId: string; taskId: string };
  /** The merged Brand -> Campaign -> Task context, nested by field path. */
  context: Record<string, unknown>;
  /** For each field present in `context`, the level and version that supplied it. */
  provenance: Partial<Record<FieldPath, FieldProvenance>>;
  /** Overrides present on a record but refused by the current policy (the brand wins). */
  conflicts: ContextConflict[];
  /** The versions the context was resolved from. */
  versions: { brand: number; campaign: number; task: number };
  /** `sha256:` of the canonical JSON of `{refs, context}`: equal content gives an equal hash. */
  hash: string;
}

/**
 * Resolves a task's context: every field starts from its owner's record and may be replaced by an
 * override at a lower level, when the brand's current policy (and, for tasks, the campaign's locks)
 * permit it. A field not set below is inherited from above. Pure and deterministic.
 */
export function resolveContext(input: {
  brand: VersionedRecord<BrandData>;
  campaign: VersionedRecord<CampaignData>;
  task: VersionedRecord<TaskData>;
}): ResolvedContext {
  const refs: Record<Level, VersionRef> = {
    brand: { level: 'brand', id: input.brand.id, version: input.brand.version },
    campaign: { level: 'campaign', id: input.campaign.id, version: input.campaign.version },
    task: { level: 'task', id: input.task.id, version: input.task.version },
  };
  const data: Record<Level, unknown> = { brand: input.brand.data, campaign: input.campaign.data, task: input.task.data };
  const overrides: Record<Level, Record<string, unknown>> = {
    brand: {},
    campaign: input.campaign.data.overrides,
    task: input.task.data.overrides,
  };
  const rules: OverrideRules = {
    brand: { ...refs.brand, policy: input.brand.data.overridePolicy },
    campaign: { ...refs.campaign, lockedFields: input.campaign.data.lockedFields },
  };

  const context: Record<string, unknown> = {};
  const provenance: Partial<Record<FieldPath, FieldProvenance>> = {};
  const conflicts: ContextConflict[] = [];

  for (const path of FIELD_PATHS) {
    const def = CONTEXT_FIELDS[path];
    let value = getPath(data[def.owner], def.source);
    let from: FieldProvenance | undefined = value === undefined ? undefined : { ...refs[def.owner] };
    for (const level of LEVELS.slice(LEVELS.indexOf(def.owner) + 1)) {
      if (!Object.hasOwn(overrides[level], path)) continue;
      const violation = overrideViolation(level, path, rules);
      if (violation) {
        conflicts.push({ ...violation, level });
        continue;
      }
      value = overrides[level][path];
      from = from ? { ...refs[level], overrode: { level: from.level, id: from.id, version: from.version } } : { ...refs[level] };
    }
    if (value !== undefined && from) {
      setPath(context, path, value);
      provenance[path] = from;
    }
  }

  // Stored overrides that name no field this level could override (an unknown path, or a field of
  // the same or a lower level) are never applied either; say so instead of ignoring them silently.
  for (const level of ['campaign', 'task'] as const) {
    for (const field of Object.keys(overrides[level])) {
      if (isFieldPath(field) && LEVELS.indexOf(CONTEXT_FIELDS[field].owner) < LEVELS.indexOf(level)) continue;
      const violation = overrideViolation(level, field, rules);
      if (violation) conflicts.push({ ...violation, level });
    }
  }

  const refIds = { brandId: input.brand.id, campaignId: input.campaign.id, taskId: input.task.id };
  return {
    refs: refIds,
    context,
    provenance,
    conflicts,
    versions: { brand: input.brand.version, campaign: input.campaign.version, task: input.task.version },
    hash: contentHash({ refs: refIds, context }),
  };
}
