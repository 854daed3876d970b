import { PlatformError } from '../domain/errors.js';

/**
 * Errors of the artifact store. They are {@link PlatformError}s, so one that reaches the API becomes
 * the documented answer: a missing artifact is 404 `NOT_FOUND`, a malformed key 400
 * `VALIDATION_FAILED`, a store that cannot be used 503 `SERVICE_UNAVAILABLE`, damaged bytes 500
 * `INTERNAL`. Their messages name the key and the store, never credentials.
 */

/** No artifact has this key (never stored, or deleted). */
export class ArtifactNotFoundError extends PlatformError {
  constructor(readonly key: string, location?: string) {
    super('NOT_FOUND', `artifact ${key} was not found${location ? ` in ${location}` : ''}`, { kind: 'artifact', id: key });
    this.name = 'ArtifactNotFoundError';
  }
}

/** A key that is not `sha256/<64 lowercase hex>` (also what keeps path traversal out). */
export class InvalidArtifactKeyError extends PlatformError {
  constructor(readonly key: string) {
    const shown = key.length > 100 ? `${key.slice(0, 100)}…` : key;
    super('VALIDATION_FAILED', `invalid artifact key ${JSON.stringify(shown)}: expected sha256/<64 lowercase hex digits>`, {
      issues: [{ path: 'key', message: 'expected sha256/<64 lowercase hex digits>' }],
    });
    this.name = 'InvalidArtifactKeyError';
  }
}

/** The stored bytes no longer hash to their key (damaged on disk or by the backend). */
export class ArtifactIntegrityError extends PlatformError {
  constructor(readonly key: string, actualSha256: string, location: string) {
    super('INTERNAL', `artifact ${key} in ${location} is damaged: its content hashes to sha256/${actualSha256}`);
    this.name = 'ArtifactIntegrityError';
  }
}

/** The store itself cannot be used: missing bucket, refused credentials, unreachable endpoint, unwritable directory. */
export class ArtifactStoreUnavailableError extends PlatformError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SERVICE_UNAVAILABLE', message, { dependency: 'artifact store' });
    this.name = 'ArtifactStoreUnavailableError';
    if (options?.cause !== undefined) this.cause = options.cause;
  }
}
