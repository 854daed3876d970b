import { z } from 'zod';

const TOOL_PATTERN = /^(\*|[a-z][a-z0-9_.-]{0,99}\*?)$/;
const toolPattern = z.string().regex(TOOL_PATTERN, 'a tool name ("web.search"), a prefix pattern ("web.*") or "*"');
const agentName = z.string().regex(/^[a-z][a-z0-9_.:-]{0,63}$/, 'an agent name such as "copywriter" (lower-case letters, digits, "_", ".", ":", "-")');

/** A tool of the catalog with its schemas. */
export const ToolResource = z.object({
  name: z.string(),
  version: z.string(),
  description: z.string(),
  sideEffect: z.enum(['read', 'write', 'external']),
  cost: z.object({ perCallUsd: z.number().optional() }).nullable(),
  provider: z.string(),
  origin: z.string(),
  tenantId: z.string().nullable(),
  inputSchema: z.record(z.string(), z.unknown()),
  outputSchema: z.record(z.string(), z.unknown()),
});

/** GET /v2/tools filters. */
export const ToolListQuery = z.strictObject({ name: z.string().max(100).optional() });

/** A plugin or MCP server and how its loading went. */
export const ToolSourceStatus = z.object({
  name: z.string(),
  kind: z.enum(['plugin', 'mcp']),
  source: z.string(),
  status: z.enum(['loaded', 'connected', 'failed']),
  version: z.string().nullable(),
  tools: z.array(z.string()),
  handlers: z.array(z.string()),
  error: z.string().nullable(),
});

/** The state of each circuit breaker. */
export const CircuitResource = z.object({ key: z.string(), state: z.enum(['closed', 'open', 'half-open', 'isolated']) });

/** GET /v2/tools/plugins */
export const ToolSourcesResource = z.object({ items: z.array(ToolSourceStatus), circuits: z.array(CircuitResource) });

/** Constraints on one argument of a permitted call. */
export const ArgumentConstraintBody = z.strictObject({
  oneOf: z.array(z.union([z.string().max(200), z.number(), z.boolean()])).min(1).max(100).optional(),
  pattern: z.string().min(1).max(200).refine((p) => { try { new RegExp(p, 'u'); return true; } catch { return false; } }, 'pattern must be a valid regular expression').optional(),
  maxLength: z.number().int().min(0).max(1_000_000).optional(),
  min: z.number().optional(),
  max: z.number().optional(),
});

/** POST /v2/tool-permissions and PUT /v2/tool-permissions/:id */
export const ToolPermissionBody = z.strictObject({
  tool: toolPattern,
  effect: z.enum(['allow', 'deny'], { message: 'effect must be "allow" or "deny"' }),
  projectId: z.uuid({ message: 'must be a project id (UUID)' }).nullish(),
  agent: agentName.nullish(),
  constraints: z.record(z.string().min(1).max(100), ArgumentConstraintBody).refine((c) => Object.keys(c).length <= 50, 'at most 50 constrained arguments').nullish(),
  description: z.string().trim().max(500).nullish(),
});

/** A permission rule. */
export const ToolPermissionResource = z.object({
  id: z.uuid(), tool: z.string(), effect: z.enum(['allow', 'deny']), projectId: z.string().nullable(), agent: z.string().nullable(),
  constraints: z.record(z.string(), z.unknown()).nullable(), description: z.string().nullable(), createdAt: z.string(), updatedAt: z.string(),
});

/** PUT /v2/tool-rate-limits */
export const ToolRateLimitBody = z.strictObject({
  tool: toolPattern,
  action: z.string().regex(/^(\*|[a-z][a-z0-9_.-]{0,63})$/, 'an action name ("call", "publish") or "*"').default('*'),
  limit: z.number().int().min(1).max(1_000_000),
  windowMs: z.number().int().min(100).max(86_400_000),
  onLimit: z.enum(['wait', 'fail']).default('fail'),
  maxWaitMs: z.number().int().min(0).max(600_000).default(0),
});

/** A rate limit. */
export const ToolRateLimitResource = z.object({
  id: z.uuid(), tool: z.string(), action: z.string(), limit: z.number().int(), windowMs: z.number().int(), onLimit: z.enum(['wait', 'fail']),
  maxWaitMs: z.number().int(), createdAt: z.string(), updatedAt: z.string(),
});

/** PUT /v2/tool-credentials/:name: a reference to a secret, never the secret. */
export const ToolCredentialBody = z.strictObject({
  provider: z.enum(['env', 'file'], { message: 'provider must be "env" or "file"' }),
  ref: z.string().min(1).max(500),
  description: z.string().trim().max(500).nullish(),
});

/** The name of a credential reference. */
export const CredentialNameParams = z.strictObject({ name: z.string().regex(/^[a-z][a-z0-9_.-]{0,63}$/, 'a credential name such as "search-api"') });

/** A credential reference. */
export const ToolCredentialResource = z.object({
  id: z.uuid(), name: z.string(), provider: z.enum(['env', 'file']), ref: z.string(), description: z.string().nullable(), createdAt: z.string(), updatedAt: z.string(),
});

/** GET /v2/tool-usage filters. */
export const ToolUsageQuery = z.strictObject({ runId: z.uuid({ message: 'must be a run id (UUID)' }).optional() });

/** Cost and calls by tool. */
export const ToolUsageResource = z.object({
  runId: z.string().nullable(),
  totalCostUsd: z.number(),
  items: z.array(z.object({ tool: z.string(), calls: z.number().int(), costUsd: z.number(), inputTokens: z.number().int(), outputTokens: z.number().int() })),
});
