import type { Logger } from '../../observability/logger.js';
import type { Orm } from '../../persistence/orm.js';
import { findTenant } from '../../persistence/repositories/tenant.repository.js';
import type { ToolOrigin, ToolRegistry } from '../registry.js';
import { connectMcpServer, errorText, mcpOrigin, registerMcpTools, type McpConnection } from './mcp-client.adapter.js';
import type { McpServerEntry } from './mcp-config.js';

/**
 * Start-up of the configured MCP servers: connect each, register its tools (scoped to its tenant),
 * report how each came up, close them on shutdown.
 */
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
