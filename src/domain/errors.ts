/**
 * The error catalog: every error the platform reports to a client has a code listed here, with its
 * HTTP status, whether retrying the same request can succeed, and what it means. The API's error
 * handler maps a {@link PlatformError} to `{"error":{"code","message","details"}}` with this status;
 * a test checks that every code is documented in docs/errors.md.
 */
export const ERROR_CATALOG = {
  VALIDATION_FAILED: { httpStatus: 400, retryable: false, description: 'The request body, query or path did not match the schema; `details.issues` lists each problem with its path.' },
  MALFORMED_JSON: { httpStatus: 400, retryable: false, description: 'The body is not valid JSON.' },
  UNAUTHENTICATED: { httpStatus: 401, retryable: false, description: 'No API key, or an unknown or revoked one. Send `Authorization: Bearer <key>`.' },
  FORBIDDEN: { httpStatus: 403, retryable: false, description: "The API key's role may not perform this action; `details.requiredRole` names the role needed." },
  NOT_FOUND: { httpStatus: 404, retryable: false, description: "No such resource in the caller's tenant (another tenant's ids are reported the same way)." },
  ROUTE_NOT_FOUND: { httpStatus: 404, retryable: false, description: 'No route matches this method and path.' },
  VERSION_CONFLICT: { httpStatus: 409, retryable: false, description: 'The `If-Match` version is not the current version; re-read the resource and apply the change again.' },
  INVALID_STATE: { httpStatus: 409, retryable: false, description: "The run's current state does not accept this command (for example approve on a run that is not waiting for approval); `details.status` is where the run is." },
  ALREADY_EXISTS: { httpStatus: 409, retryable: false, description: 'A resource with this unique name already exists.' },
  BRAND_DELETED: { httpStatus: 410, retryable: false, description: 'The brand was deleted (`DELETE /v2/brands/:id`): it takes no new campaigns, tasks or runs, and its knowledge was purged. `details.deletedAt` says when.' },
  PAYLOAD_TOO_LARGE: { httpStatus: 413, retryable: false, description: 'The body is larger than the limit (1 MiB).' },
  UNSUPPORTED_MEDIA_TYPE: { httpStatus: 415, retryable: false, description: 'The body must be `application/json`.' },
  FIELD_LOCKED: { httpStatus: 422, retryable: false, description: 'An override names a field that this level may not override; `details.field` and `details.lockedBy` say which field and which level locks it.' },
  IDENTITY_IMMUTABLE: { httpStatus: 422, retryable: false, description: 'A brand identity field (name, logo, palette) is already set and can never change.' },
  UNKNOWN_FIELD: { httpStatus: 422, retryable: false, description: 'An override or policy names a context field that does not exist; `details.allowed` lists the valid ones.' },
  INVALID_OVERRIDE_POLICY: { httpStatus: 422, retryable: false, description: 'The override policy names a field that cannot be made overridable at that level.' },
  INVALID_REFERENCE: { httpStatus: 422, retryable: false, description: "A referenced id (project, brand, campaign, task dependency) does not exist in the caller's tenant." },
  DEPENDENCY_CYCLE: { httpStatus: 422, retryable: false, description: 'Task dependencies would form a cycle; `details.cycle` lists it.' },
  IDEMPOTENCY_KEY_REUSED: { httpStatus: 422, retryable: false, description: 'This `Idempotency-Key` was already used for a different request; use a new key for a new request.' },
  INVALID_CREDENTIAL_REF: { httpStatus: 422, retryable: false, description: 'A credential reference points where secrets may not come from: an `env` reference must name a variable with the platform\'s secret prefix (`CREDENTIAL_ENV_PREFIX`, default `VMP_SECRET_`), a `file` reference a file inside `CREDENTIALS_DIR`.' },
  INVALID_TEMPLATE: { httpStatus: 422, retryable: false, description: 'A workflow template is invalid (cycle, unknown dependency or handler, bad condition); the message names each problem.' },
  PRECONDITION_REQUIRED: { httpStatus: 428, retryable: false, description: 'A change to a versioned resource needs `If-Match: <current version>` (the ETag of the last GET).' },
  INTERNAL: { httpStatus: 500, retryable: true, description: 'An unexpected server error. The body never carries internals; the `requestId` finds it in the logs.' },
  RUN_BUSY: { httpStatus: 503, retryable: true, description: 'The run is owned by another run host that is alive; retry shortly (the request is routed there in clustered mode).' },
  SERVICE_UNAVAILABLE: { httpStatus: 503, retryable: true, description: 'A dependency (database) is not reachable.' },
} as const satisfies Record<string, { httpStatus: number; retryable: boolean; description: string }>;

/** A code from {@link ERROR_CATALOG}. */
export type ErrorCode = keyof typeof ERROR_CATALOG;

const BRAND = Symbol.for('vmp.PlatformError');

/**
 * An error with a catalog code. Throw it from anywhere below the API; the error handler turns it
 * into the documented HTTP answer. `details` must be JSON-safe: it is sent to the client as is.
 */
export class PlatformError extends Error {
  readonly [BRAND] = true;
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'PlatformError';
    this.code = code;
    this.details = details;
  }

  /** The HTTP status of this error's code. */
  get httpStatus(): number {
    return ERROR_CATALOG[this.code].httpStatus;
  }
}

/** True for a {@link PlatformError}, even one created by another copy of this module. */
export function isPlatformError(err: unknown): err is PlatformError {
  return typeof err === 'object' && err !== null && (err as Record<symbol, unknown>)[BRAND] === true;
}

/** Shorthand for the 404 every tenant-scoped lookup gives, whether the id is unknown or foreign. */
export function notFound(kind: string, id: string): PlatformError {
  return new PlatformError('NOT_FOUND', `${kind} ${id} was not found`, { kind, id });
}
