import { NonRetryableToolError, RateLimitedError, ToolError } from '../contracts/tool-errors.js';

/**
 * How provider failures become ToolErrors that say whether a retry can help, shared by the SDK
 * providers:
 * - 408, 409, 425, 429 and 5xx (also 529 "overloaded"), connection errors, timeouts, malformed or
 *   empty responses: retryable (`ToolError` with `retryable: true`); 429 is a {@link RateLimitedError}
 *   whose `retryAfterMs` comes from `retry-after-ms` / `retry-after` (seconds or HTTP date), else
 *   {@link DEFAULT_RETRY_AFTER_MS};
 * - every other 4xx: {@link NonRetryableToolError} (401/403 with code `LLM_AUTH_FAILED`);
 * - an abort of the caller's signal is not a failure: the signal's reason (an `AbortError`) is
 *   rethrown as is, never wrapped in a retryable error.
 */

/** `retryAfterMs` of a 429 that carries no retry-after header. */
export const DEFAULT_RETRY_AFTER_MS = 1000;

/** Error codes of provider ToolErrors. */
export const LLM_ERROR_CODES = {
  unavailable: 'LLM_UNAVAILABLE',
  timeout: 'LLM_TIMEOUT',
  rejected: 'LLM_REQUEST_REJECTED',
  auth: 'LLM_AUTH_FAILED',
  badResponse: 'LLM_BAD_RESPONSE',
} as const;

/** The shape both SDKs (openai, @anthropic-ai/sdk) give their error classes. */
export interface SdkErrorClasses {
  APIError: abstract new (...args: never[]) => Error & { status: number | undefined; headers: Headers | undefined; error: unknown };
  APIUserAbortError: abstract new (...args: never[]) => Error;
  APIConnectionError: abstract new (...args: never[]) => Error;
  APIConnectionTimeoutError: abstract new (...args: never[]) => Error;
}

/** Which call failed: names the provider and model in messages and details. */
export interface CallContext {
  provider: string;
  model: string;
}

/** The error to throw for an aborted signal: its reason when that is an Error, else an `AbortError`. */
export function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  return new DOMException(typeof reason === 'string' ? reason : 'The operation was aborted', 'AbortError');
}

/** Throws the abort error when `signal` is aborted (call after SDK streams, which end silently on abort). */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortError(signal);
}

/** True for errors that mean "aborted" (`AbortError`, `TimeoutError` DOMExceptions and look-alikes). */
export function isAbortError(err: unknown): boolean {
  return err instanceof Error && (err.name === 'AbortError' || err.name === 'TimeoutError');
}

/** Milliseconds to wait from `retry-after-ms` or `retry-after` (delta seconds or HTTP date). */
export function parseRetryAfterMs(headers: Pick<Headers, 'get'> | undefined, now: () => number = Date.now): number | undefined {
  const ms = headers?.get('retry-after-ms');
  if (ms && Number.isFinite(Number(ms)) && Number(ms) >= 0) return Math.round(Number(ms));
  const value = headers?.get('retry-after')?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now());
}

/** Status codes whose failure a later try can fix. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 425 || status === 429 || status >= 500;
}

/** Anthropic stream `error` events carry a type but no status: the status each type stands for. */
const STATUS_OF_ERROR_TYPE: Record<string, number> = {
  invalid_request_error: 400, authentication_error: 401, billing_error: 402, permission_error: 403,
  not_found_error: 404, request_too_large: 413, rate_limit_error: 429, api_error: 500, timeout_error: 504,
  overloaded_error: 529,
};

function errorType(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const b = body as { type?: unknown; error?: { type?: unknown } };
  const t = typeof b.error === 'object' && b.error !== null ? b.error.type : b.type;
  return typeof t === 'string' ? t : undefined;
}

/** The ToolError for an HTTP failure of `status` (see the module comment for the mapping). */
export function errorForStatus(ctx: CallContext, status: number, message: string, headers?: Pick<Headers, 'get'>): ToolError {
  const where = `${ctx.provider}:${ctx.model}`;
  const details = { provider: ctx.provider, model: ctx.model, status };
  if (status === 429) return new RateLimitedError(`llm:${ctx.provider}`, ctx.model, parseRetryAfterMs(headers) ?? DEFAULT_RETRY_AFTER_MS);
  if (isRetryableStatus(status)) return new ToolError(`${where} failed with HTTP ${status}: ${message}`, true, LLM_ERROR_CODES.unavailable, details);
  const code = status === 401 || status === 403 ? LLM_ERROR_CODES.auth : LLM_ERROR_CODES.rejected;
  return new NonRetryableToolError(`${where} refused the request with HTTP ${status}: ${message}`, code, details);
}

/** A retryable ToolError for a response the provider sent but we cannot use. */
export function badResponse(ctx: CallContext, problem: string): ToolError {
  return new ToolError(`${ctx.provider}:${ctx.model} sent an unusable response: ${problem}`, true, LLM_ERROR_CODES.badResponse, { provider: ctx.provider, model: ctx.model });
}

/**
 * What to throw for an error of an SDK call: the abort error when `signal` is aborted, a ToolError
 * unchanged, otherwise the ToolError the failure maps to.
 */
export function toProviderError(ctx: CallContext, err: unknown, signal: AbortSignal | undefined, sdk: SdkErrorClasses): Error {
  if (signal?.aborted) return abortError(signal);
  if (err instanceof ToolError) return err;
  const where = `${ctx.provider}:${ctx.model}`;
  const details = { provider: ctx.provider, model: ctx.model };
  if (err instanceof sdk.APIConnectionTimeoutError) return new ToolError(`${where} timed out`, true, LLM_ERROR_CODES.timeout, details);
  if (err instanceof sdk.APIUserAbortError || isAbortError(err)) return new ToolError(`${where} was aborted by the client (timeout)`, true, LLM_ERROR_CODES.timeout, details);
  if (err instanceof sdk.APIConnectionError) return new ToolError(`${where} is unreachable: ${causeOf(err)}`, true, LLM_ERROR_CODES.unavailable, details);
  if (err instanceof sdk.APIError) {
    const status = err.status ?? STATUS_OF_ERROR_TYPE[errorType(err.error) ?? ''];
    if (status === undefined) return new ToolError(`${where} failed: ${err.message}`, true, LLM_ERROR_CODES.unavailable, details);
    return errorForStatus(ctx, status, err.message, err.headers);
  }
  if (err instanceof SyntaxError) return badResponse(ctx, `malformed JSON (${err.message})`);
  const message = err instanceof Error ? err.message : String(err);
  return new ToolError(`${where} failed: ${message}`, true, LLM_ERROR_CODES.unavailable, details);
}

function causeOf(err: Error): string {
  const cause = (err as { cause?: unknown }).cause;
  return cause instanceof Error ? `${err.message} (${cause.message})` : err.message;
}
