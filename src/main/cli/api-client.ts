import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * A small HTTP client of the platform's API v2 for terminal tools (`npm run cli -- run …`,
 * `npm run demo`). Finds the server and the key the way a developer expects:
 *
 * - URL: `--url`, else `VMP_URL`, else `http://127.0.0.1:${PORT || 3000}`;
 * - key: `--key`, else `VMP_API_KEY`, else the file `$DATA_DIR/demo-admin.key` (DATA_DIR default
 *   `./data`) that the server writes on its first embedded start.
 */

/** Where to reach the API and with which key. */
export interface ApiTarget {
  baseUrl: string;
  key: string;
  /** Where the key came from, for messages: `--key`, `VMP_API_KEY` or the file path. */
  keySource: string;
}

/** An error the API answered (`{error:{code,message,details,requestId}}`) or a failure to reach it. */
export class ApiError extends Error {
  constructor(
    message: string,
    /** HTTP status; 0 when the server could not be reached. */
    readonly status: number,
    /** The API's error code (`NOT_FOUND`, `INVALID_STATE`…), `UNREACHABLE`, or `HTTP_<status>` for a non-JSON answer. */
    readonly code: string,
    readonly details?: unknown,
    readonly requestId?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** True for an {@link ApiError}. */
export const isApiError = (err: unknown): err is ApiError => err instanceof ApiError;

/** A problem with the command line: exit code 2, with the usage. */
export class CliUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliUsageError';
  }
}

/** A problem with the local set-up (no key found, a bad URL): exit code 1. */
export class CliSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliSetupError';
  }
}

/**
 * Resolves the API URL and key from flags, environment and the demo key file.
 * Throws {@link CliSetupError} when no key can be found, saying where it looked.
 */
export function resolveApiTarget(flags: { url?: string; key?: string } = {}, env: NodeJS.ProcessEnv = process.env): ApiTarget {
  const baseUrl = (flags.url ?? env.VMP_URL ?? `http://127.0.0.1:${env.PORT || '3000'}`).replace(/\/+$/, '');
  try {
    new URL(baseUrl);
  } catch {
    throw new CliSetupError(`not a URL: ${baseUrl} (set --url or VMP_URL, e.g. http://127.0.0.1:3000)`);
  }
  if (flags.key) return { baseUrl, key: flags.key.trim(), keySource: '--key' };
  if (env.VMP_API_KEY) return { baseUrl, key: env.VMP_API_KEY.trim(), keySource: 'VMP_API_KEY' };
  const file = join(resolve(env.DATA_DIR || './data'), 'demo-admin.key');
  if (existsSync(file)) {
    const key = readFileSync(file, 'utf8').trim();
    if (key) return { baseUrl, key, keySource: file };
  }
  throw new CliSetupError(
    `no API key: pass --key <key>, set VMP_API_KEY, or start the server once on the embedded database (npm start) so that it writes ${file}`,
  );
}

/** Options of a request. */
export interface RequestOptions {
  body?: unknown;
  /** Sent as `Idempotency-Key` (run commands need one; {@link ApiClient.command} makes one). */
  idempotencyKey?: string;
  ifMatch?: number;
  signal?: AbortSignal;
}

/** A fetch-based client of API v2; errors are {@link ApiError}s. */
export class ApiClient {
  readonly baseUrl: string;
  private readonly key: string;
  private readonly fetchImpl: typeof fetch;

  constructor(target: Pick<ApiTarget, 'baseUrl' | 'key'>, fetchImpl: typeof fetch = globalThis.fetch) {
    this.baseUrl = target.baseUrl.replace(/\/+$/, '');
    this.key = target.key;
    this.fetchImpl = fetchImpl;
  }

  /** GET a JSON resource. */
  get<T>(path: string, opts: Omit<RequestOptions, 'body' | 'idempotencyKey'> = {}): Promise<T> {
    return this.request<T>('GET', path, opts);
  }

  /** POST JSON. */
  post<T>(path: string, body: unknown, opts: Omit<RequestOptions, 'body'> = {}): Promise<T> {
    return this.request<T>('POST', path, { ...opts, body });
  }

  /** POST a run command (or start) with a fresh Idempotency-Key unless one is given. */
  command<T>(path: string, body: unknown, opts: Omit<RequestOptions, 'body'> = {}): Promise<T> {
    return this.post<T>(path, body, { ...opts, idempotencyKey: opts.idempotencyKey ?? `cli-${randomUUID()}` });
  }

  /** The absolute URL of an API path. */
  url(path: string): string {
    return `${this.baseUrl}${path.startsWith('/') ? path : `/${path}`}`;
  }

  /** Any request; answers 2xx with the parsed JSON body (or null when there is none). */
  async request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.key}`, accept: 'application/json' };
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    if (opts.idempotencyKey) headers['idempotency-key'] = opts.idempotencyKey;
    if (opts.ifMatch !== undefined) headers['if-match'] = `"${opts.ifMatch}"`;
    let res: Response;
    try {
      res = await this.fetchImpl(this.url(path), {
        method, headers, ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}), ...(opts.signal ? { signal: opts.signal } : {}),
      });
    } catch (err) {
      if (opts.signal?.aborted) throw err;
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      const why = cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err));
      throw new ApiError(`cannot reach the API at ${this.baseUrl} (${why}): is the server running (npm start)? Set --url or VMP_URL`, 0, 'UNREACHABLE');
    }
    const text = await res.text();
    let json: unknown = null;
    if (text) {
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
    }
    if (res.ok) {
      if (json === undefined) throw new ApiError(`${method} ${path}: the answer is not JSON (${res.status})`, res.status, `HTTP_${res.status}`);
      return json as T;
    }
    const error = (json as { error?: { code?: unknown; message?: unknown; details?: unknown; requestId?: unknown } } | null | undefined)?.error;
    if (error && typeof error.code === 'string') {
      const message = typeof error.message === 'string' ? error.message : error.code;
      throw new ApiError(message, res.status, error.code, error.details, typeof error.requestId === 'string' ? error.requestId : undefined);
    }
    throw new ApiError(`${method} ${path}: HTTP ${res.status}${text ? `: ${text.slice(0, 300)}` : ''}`, res.status, `HTTP_${res.status}`);
  }
}

/** `API error 404 NOT_FOUND: task … not found (request req-1)` plus the validation issues, if any. */
export function formatApiError(err: ApiError): string {
  if (err.code === 'UNREACHABLE') return `Error: ${err.message}`;
  const lines = [`API error ${err.status} ${err.code}: ${err.message}${err.requestId ? ` (request ${err.requestId})` : ''}`];
  const issues = (err.details as { issues?: Array<{ path?: unknown; message?: unknown }> } | undefined)?.issues;
  if (Array.isArray(issues) && issues.length > 1) {
    for (const issue of issues.slice(0, 10)) {
      const path = Array.isArray(issue.path) ? issue.path.join('.') : String(issue.path ?? '');
      lines.push(`  - ${path ? `${path}: ` : ''}${String(issue.message ?? '')}`);
    }
  }
  return lines.join('\n');
}
