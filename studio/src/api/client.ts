import { ApiError, toApiError } from './api-error.js';

/** Options of one API call. */
export interface CallOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Sent as JSON. */
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Query parameters; undefined and empty values are left out. */
  query?: Record<string, string | number | boolean | undefined | null>;
}

/** A successful answer: the parsed JSON body (or text for non-JSON content) and the headers. */
export interface CallResult<T> {
  status: number;
  data: T;
  headers: Headers;
}

/** Appends the non-empty query parameters to a path. */
export function withQuery(path: string, query: CallOptions['query']): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  const qs = params.toString();
  return qs ? `${path}${path.includes('?') ? '&' : '?'}${qs}` : path;
}

/**
 * Calls the platform's API on this origin with the API key. Errors are {@link ApiError}s carrying the
 * platform's code and message; an unreachable platform is an ApiError with status 0.
 */
export async function callApi<T>(key: string, path: string, opts: CallOptions = {}): Promise<CallResult<T>> {
  const headers: Record<string, string> = { authorization: `Bearer ${key}`, accept: 'application/json', ...opts.headers };
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(withQuery(path, opts.query), {
      method: opts.method ?? 'GET',
      headers,
      ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    throw new ApiError(0, 'NETWORK', `Cannot reach the platform (${(err as Error).message}). Check that the server is running.`);
  }
  if (!res.ok) throw await toApiError(res);
  if (res.status === 204) return { status: res.status, data: undefined as T, headers: res.headers };
  const type = res.headers.get('content-type') ?? '';
  if (type.includes('application/json')) {
    try {
      return { status: res.status, data: (await res.json()) as T, headers: res.headers };
    } catch {
      throw new ApiError(res.status, 'BAD_RESPONSE', `The platform sent an unreadable answer for ${path}`);
    }
  }
  return { status: res.status, data: (await res.text()) as T, headers: res.headers };
}

/** A fresh idempotency key for one command (a retry of the same submission reuses it). */
export const newIdempotencyKey = () => `studio-${crypto.randomUUID()}`;
