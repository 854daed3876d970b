import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ErrorCode, McpError, type CallToolResult, type Tool as McpTool } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { NonRetryableToolError, ToolError } from '../../contracts/tool-errors.js';
import type { Logger } from '../../observability/logger.js';
import type { Orm } from '../../persistence/orm.js';
import { findTenant } from '../../persistence/repositories/tenant.repository.js';
import type { ToolOrigin, ToolRegistry } from '../registry.js';
import type { AnyTool, SideEffect, ToolDefinition } from '../tool.js';
import { zodFromJsonSchema } from './json-schema.js';
import { sanitiseNameSegment } from './names.js';

// ---------------------------------------------------------------------------------------------
// Configuration
// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------
// Connection
// ---------------------------------------------------------------------------------------------

/** Options of {@link connectMcpServer}. */
export interface McpConnectOptions {
  /** Time allowed to connect (initialize) and per call. Default 30 s. */
  timeoutMs?: number;
  logger?: Logger;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const STDERR_TAIL = 2000;

/**
 * A live client of one MCP server. If the connection drops (the server process died, the HTTP
 * endpoint restarted), the next call reconnects once before giving up.
 */
export class McpConnection {
  readonly name: string;
  readonly timeoutMs: number;
  private client: Client | null = null;
  private connecting: Promise<Client> | null = null;
  private closed = false;
  private stderrTail = '';

  constructor(readonly config: McpServerConfig, private readonly opts: McpConnectOptions = {}) {
    this.name = config.name;
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  /** True while connected. */
  get connected(): boolean {
    return this.client !== null;
  }

  /** Connects (initialize handshake) unless connected; a failure names the server and, for stdio, the tail of its stderr. */
  async connect(): Promise<Client> {
    if (this.closed) throw new ToolError(`MCP server ${this.name} is closed`, false, 'MCP_CLOSED');
    if (this.client) return this.client;
    this.connecting ??= this.open().finally(() => { this.connecting = null; });
    return this.connecting;
  }

  private async open(): Promise<Client> {
    const transport = this.transport();
    const client = new Client({ name: 'vm-platform', version: '1.0.0' }, { capabilities: {} });
    client.onclose = () => {
      if (this.client === client) this.client = null;
    };
    client.onerror = (err) => this.opts.logger?.warn({ mcpServer: this.name, err }, 'MCP transport error');
    try {
      await client.connect(transport, { timeout: this.timeoutMs });
    } catch (err) {
      await client.close().catch(() => {});
      const tail = this.stderrTail.trim();
      throw new ToolError(
        `MCP server ${this.name} (${describeTarget(this.config)}): cannot connect: ${errorText(err)}${tail ? `; stderr: ${tail.slice(-500)}` : ''}`,
        true, 'MCP_UNAVAILABLE', { mcpServer: this.name },
      );
    }
    if (this.closed) {
      await client.close().catch(() => {});
      throw new ToolError(`MCP server ${this.name} is closed`, false, 'MCP_CLOSED');
    }
    this.client = client;
    return client;
  }

  private transport(): Transport {
    const c = this.config;
    if (c.transport === 'http') {
      return new StreamableHTTPClientTransport(new URL(c.url), c.headers ? { requestInit: { headers: c.headers } } : undefined);
    }
    const t = new StdioClientTransport({ command: c.command, args: c.args ?? [], env: c.env, cwd: c.cwd, stderr: 'pipe' });
    t.stderr?.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      this.stderrTail = (this.stderrTail + text).slice(-STDERR_TAIL);
      this.opts.logger?.debug({ mcpServer: this.name, stderr: text.trimEnd() }, 'MCP server stderr');
    });
    return t;
  }

  /** Every tool the server offers (all pages). */
  async listTools(): Promise<McpTool[]> {
    const client = await this.connect();
    const tools: McpTool[] = [];
    let cursor: string | undefined;
    do {
      const page = await client.listTools(cursor ? { cursor } : undefined, { timeout: this.timeoutMs });
      tools.push(...page.tools);
      cursor = page.nextCursor;
    } while (cursor);
    return tools;
  }

  /** Calls a tool; `timeoutMs` defaults to the connection's. Reconnects once when the connection had dropped. */
  async callTool(name: string, args: Record<string, unknown>, opts: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<CallToolResult> {
    const client = await this.connect();
    const result = await client.callTool({ name, arguments: args }, undefined, { signal: opts.signal, timeout: opts.timeoutMs ?? this.timeoutMs });
    if ('content' in result && Array.isArray(result.content)) return result as CallToolResult;
    // A server on the 2024-10-07 protocol answers `{toolResult}`.
    return { content: [{ type: 'text', text: JSON.stringify((result as { toolResult?: unknown }).toolResult ?? null) }] };
  }

  /** Closes the connection (kills a stdio server); idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    const client = this.client ?? (await this.connecting?.catch(() => null)) ?? null;
    this.client = null;
    await client?.close().catch(() => {});
  }
}

function describeTarget(c: McpServerConfig): string {
  return c.transport === 'http' ? c.url : [c.command, ...(c.args ?? [])].join(' ');
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Connects to an MCP server (initialize handshake within `timeoutMs`); throws a retryable ToolError naming it when it cannot. */
export async function connectMcpServer(config: McpServerConfig, opts: McpConnectOptions = {}): Promise<McpConnection> {
  const connection = new McpConnection(McpServerConfigSchema.parse(config), opts);
  await connection.connect();
  return connection;
}

// ---------------------------------------------------------------------------------------------
// Registration
// ---------------------------------------------------------------------------------------------

/** What a tool of an MCP server returns through the registry. */
export const McpToolOutputSchema = z.object({
  content: z.array(z.unknown()),
  structuredContent: z.unknown().optional(),
  isError: z.boolean().optional(),
});
export type McpToolOutput = z.infer<typeof McpToolOutputSchema>;

/** A tool of an MCP server as registered. */
export interface RegisteredMcpTool {
  /** The registry name, `mcp.<server>.<tool>`. */
  name: string;
  /** The tool's name on the server. */
  mcpName: string;
  version: string;
  sideEffect: SideEffect;
}

/** Options of {@link registerMcpTools}. */
export interface RegisterMcpToolsOptions {
  /** The only tenant that sees the tools; null: every tenant. */
  tenantId: string | null;
  /** Version of every tool (default 1.0.0). */
  version?: string;
}

/** Registry tool names are at most this long, so they map to OpenAI function names (64 characters) too. */
const MAX_TOOL_NAME = 64;

/** The registry name of a server's tool: `mcp.<server>.<tool>`, sanitised, at most 64 characters. */
export function mcpToolName(server: string, tool: string): string {
  const prefix = `mcp.${sanitiseNameSegment(server)}.`;
  const segment = sanitiseNameSegment(tool);
  if (prefix.length + segment.length <= MAX_TOOL_NAME) return prefix + segment;
  const hash = createHash('sha256').update(tool).digest('hex').slice(0, 6);
  const room = Math.max(1, MAX_TOOL_NAME - prefix.length - hash.length - 1);
  return `${prefix}${segment.slice(0, room).replace(/_+$/, '')}-${hash}`;
}

/** The registry origin of a server's tools: `mcp:<server>` or, tenant-scoped, `mcp:<tenantId>/<server>`. */
export function mcpOrigin(server: string, tenantId: string | null): ToolOrigin {
  return tenantId ? `mcp:${tenantId}/${server}` : `mcp:${server}`;
}

/** The text of an MCP result's content (text parts joined; other parts named by type). */
export function mcpContentText(content: readonly unknown[]): string {
  return content.map((c) => {
    const part = c as { type?: string; text?: string };
    return part.type === 'text' && typeof part.text === 'string' ? part.text : `[${part.type ?? 'content'}]`;
  }).join('\n').trim();
}

/** Maps a failed MCP call to a ToolError: protocol refusals are final, transport trouble is retryable. */
function mcpCallError(err: unknown, tool: string, server: string, signal: AbortSignal): unknown {
  if (signal.aborted) return err;
  if (err instanceof ToolError) return err;
  const where = `${tool} (MCP server ${server})`;
  if (err instanceof McpError) {
    if (err.code === ErrorCode.RequestTimeout) return new ToolError(`${where} timed out: ${err.message}`, true, 'TOOL_TIMEOUT', { mcpServer: server });
    if (err.code === ErrorCode.ConnectionClosed || err.code === ErrorCode.InternalError) {
      return new ToolError(`${where}: ${err.message}`, true, 'MCP_TRANSPORT', { mcpServer: server });
    }
    return new NonRetryableToolError(`${where} refused the call: ${err.message}`, 'MCP_PROTOCOL_ERROR', { mcpServer: server, mcpCode: err.code });
  }
  if (err instanceof StreamableHTTPError && err.code !== undefined && err.code >= 400 && err.code < 500 && err.code !== 408 && err.code !== 429) {
    return new NonRetryableToolError(`${where}: HTTP ${err.code}: ${err.message}`, 'MCP_PROTOCOL_ERROR', { mcpServer: server, status: err.code });
  }
  return new ToolError(`${where}: ${errorText(err)}`, true, 'MCP_TRANSPORT', { mcpServer: server });
}

/** The registry tool for one tool of a server. */
export function mcpToolDefinition(
  connection: McpConnection, tool: McpTool, name: string, opts: { version: string; provider: string },
): ToolDefinition<Record<string, unknown>, McpToolOutput> {
  const readOnly = tool.annotations?.readOnlyHint === true;
  const retrySafe = readOnly || tool.annotations?.idempotentHint === true;
  const inputJsonSchema = tool.inputSchema as Record<string, unknown>;
  return {
    name,
    version: opts.version,
    description: tool.description ?? tool.title ?? tool.annotations?.title ?? `${tool.name} (MCP server ${connection.name})`,
    input: zodFromJsonSchema(inputJsonSchema),
    inputJsonSchema,
    output: McpToolOutputSchema,
    sideEffect: readOnly ? 'read' : 'external',
    provider: opts.provider,
    // A call that timed out may have happened: tools that are neither read-only nor idempotent are tried once.
    policy: { timeoutMs: connection.timeoutMs, ...(retrySafe ? {} : { maxAttempts: 1 }) },
    execute: async (input, ctx) => {
      let result: CallToolResult;
      try {
        result = await connection.callTool(tool.name, input, { signal: ctx.signal, timeoutMs: connection.timeoutMs });
      } catch (err) {
        throw mcpCallError(err, name, connection.name, ctx.signal);
      }
      if (result.isError) {
        throw new NonRetryableToolError(`${name} failed: ${mcpContentText(result.content) || 'the MCP server reported an error'}`, 'MCP_TOOL_ERROR', { mcpServer: connection.name });
      }
      return { output: { content: result.content, ...(result.structuredContent !== undefined ? { structuredContent: result.structuredContent } : {}) } };
    },
  };
}

/**
 * Lists the server's tools and registers each as `mcp.<server>.<tool>` (sanitised; see
 * {@link mcpToolName}), origin and provider {@link mcpOrigin} (one circuit breaker per server),
 * tenant-scoped when `tenantId` is given. Side effect: `read` when the tool says `readOnlyHint`,
 * else `external`. Tools of the origin registered before are replaced (a reload); when any tool
 * cannot be registered, none is.
 */
export async function registerMcpTools(registry: ToolRegistry, connection: McpConnection, opts: RegisterMcpToolsOptions): Promise<RegisteredMcpTool[]> {
  const version = opts.version ?? '1.0.0';
  const origin = mcpOrigin(connection.name, opts.tenantId);
  const tools = await connection.listTools();
  const used = new Set<string>();
  const definitions: AnyTool[] = tools.map((tool) => {
    let name = mcpToolName(connection.name, tool.name);
    for (let n = 2; used.has(name); n++) name = `${mcpToolName(connection.name, tool.name).slice(0, MAX_TOOL_NAME - 4)}-${n}`;
    used.add(name);
    return mcpToolDefinition(connection, tool, name, { version, provider: origin });
  });
  registry.unregisterOrigin(origin);
  try {
    for (const d of definitions) registry.register(d, origin, opts.tenantId);
  } catch (err) {
    registry.unregisterOrigin(origin);
    throw err;
  }
  return definitions.map((d, i) => ({ name: d.name, mcpName: tools[i]?.name ?? d.name, version, sideEffect: d.sideEffect }));
}

// ---------------------------------------------------------------------------------------------
// Start-up
// ---------------------------------------------------------------------------------------------

/** How a configured server came up. */
export interface McpServerStatus {
  name: string;
  /** The tenant as configured (id, name or `*`). */
  tenant: string;
  /** The tenant it resolved to (null: every tenant, or not resolved). */
  tenantId: string | null;
  status: 'connected' | 'failed';
  error?: string;
  /** Tools registered. */
  tools: number;
  toolNames: string[];
}

/** Options of {@link McpRegistrar}. */
export interface McpRegistrarOptions {
  /** Resolves a configured tenant (id or name) to its id; null when unknown. Default: the value is the id. */
  resolveTenant?: (tenant: string) => Promise<string | null>;
  /** Default time allowed to connect and per call (an entry's `timeoutMs` wins). Default 30 s. */
  timeoutMs?: number;
  logger?: Logger;
}

/** A tenant resolver on the platform database: tenant id or name → id. */
export function tenantResolverFromOrm(orm: Orm): (tenant: string) => Promise<string | null> {
  return async (tenant) => (await findTenant(orm.em.fork(), tenant))?.id ?? null;
}

/**
 * Connects every configured MCP server at start-up and registers its tools; a server that fails
 * is reported (status `failed` with the error) and the others still come up. `close()` closes
 * every connection and unregisters its tools.
 */
export class McpRegistrar {
  private readonly connections = new Map<string, { connection: McpConnection; origin: ToolOrigin }>();
  private statuses: McpServerStatus[] = [];

  constructor(private readonly registry: ToolRegistry, private readonly opts: McpRegistrarOptions = {}) {}

  /** Connects the servers (in parallel); never throws. */
  async start(entries: readonly McpServerEntry[]): Promise<McpServerStatus[]> {
    this.statuses = await Promise.all(entries.map((e) => this.startOne(e)));
    for (const s of this.statuses) {
      if (s.status === 'connected') this.opts.logger?.info({ mcpServer: s.name, tenant: s.tenant, tools: s.tools }, 'MCP server connected');
      else this.opts.logger?.error({ mcpServer: s.name, tenant: s.tenant, error: s.error }, 'MCP server failed to start; its tools are not available');
    }
    return this.statuses;
  }

  private async startOne(entry: McpServerEntry): Promise<McpServerStatus> {
    const base = { name: entry.name, tenant: entry.tenant, tenantId: null as string | null };
    let connection: McpConnection | null = null;
    try {
      const tenantId = entry.tenant === '*' ? null : await (this.opts.resolveTenant ?? (async (t: string) => t))(entry.tenant);
      if (entry.tenant !== '*' && !tenantId) throw new Error(`unknown tenant ${entry.tenant}`);
      base.tenantId = tenantId;
      const { tenant: _t, version, timeoutMs, ...config } = entry;
      connection = await connectMcpServer(config, { timeoutMs: timeoutMs ?? this.opts.timeoutMs, logger: this.opts.logger });
      const registered = await registerMcpTools(this.registry, connection, { tenantId, version });
      this.connections.set(mcpOrigin(entry.name, tenantId), { connection, origin: mcpOrigin(entry.name, tenantId) });
      return { ...base, status: 'connected', tools: registered.length, toolNames: registered.map((r) => r.name) };
    } catch (err) {
      await connection?.close();
      return { ...base, status: 'failed', error: errorText(err), tools: 0, toolNames: [] };
    }
  }

  /** The status of every configured server, as of start-up. */
  status(): McpServerStatus[] {
    return [...this.statuses];
  }

  /** Closes every connection and unregisters its tools. */
  async close(): Promise<void> {
    const all = [...this.connections.values()];
    this.connections.clear();
    await Promise.all(all.map(async ({ connection, origin }) => {
      this.registry.unregisterOrigin(origin);
      await connection.close();
    }));
  }
}
