import { createHash } from 'node:crypto';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ErrorCode, McpError, type CallToolResult, type Tool as McpTool } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { NonRetryableToolError, ToolError } from '../../contracts/tool-errors.js';
import type { Logger } from '../../observability/logger.js';
import type { ToolOrigin, ToolRegistry } from '../registry.js';
import type { AnyTool, SideEffect, ToolDefinition } from '../tool.js';
import { zodFromJsonSchema } from './json-schema.js';
import { sanitiseNameSegment } from './names.js';

import { McpServerConfigSchema, type McpServerConfig } from './mcp-config.js';

export type { McpServerConfig, McpServerEntry } from './mcp-config.js';

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

/** The message of any thrown value. */
export function errorText(err: unknown): string {
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
