/**
 * Errors of the Milvus vector store. The SDK fails in three ways: a gRPC error (connection refused,
 * deadline exceeded…), a reply whose status is not Success (some calls return it, some throw the
 * status object itself), or a plain Error from its own checks. All of them become an Error naming the
 * operation, the collection and Milvus' reason, with the original as `cause`.
 */
import { PlatformError } from '../../domain/errors.js';

/** A status as Milvus returns it (`milvus.proto.common.Status`). */
export interface MilvusStatus {
  error_code?: string | number;
  code?: number;
  reason?: string;
}

/** Milvus answered, but with an error (or the SDK refused the request). */
export class MilvusStoreError extends Error {
  override name = 'MilvusStoreError';

  constructor(
    message: string,
    /** The store operation (`init`, `search`…). */
    readonly operation: string,
    /** Milvus' error code when it sent one (100 collection not found, 1100 invalid parameter…). */
    readonly milvusCode: number | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The gRPC codes that mean "Milvus is not there (in time)" rather than "Milvus said no". */
const GRPC_DEADLINE_EXCEEDED = 4;
const GRPC_UNAVAILABLE = 14;

function isStatus(value: unknown): value is MilvusStatus {
  return typeof value === 'object' && value !== null && 'error_code' in value && 'reason' in value;
}

/** True when a status is an error (anything but Success / 0). */
export function isErrorStatus(status: MilvusStatus | undefined): boolean {
  if (!status) return false;
  return !(status.error_code === 'Success' || status.error_code === 0) || (status.code !== undefined && status.code !== 0);
}

/** The error for a reply whose status is not Success. */
export function statusError(operation: string, collection: string, status: MilvusStatus): MilvusStoreError {
  const code = status.code || undefined;
  const reason = status.reason || String(status.error_code);
  return new MilvusStoreError(`Milvus ${operation} on collection "${collection}" failed: ${reason}${code ? ` (code ${code})` : ''}`, operation, code, { cause: status });
}

/** Maps anything the SDK threw to a clear error; errors of this module pass through. */
export function mapMilvusError(err: unknown, ctx: { operation: string; collection: string; address: string; timeoutMs: number }): Error {
  if (err instanceof MilvusStoreError || err instanceof PlatformError) return err;
  if (err instanceof MilvusTimeout) return unavailable(ctx, `did not answer ${ctx.operation} within ${ctx.timeoutMs} ms`, err);
  if (isStatus(err)) return statusError(ctx.operation, ctx.collection, err);
  const grpcCode = (err as { code?: unknown } | null)?.code;
  const detail = (err as { details?: string } | null)?.details || (err instanceof Error ? err.message : String(err));
  if (grpcCode === GRPC_DEADLINE_EXCEEDED) return unavailable(ctx, `did not answer ${ctx.operation} within ${ctx.timeoutMs} ms (${detail})`, err);
  if (grpcCode === GRPC_UNAVAILABLE) return unavailable(ctx, `is not reachable (${ctx.operation}): ${detail}`, err);
  const message = err instanceof Error ? err.message : String(err);
  return new MilvusStoreError(`Milvus ${ctx.operation} on collection "${ctx.collection}" failed: ${message}`, ctx.operation, undefined, { cause: err });
}

/** Milvus is down or too slow: the catalog's SERVICE_UNAVAILABLE (503, retryable). */
function unavailable(ctx: { operation: string; address: string }, what: string, cause: unknown): PlatformError {
  const error = new PlatformError(
    'SERVICE_UNAVAILABLE',
    `Milvus at ${ctx.address} ${what}`,
    { dependency: 'milvus', operation: ctx.operation },
  );
  error.cause = cause;
  return error;
}

/** The store's own guard fired: the SDK did not settle in time (a safety net over its deadlines). */
export class MilvusTimeout extends Error {
  override name = 'MilvusTimeout';
}
