/** An API error as the Studio shows it: the `{error:{code,message}}` body of the platform, or why there was none. */
export class ApiError extends Error {
  constructor(
    /** HTTP status; 0 when the platform could not be reached. */
    readonly status: number,
    /** The error code of the catalog (docs/errors.md), or NETWORK / BAD_RESPONSE. */
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
    readonly requestId?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** A readable one-line description of any error. */
export function errorMessage(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  if (err instanceof Error) return err.message;
  return String(err);
}

/** Builds an ApiError from a failed response, whatever its body. */
export async function toApiError(res: Response): Promise<ApiError> {
  const text = await res.text().catch(() => '');
  try {
    const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown; details?: unknown; requestId?: unknown } };
    const e = body.error;
    if (e && typeof e.message === 'string') {
      return new ApiError(
        res.status,
        typeof e.code === 'string' ? e.code : `HTTP_${res.status}`,
        e.message,
        e.details && typeof e.details === 'object' ? (e.details as Record<string, unknown>) : undefined,
        typeof e.requestId === 'string' ? e.requestId : undefined,
      );
    }
  } catch {
    // Not JSON (a proxy's error page): described by the status below.
  }
  const reason = res.statusText || 'error';
  return new ApiError(res.status, `HTTP_${res.status}`, `The platform answered ${res.status} ${reason}${text && text.length < 200 && !text.startsWith('<') ? `: ${text}` : ''}`);
}
