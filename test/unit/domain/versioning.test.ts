import { describe, expect, it } from 'vitest';
import { nextVersion } from '../../../src/domain/versioning.js';
import { catchPlatformError } from './_builders.js';

describe('nextVersion: append-only optimistic versioning', () => {
  it('returns current + 1 when the writer saw the current version', () => {
    expect(nextVersion(1, 1, 'brand b1')).toBe(2);
    expect(nextVersion(41, 41, 'task t1')).toBe(42);
  });

  it('refuses a change based on an older version with VERSION_CONFLICT and the current version', () => {
    const err = catchPlatformError(() => nextVersion(3, 2, 'brand b1'));
    expect(err.code).toBe('VERSION_CONFLICT');
    expect(err.httpStatus).toBe(409);
    expect(err.details).toEqual({ currentVersion: 3, expectedVersion: 2 });
    expect(err.message).toBe('brand b1 is at version 3, not 2: re-read it and apply your change to version 3');
  });

  it('refuses a change based on a version from the future', () => {
    const err = catchPlatformError(() => nextVersion(3, 4, 'campaign c1'));
    expect(err.code).toBe('VERSION_CONFLICT');
    expect(err.details?.['currentVersion']).toBe(3);
  });
});
