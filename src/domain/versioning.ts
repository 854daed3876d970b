import { PlatformError } from './errors.js';

/**
 * Append-only versioning: a change never edits a version, it adds version `current + 1`, and only
 * when the writer saw the current version. Refuses a change based on any other version with 409.
 */
export function nextVersion(current: number, expected: number, what: string): number {
  if (expected !== current) {
    throw new PlatformError('VERSION_CONFLICT', `${what} is at version ${current}, not ${expected}: re-read it and apply your change to version ${current}`, {
      currentVersion: current,
      expectedVersion: expected,
    });
  }
  return current + 1;
}
