import { readFile } from 'node:fs/promises';
import { z } from 'zod';

/**
 * The MCP servers file (`MCP_SERVERS_FILE`): which external MCP servers to connect, per tenant, and
 * how (a process speaking stdio, or a streamable HTTP endpoint).
 */
/** Server names: they become part of tool names (`mcp.<server>.<tool>`) and origins. */
const SERVER_NAME = /^[a-z0-9][a-z0-9_-]{0,31}$/;
const serverName = z.string().regex(SERVER_NAME, 'lower-case letters, digits, "-" and "_", at most 32, starting with a letter or digit');
const stringMap = z.record(z.string().min(1).max(200), z.string().max(8000));

const stdioFields = {
  name: serverName,
  transport: z.literal('stdio'),
  command: z.string().min(1).max(1000),
  args: z.array(z.string().max(4000)).max(100).optional(),
  env: stringMap.optional(),
  cwd: z.string().min(1).max(1000).optional(),
};
const httpFields = {
  name: serverName,
  transport: z.literal('http'),
  url: z.url({ protocol: /^https?$/ }),
  headers: stringMap.optional(),
};

/** How to reach an MCP server: a process speaking stdio, or a streamable HTTP endpoint. */
export const McpServerConfigSchema = z.discriminatedUnion('transport', [z.strictObject(stdioFields), z.strictObject(httpFields)]);
export type McpServerConfig = z.infer<typeof McpServerConfigSchema>;

const entryFields = {
  /** A tenant id, a tenant name, or `*` (every tenant sees the tools). */
  tenant: z.string().min(1).max(200),
  /** The version the server's tools get in the registry (default 1.0.0). */
  version: z.string().regex(/^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/, 'a semver version like 1.0.0').optional(),
  /** Time allowed to connect and per call (default 30 s). */
  timeoutMs: z.number().int().min(100).max(600_000).optional(),
};

/** One entry of the MCP servers file. */
export const McpServerEntrySchema = z.discriminatedUnion('transport', [
  z.strictObject({ ...entryFields, ...stdioFields }),
  z.strictObject({ ...entryFields, ...httpFields }),
]);
export type McpServerEntry = z.infer<typeof McpServerEntrySchema>;

/** The MCP servers file is not usable; the message names the file, the entry and what is wrong. */
export class McpConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'McpConfigError';
  }
}

const ENV_REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

function expandEnv(values: Record<string, string> | undefined, env: NodeJS.ProcessEnv, where: string): Record<string, string> | undefined {
  if (!values) return undefined;
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(values)) {
    out[key] = value.replace(ENV_REF, (_m, name: string) => {
      const v = env[name];
      if (v === undefined) throw new McpConfigError(`${where}: ${key} refers to \${${name}}, which is not set in the environment`);
      return v;
    });
  }
  return out;
}

/**
 * Reads the MCP servers file: a JSON array of `{tenant, name, transport: 'stdio', command, args?,
 * env?, cwd?}` or `{tenant, name, transport: 'http', url, headers?}` (plus optional `version` and
 * `timeoutMs`). `${VAR}` in `env` and `headers` values is replaced from the environment, so secrets
 * stay out of the file. Throws {@link McpConfigError} naming the entry (index and name) and the
 * field at fault; a (tenant, name) pair may appear once.
 */
export async function loadMcpServersConfig(filePath: string, env: NodeJS.ProcessEnv = process.env): Promise<McpServerEntry[]> {
  let text: string;
  try {
    text = await readFile(filePath, 'utf8');
  } catch (err) {
    throw new McpConfigError(`MCP servers file ${filePath} cannot be read: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new McpConfigError(`MCP servers file ${filePath} is not valid JSON: ${(err as Error).message}`);
  }
  return parseMcpServersConfig(json, `MCP servers file ${filePath}`, env);
}

/** Validates the content of an MCP servers file (see {@link loadMcpServersConfig}). */
export function parseMcpServersConfig(json: unknown, source = 'MCP servers config', env: NodeJS.ProcessEnv = process.env): McpServerEntry[] {
  if (!Array.isArray(json)) throw new McpConfigError(`${source} must be a JSON array of servers`);
  const seen = new Set<string>();
  return json.map((raw: unknown, index) => {
    const label = typeof raw === 'object' && raw !== null && typeof (raw as { name?: unknown }).name === 'string' ? ` (${JSON.stringify((raw as { name: string }).name)})` : '';
    const where = `${source}: entry ${index}${label}`;
    const parsed = McpServerEntrySchema.safeParse(raw);
    if (!parsed.success) {
      const problems = parsed.error.issues.slice(0, 5).map((i) => `${i.path.map(String).join('.') || '(entry)'}: ${i.message}`).join('; ');
      throw new McpConfigError(`${where} is invalid: ${problems}`);
    }
    const entry = parsed.data;
    const key = `${entry.tenant}\u0000${entry.name}`;
    if (seen.has(key)) throw new McpConfigError(`${where}: server ${entry.name} is configured twice for tenant ${entry.tenant}`);
    seen.add(key);
    return entry.transport === 'stdio'
      ? { ...entry, env: expandEnv(entry.env, env, where) }
      : { ...entry, headers: expandEnv(entry.headers, env, where) };
  });
}
