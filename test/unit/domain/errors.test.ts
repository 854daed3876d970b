import { describe, expect, it } from 'vitest';
import { ERROR_CATALOG, PlatformError, isPlatformError, notFound } from '../../../src/domain/errors.js';

describe('PlatformError', () => {
  it('is an Error carrying its code, message, details and the HTTP status of its code', () => {
    const err = new PlatformError('FIELD_LOCKED', 'voice.tone is locked', { field: 'voice.tone' });
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('PlatformError');
    expect(err.code).toBe('FIELD_LOCKED');
    expect(err.message).toBe('voice.tone is locked');
    expect(err.details).toEqual({ field: 'voice.tone' });
    expect(err.httpStatus).toBe(422);
  });

  it('has no details unless given', () => {
    expect(new PlatformError('INTERNAL', 'boom').details).toBeUndefined();
  });

  it.each([
    ['VALIDATION_FAILED', 400],
    ['UNAUTHENTICATED', 401],
    ['FORBIDDEN', 403],
    ['NOT_FOUND', 404],
    ['VERSION_CONFLICT', 409],
    ['PAYLOAD_TOO_LARGE', 413],
    ['IDENTITY_IMMUTABLE', 422],
    ['DEPENDENCY_CYCLE', 422],
    ['PRECONDITION_REQUIRED', 428],
    ['INTERNAL', 500],
    ['SERVICE_UNAVAILABLE', 503],
  ] as const)('maps %s to HTTP %i', (code, status) => {
    expect(new PlatformError(code, 'x').httpStatus).toBe(status);
  });
});

describe('isPlatformError', () => {
  it('recognises a PlatformError, and one from another copy of the module (by the shared symbol)', () => {
    expect(isPlatformError(new PlatformError('NOT_FOUND', 'x'))).toBe(true);
    const foreign = Object.assign(new Error('x'), { [Symbol.for('vmp.PlatformError')]: true, code: 'NOT_FOUND' });
    expect(isPlatformError(foreign)).toBe(true);
  });

  it('rejects other values', () => {
    for (const v of [new Error('x'), { code: 'NOT_FOUND' }, null, undefined, 'NOT_FOUND', 42, { [Symbol.for('vmp.PlatformError')]: 'yes' }]) {
      expect(isPlatformError(v)).toBe(false);
    }
  });
});

describe('notFound', () => {
  it('builds the 404 of a tenant-scoped lookup naming kind and id', () => {
    const err = notFound('brand', 'b1');
    expect(err.code).toBe('NOT_FOUND');
    expect(err.httpStatus).toBe(404);
    expect(err.message).toBe('brand b1 was not found');
    expect(err.details).toEqual({ kind: 'brand', id: 'b1' });
  });
});

describe('ERROR_CATALOG', () => {
  it('marks exactly the 5xx errors retryable and describes every code', () => {
    for (const [code, entry] of Object.entries(ERROR_CATALOG)) {
      expect(entry.httpStatus, code).toBeGreaterThanOrEqual(400);
      expect(entry.httpStatus, code).toBeLessThan(600);
      expect(entry.retryable, code).toBe(entry.httpStatus >= 500);
      expect(entry.description.length, code).toBeGreaterThan(10);
    }
  });
});
