import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { roleAllows, type Role } from '../../domain/roles.js';
import type { Orm } from '../../persistence/orm.js';
import { findActiveApiKey } from '../../persistence/repositories/api-key.repository.js';
import { createTenantMcpServer } from '../../tools/adapters/mcp-server.adapter.js';
import type { ToolExecutor } from '../../tools/execution/tool-executor.js';
import type { GovernanceSource } from '../../tools/governance/governance-source.js';
import type { ToolRegistry } from '../../tools/registry.js';
import type { AuthContext } from '../types.js';

/** What {@link mcpRoutes} needs. */
export interface McpRoutesOptions {
  orm: Orm;
  registry: ToolRegistry;
  executor: ToolExecutor;
  governance: GovernanceSource;
  /** The least role that may call `write`/`external` tools (lower roles see `read` tools only). Default operator. */
  writeRole?: Role;
  /** The platform version the server announces. */
  version?: string;
}

const BEARER = /^Bearer\s+(\S{1,200})$/i;

/** A JSON-RPC error body (`id: null`: the request's id is unknown at this point). */
function rpcError(code: number, message: string) {
  return { jsonrpc: '2.0', error: { code, message }, id: null };
}

async function authenticate(orm: Orm, request: FastifyRequest): Promise<AuthContext | string> {
  const header = request.headers.authorization;
  if (!header) return 'missing API key: send Authorization: Bearer <key>';
  const key = BEARER.exec(header)?.[1];
  if (!key) return 'malformed Authorization header: expected "Bearer <key>"';
  const record = await findActiveApiKey(orm.em.fork(), key);
  return record ? { tenantId: record.tenant.id, keyId: record.id, role: record.role } : 'unknown or revoked API key';
}

/**
 * The platform's tools as an MCP server at `/mcp` (streamable HTTP, stateless: a new server and
 * transport per request, no session id). Authenticated with a platform API key
 * (`Authorization: Bearer <key>`; 401 with a JSON-RPC error otherwise); the key's tenant sees the
 * tools its permission rules allow (agent `mcp`), and keys below `writeRole` see `read` tools only.
 * Calls go through the governed executor. GET (a server-to-client stream) and DELETE (ending a
 * session) have no meaning without sessions: 405, as the MCP spec allows.
 */
export async function mcpRoutes(app: FastifyInstance, opts: McpRoutesOptions): Promise<void> {
  const gate = async (request: FastifyRequest, reply: FastifyReply) => {
    const auth = await authenticate(opts.orm, request);
    if (typeof auth === 'string') {
      await reply.code(401).header('www-authenticate', 'Bearer').send(rpcError(-32000, auth));
      return null;
    }
    request.auth = auth; // for the request log line (tenant, key)
    return auth;
  };

  app.post('/mcp', { schema: { hide: true } }, async (request, reply) => {
    const auth = await gate(request, reply);
    if (!auth) return reply;
    const server = createTenantMcpServer({
      registry: opts.registry, executor: opts.executor, governance: opts.governance, tenantId: auth.tenantId,
      agent: 'mcp', keyPrefix: 'mcp', allowWrite: roleAllows(auth.role, opts.writeRole ?? 'operator'),
      serverInfo: { name: 'vm-platform', version: opts.version ?? '1.0.0' },
    });
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    reply.hijack();
    reply.raw.on('close', () => {
      void transport.close();
      void server.close();
    });
    try {
      await server.connect(transport);
      await transport.handleRequest(request.raw, reply.raw, request.body);
    } catch (err) {
      request.log.error({ err }, 'MCP request failed');
      if (!reply.raw.headersSent) {
        reply.raw.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify(rpcError(-32603, 'internal server error')));
      }
    }
    return reply;
  });

  const notAllowed = async (request: FastifyRequest, reply: FastifyReply) => {
    if (!(await gate(request, reply))) return reply;
    return reply.code(405).header('allow', 'POST').send(rpcError(-32000, 'method not allowed: this MCP endpoint is stateless; send requests with POST'));
  };
  app.get('/mcp', { schema: { hide: true } }, notAllowed);
  app.delete('/mcp', { schema: { hide: true } }, notAllowed);
}
