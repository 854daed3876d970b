import semver from 'semver';
import { z } from 'zod';
import type { StageHandler } from '../../contracts/execution.js';
import type { AnyTool } from '../tool.js';

/**
 * The manifest of a plugin: what its module exports (default export, or a named export `plugin`).
 *
 * ```ts
 * export default {
 *   name: 'text-tools', version: '1.0.0', description: 'Text utilities',
 *   tools: [{ name: 'text.word_count', version: '1.0.0', description: '…', input: z.object(…), output: z.object(…),
 *             sideEffect: 'read', execute: async (input, ctx) => ({ output: … }) }],
 *   handlers: [{ kind: 'text.summary', description: '…', run: async (input) => ({ output: … }) }],
 * } satisfies PluginManifest;
 * ```
 *
 * The schema checks shape only; functions and zod schemas are kept as given (the loader registers
 * the plugin's own objects, never parsed copies). A zod schema is recognised by its `safeParse`
 * method, so a plugin may bring its own copy of zod.
 */

/** A plugin name: lower-case letters, digits and "-", starting with a letter, at most 64 characters. */
export const PLUGIN_NAME = /^[a-z][a-z0-9-]{0,63}$/;
/** A tool name, as the registry accepts it. */
export const TOOL_NAME = /^[a-z][a-z0-9_.-]{0,99}$/;
/** A stage handler kind. */
export const HANDLER_KIND = /^[a-z][a-z0-9_.-]{0,99}$/;

/** The message of a missing or mistyped field: "is required (a string)" / "must be a string". */
const typed = (what: string) => ({ error: (issue: { input?: unknown }) => (issue.input === undefined ? `is required (${what})` : `must be ${what}`) });

const Semver = z.string(typed('a semver string such as "1.0.0"')).refine((v) => semver.valid(v) !== null, {
  message: 'must be a semver version such as "1.0.0"',
});
const Fn = (what: string) => z.custom<(...args: never[]) => unknown>((v) => typeof v === 'function', { message: `must be a function (${what})` });
const ZodLike = z.custom<z.ZodType>(
  (v) => typeof v === 'object' && v !== null && typeof (v as { safeParse?: unknown }).safeParse === 'function',
  { message: 'must be a zod schema (an object with safeParse), e.g. z.object({...})' },
);
const PositiveInt = z.int().positive();

/** One tool of a plugin (see ToolDefinition in ../tool.ts). */
export const PluginToolSchema = z.looseObject({
  name: z.string(typed('a string')).regex(TOOL_NAME, `must match ${TOOL_NAME.source} (lower-case letters, digits, ".", "-", "_")`),
  version: Semver,
  description: z.string(typed('a string')).trim().min(1, 'must not be empty').max(2000),
  input: ZodLike,
  output: ZodLike,
  inputJsonSchema: z.record(z.string(), z.unknown(), typed('a JSON Schema object')).optional(),
  sideEffect: z.enum(['read', 'write', 'external'], { message: 'must be one of "read", "write", "external"' }),
  execute: Fn('execute(input, ctx) => Promise<{ output }>'),
  cost: z.strictObject({ perCallUsd: z.number().nonnegative().optional() }).optional(),
  provider: z.string().min(1).max(200).optional(),
  action: Fn('action(input) => string').optional(),
  policy: z
    .strictObject({
      timeoutMs: PositiveInt, maxAttempts: PositiveInt, backoffMs: z.int().nonnegative(), maxBackoffMs: z.int().nonnegative(),
      bulkhead: PositiveInt, bulkheadQueue: z.int().nonnegative(), breakerThreshold: PositiveInt, breakerHalfOpenAfterMs: PositiveInt,
    })
    .partial()
    .optional(),
});

/** One stage handler of a plugin (see StageHandler in contracts/execution.ts). */
export const PluginHandlerSchema = z.looseObject({
  kind: z.string(typed('a string')).regex(HANDLER_KIND, `must match ${HANDLER_KIND.source}`),
  description: z.string(typed('a string')).trim().min(1, 'must not be empty').max(2000),
  run: Fn('run(input) => Promise<{ output }>'),
});

/** The manifest a plugin module exports. */
export const PluginManifestSchema = z
  .looseObject({
    name: z.string(typed('a string')).regex(PLUGIN_NAME, `must match ${PLUGIN_NAME.source} (lower-case letters, digits and "-")`),
    version: Semver,
    description: z.string().max(2000).optional(),
    tools: z.array(PluginToolSchema, typed('an array of tools (may be empty)')).max(500),
    handlers: z.array(PluginHandlerSchema, typed('an array of stage handlers')).max(200).optional(),
  })
  .refine((m) => m.tools.length > 0 || (m.handlers?.length ?? 0) > 0, { message: 'declares no tools and no handlers' });

/** What a plugin module exports (typed for plugin authors). */
export interface PluginManifest {
  name: string;
  version: string;
  description?: string;
  tools: AnyTool[];
  handlers?: StageHandler[];
}

/** A manifest that failed validation; `problems` lists each issue, already worded for a log line. */
export class PluginManifestError extends Error {
  constructor(readonly plugin: string, readonly problems: string[]) {
    super(`plugin ${plugin}: invalid manifest: ${problems.join('; ')}`);
    this.name = 'PluginManifestError';
  }
}

/**
 * Checks a plugin's manifest and returns it (the same object, typed). Throws a
 * {@link PluginManifestError} whose message names the plugin, the tool (index and name) or handler,
 * and the field of every problem: `plugin acme: invalid manifest: tools[1] "Bad Name": name: must match …`.
 * `label` names the plugin when the manifest has no usable name (its file or package).
 */
export function validatePluginManifest(raw: unknown, label: string): PluginManifest {
  const named = typeof raw === 'object' && raw !== null && typeof (raw as { name?: unknown }).name === 'string' ? (raw as { name: string }).name : label;
  if (typeof raw !== 'object' || raw === null) throw new PluginManifestError(named, ['the export is not an object { name, version, tools }']);
  const parsed = PluginManifestSchema.safeParse(raw);
  if (!parsed.success) throw new PluginManifestError(named, parsed.error.issues.map((issue) => describeIssue(raw as Record<string, unknown>, issue)));
  return raw as PluginManifest;
}

/** `tools[1] "web.fetch": input: must be a zod schema…` for an issue at path [tools, 1, input]. */
function describeIssue(raw: Record<string, unknown>, issue: z.core.$ZodIssue): string {
  const path = issue.path.map((p) => (typeof p === 'symbol' ? p.toString() : p));
  const [list, index, ...rest] = path;
  if ((list === 'tools' || list === 'handlers') && typeof index === 'number') {
    const item = (raw[list] as unknown[] | undefined)?.[index];
    const id = typeof item === 'object' && item !== null ? (item as Record<string, unknown>)[list === 'tools' ? 'name' : 'kind'] : undefined;
    const where = `${list}[${index}]${typeof id === 'string' ? ` ${JSON.stringify(id)}` : ''}`;
    return rest.length > 0 ? `${where}: ${rest.join('.')}: ${issue.message}` : `${where}: ${issue.message}`;
  }
  return path.length > 0 ? `${path.join('.')}: ${issue.message}` : issue.message;
}
