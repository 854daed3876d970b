import { z } from 'zod';
import { NonRetryableToolError, ToolError } from '../../contracts/tool-errors.js';
import type { ToolDefinition } from '../tool.js';

const MAX_BODY = 64 * 1024;

/** The input of `http.request`. */
export const HttpRequestInput = z.object({
  url: z.url({ protocol: /^https?$/, message: 'an http or https URL' }).max(2048),
  method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']).default('GET'),
  headers: z.record(z.string().regex(/^[A-Za-z0-9-]{1,64}$/), z.string().max(4096)).refine((h) => Object.keys(h).length <= 30, 'at most 30 headers').optional(),
  body: z.string().max(MAX_BODY).optional(),
  /** A credential reference of the tenant, sent as `Authorization: Bearer <secret>` (or `credentialHeader`). */
  credential: z.string().regex(/^[a-z][a-z0-9_.-]{0,63}$/).optional(),
  credentialHeader: z.string().regex(/^[A-Za-z0-9-]{1,64}$/).default('authorization'),
});

/** The output of `http.request`: the status, the content type and the body as text (at most 64 KiB). */
export const HttpRequestOutput = z.object({
  status: z.number().int(),
  contentType: z.string().nullable(),
  body: z.string(),
  truncated: z.boolean(),
});

/**
 * `http.request@1.0.0`: an HTTP call to an external service, optionally authenticated with one of
 * the tenant's credential references (resolved at call time; the secret is never recorded). An
 * `external` tool: a tenant must allow it with a permission rule, which may constrain `url` with a
 * pattern. 5xx, 429 and network failures are retryable; other 4xx are not.
 */
export const httpRequestTool: ToolDefinition<z.output<typeof HttpRequestInput>, z.output<typeof HttpRequestOutput>> = {
  name: 'http.request',
  version: '1.0.0',
  description: 'Calls an HTTP(S) URL and returns the status and the body (text, at most 64 KiB); can authenticate with a credential reference of the tenant.',
  input: HttpRequestInput,
  output: HttpRequestOutput,
  sideEffect: 'external',
  provider: 'tool:http.request',
  action: (input) => (input.method === 'GET' ? 'read' : 'write'),
  policy: { timeoutMs: 15_000 },
  async execute(input, ctx) {
    const headers: Record<string, string> = { ...input.headers };
    if (input.credential) {
      const secret = await ctx.credential(input.credential);
      headers[input.credentialHeader] = input.credentialHeader.toLowerCase() === 'authorization' ? `Bearer ${secret}` : secret;
    }
    let response: Response;
    try {
      response = await fetch(input.url, { method: input.method, headers, ...(input.body !== undefined ? { body: input.body } : {}), signal: ctx.signal, redirect: 'follow' });
    } catch (err) {
      if (ctx.signal.aborted) throw err;
      throw new ToolError(`http.request to ${new URL(input.url).host} failed: ${(err as Error).message}`, true, 'HTTP_NETWORK');
    }
    const text = await response.text();
    if (response.status >= 500 || response.status === 429) throw new ToolError(`http.request: ${response.status} from ${new URL(input.url).host}`, true, `HTTP_${response.status}`);
    if (response.status >= 400) throw new NonRetryableToolError(`http.request: ${response.status} from ${new URL(input.url).host}: ${text.slice(0, 200)}`, `HTTP_${response.status}`);
    return { output: { status: response.status, contentType: response.headers.get('content-type'), body: text.slice(0, MAX_BODY), truncated: text.length > MAX_BODY } };
  },
};
