import type { OverridePolicy } from './brand.js';
import { CONTEXT_FIELDS, FIELD_PATHS, LEVELS, isFieldPath, type Level } from './context-fields.js';
import { PlatformError } from './errors.js';

/** A reference to one version of a record, as named in errors and provenance. */
export interface VersionRef {
  level: Level;
  id: string;
  version: number;
}

/** What an override at `level` is checked against: the brand's policy and the campaign's locks. */
export interface OverrideRules {
  brand: VersionRef & { policy: OverridePolicy };
  /** Present when checking a task's overrides. */
  campaign?: VersionRef & { lockedFields: readonly string[] };
}

/** Why one override is refused. `lockedBy` is absent when the field is unknown or not a parent's. */
export interface OverrideViolation {
  field: string;
  code: 'FIELD_LOCKED' | 'UNKNOWN_FIELD';
  message: string;
  lockedBy?: VersionRef | { level: Level; reason: 'identity' | 'fixed' };
}

const rank = (level: Level): number => LEVELS.indexOf(level);

/**
 * Fields a level could ever override: owned by a level above it and not locked (identity, names).
 * Whether a given brand allows them is its policy's business.
 */
export function overridableCandidates(level: Level): string[] {
  return FIELD_PATHS.filter((p) => rank(CONTEXT_FIELDS[p].owner) < rank(level) && !('lock' in CONTEXT_FIELDS[p]));
}

/**
 * Checks one override at `level` (campaign or task) without throwing. Order of checks: the field
 * exists and belongs to a parent level; it is not an identity/fixed field; the brand's policy lists it
 * for this level; for a task, the campaign has not locked it.
 */
export function overrideViolation(level: Level, field: string, rules: OverrideRules): OverrideViolation | null {
  if (!isFieldPath(field) || rank(CONTEXT_FIELDS[field].owner) >= rank(level)) {
    return {
      field,
      code: 'UNKNOWN_FIELD',
      message: isFieldPath(field)
        ? `${field} is a ${CONTEXT_FIELDS[field].owner} field: set it directly, not as a ${level} override`
        : `${field} is not a context field`,
    };
  }
  const def = CONTEXT_FIELDS[field];
  if ('lock' in def) {
    const reason = def.lock;
    return {
      field,
      code: 'FIELD_LOCKED',
      message: reason === 'identity'
        ? `${field} is brand identity and can never be overridden`
        : `${field} names the ${def.owner} and cannot be overridden`,
      lockedBy: { level: def.owner, reason },
    };
  }
  const { brand, campaign } = rules;
  if (level !== 'brand' && !brand.policy[level].includes(field)) {
    return {
      field,
      code: 'FIELD_LOCKED',
      message: `${field} may not be overridden by a ${level}: brand ${brand.id} (version ${brand.version}) does not allow it in its override policy`,
      lockedBy: { level: 'brand', id: brand.id, version: brand.version },
    };
  }
  if (level === 'task' && campaign?.lockedFields.includes(field)) {
    return {
      field,
      code: 'FIELD_LOCKED',
      message: `${field} may not be overridden by a task: campaign ${campaign.id} (version ${campaign.version}) locks it`,
      lockedBy: { level: 'campaign', id: campaign.id, version: campaign.version },
    };
  }
  return null;
}

/**
 * Validates the overrides a campaign or task is about to store: each one must be permitted and its
 * value must satisfy the field's schema. Throws a 422 naming the first refused field and the level
 * that locks it; `details.violations` lists all of them. Returns the overrides as parsed by their
 * field schemas (trimmed strings and so on): store these, not the raw input.
 */
export function assertOverridesAllowed(level: Level, overrides: Record<string, unknown>, rules: OverrideRules): Record<string, unknown> {
  const violations = Object.keys(overrides)
    .map((field) => overrideViolation(level, field, rules))
    .filter((v): v is OverrideViolation => v !== null);
  const first = violations[0];
  if (first) {
    throw new PlatformError(first.code, first.message, {
      field: first.field,
      ...(first.lockedBy ? { lockedBy: first.lockedBy } : { allowed: overridableCandidates(level) }),
      violations,
    });
  }
  const normalized: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(overrides)) {
    if (!isFieldPath(field)) continue;
    const parsed = CONTEXT_FIELDS[field].schema.safeParse(value);
    if (!parsed.success) {
      throw new PlatformError('VALIDATION_FAILED', `overrides.${field}: ${parsed.error.issues[0]?.message ?? 'invalid value'}`, {
        issues: parsed.error.issues.map((i) => ({ path: ['overrides', field, ...i.path.map(String)].join('.'), message: i.message })),
      });
    }
    normalized[field] = parsed.data;
  }
  return normalized;
}

/**
 * Validates an override policy: the campaign list may name only brand fields, the task list brand or
 * campaign fields, and neither may name identity or fixed fields.
 */
export function assertValidOverridePolicy(policy: OverridePolicy): void {
  for (const level of ['campaign', 'task'] as const) {
    for (const field of policy[level]) {
      if (!isFieldPath(field)) {
        throw new PlatformError('UNKNOWN_FIELD', `overridePolicy.${level}: ${field} is not a context field`, {
          field, allowed: overridableCandidates(level),
        });
      }
      const def = CONTEXT_FIELDS[field];
      if ('lock' in def || rank(def.owner) >= rank(level)) {
        throw new PlatformError('INVALID_OVERRIDE_POLICY', 'lock' in def
          ? `overridePolicy.${level}: ${field} can never be overridden (${def.lock === 'identity' ? 'brand identity' : 'record name'})`
          : `overridePolicy.${level}: ${field} is a ${def.owner} field, a ${level} sets it directly`, { field, level });
      }
    }
  }
}

/** Validates a campaign's `lockedFields`: each must be a field a task could otherwise override. */
export function assertValidLockedFields(lockedFields: readonly string[]): void {
  const candidates = overridableCandidates('task');
  for (const field of lockedFields) {
    if (!candidates.includes(field)) {
      throw new PlatformError('UNKNOWN_FIELD', `lockedFields: ${field} is not a brand or campaign context field`, { field, allowed: candidates });
    }
  }
}
