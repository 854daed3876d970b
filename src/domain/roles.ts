/**
 * API key roles, from least to most privileged. Each role can do everything the roles before it can.
 * - viewer: read everything in its tenant except the audit log and keys.
 * - reviewer: viewer + approve or send back work (runs).
 * - operator: reviewer + create and change brands, campaigns, tasks, runs.
 * - admin: operator + override policies, API keys, audit log.
 */
export const ROLES = ['viewer', 'reviewer', 'operator', 'admin'] as const;

/** One of {@link ROLES}. */
export type Role = (typeof ROLES)[number];

/** True when a key with role `have` may do what needs role `need`. */
export function roleAllows(have: Role, need: Role): boolean {
  return ROLES.indexOf(have) >= ROLES.indexOf(need);
}

/** Narrows an arbitrary string to a {@link Role}. */
export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}
