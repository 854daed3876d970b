import { randomUUID } from 'node:crypto';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { CallToolRequestSchema, ListToolsRequestSchema, type CallToolResult, type Tool as McpTool } from '@modelcontextprotocol/sdk/types.js';
import { isToolError } from '../../contracts/tool-errors.js';
import type { ToolExecutor } from '../execution/tool-executor.js';
import type { GovernanceSource } from '../governance/governance-source.js';
import { decidePermission } from '../governance/permission-rules.js';
import { describeTool, type ToolRegistry } from '../registry.js';
import type { AnyTool } from '../tool.js';

/** What {@link createTenantMcpServer} needs. */
export interface TenantMcpServerOptions {
  registry: ToolRegistry;
  executor: ToolExecutor;
  governance: GovernanceSource;
  tenantId: string;
  /** The agent name permission rules see for these calls. Default `mcp`. */
  agent?: string;
  projectId?: string | null;
  /** Prefix of the idempotency key of each call (`<keyPrefix>:<uuid>`). Default `mcp`. */
  keyPrefix?: string;
  /** False: offer and run `read` tools only (e.g. for keys below the operator role). Default true. */
  allowWrite?: boolean;
  /** Name and version the server announces. */
  serverInfo?: { name: string; version: string };
}

/** The property a tool whose input is not an object is wrapped in (MCP inputs are objects). */
const WRAPPED = 'input';

/** A tool as the MCP server offers it. */
export interface OfferedTool {
  tool: AnyTool;
  listed: McpTool;
  wrapped: boolean;
}

/** The tool's input schema as MCP lists it: an object schema without `$schema`; other inputs wrapped in `{input}`. */
function mcpInputSchema(schema: Record<string, unknown>): { schema: McpTool['inputSchema']; wrapped: boolean } {
  const { $schema: _ignored, ...rest } = schema;
  if (rest.type === 'object') return { schema: rest as McpTool['inputSchema'], wrapped: false };
  if (Object.keys(rest).length === 0) return { schema: { type: 'object' }, wrapped: false };
  return { schema: { type: 'object', properties: { [WRAPPED]: rest }, required: [WRAPPED] }, wrapped: true };
}

/**
 * The tools the tenant may call through MCP: the highest visible version of each registry tool
 * whose permission check (agent `mcp`, argument constraints left to call time) allows it — `read`
 * tools by default, `write`/`external` ones only with an allow rule.
 */
export async function offeredTools(opts: TenantMcpServerOptions): Promise<Map<string, OfferedTool>> {
  const governance = await opts.governance.load(opts.tenantId);
  // Constraints restrict arguments, not whether the tool exists for the caller: the executor checks them per call.
  const rules = governance.permissions.map((r) => ({ ...r, constraints: null }));
  const latest = new Map<string, { tool: AnyTool; origin: Parameters<typeof describeTool>[1]; tenantId: string | null }>();
  for (const e of opts.registry.entries(opts.tenantId)) latest.set(e.tool.name, e); // entries are by name, then ascending version
  const offered = new Map<string, OfferedTool>();
  for (const e of latest.values()) {
    if (opts.allowWrite === false && e.tool.sideEffect !== 'read') continue;
    const decision = decidePermission(rules, { tool: e.tool.name, sideEffect: e.tool.sideEffect, projectId: opts.projectId ?? null, agent: opts.agent ?? 'mcp', args: {} });
    if (!decision.allowed) continue;
    const d = describeTool(e.tool, e.origin, e.tenantId);
    const input = mcpInputSchema(d.inputSchema);
    offered.set(d.name, {
      tool: e.tool, wrapped: input.wrapped,
      listed: {
        name: d.name, description: d.description, inputSchema: input.schema,
        annotations: { readOnlyHint: d.sideEffect === 'read', openWorldHint: d.sideEffect === 'external' },
        _meta: { version: d.version, sideEffect: d.sideEffect },
      },
    });
  }
  return offered;
}

function errorResult(code: string, message: string): CallToolResult {
  return { isError: true, content: [{ type: 'text', text: `[${code}] ${message}` }] };
}

/**
 * An MCP server over the registry for one tenant: `tools/list` offers the tools it may call (see
 * {@link offeredTools}) with their JSON Schemas under their registry names; `tools/call` goes
 * through the executor (governance, rate limits, retries, audit; idempotency key
 * `<keyPrefix>:<uuid>` per call). Failures come back as `isError: true` results with the code and
 * message. Permissions are read per request, so a new allow rule shows up on the next list.
 * Connect it to a transport (`server.connect(transport)`); do not add tools with `registerTool`.
 */
export function createTenantMcpServer(opts: TenantMcpServerOptions): McpServer {
  const mcp = new McpServer(opts.serverInfo ?? { name: 'vm-platform', version: '1.0.0' }, { capabilities: { tools: { listChanged: false } } });
  mcp.server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: [...(await offeredTools(opts)).values()].map((o) => o.listed) }));
  mcp.server.setRequestHandler(CallToolRequestSchema, async (request, extra): Promise<CallToolResult> => {
    const { name } = request.params;
    const args: Record<string, unknown> = request.params.arguments ?? {};
    const offered = (await offeredTools(opts)).get(name);
    if (!offered) return errorResult('UNKNOWN_TOOL', `tool ${name} is not available; list the tools to see the ones you may call`);
    try {
      const result = await opts.executor.invoke({
        ref: name, input: offered.wrapped ? args[WRAPPED] : args, tenantId: opts.tenantId, projectId: opts.projectId ?? null,
        agent: opts.agent ?? 'mcp', idempotencyKey: `${opts.keyPrefix ?? 'mcp'}:${randomUUID()}`, signal: extra.signal,
      });
      const output = result.output ?? null;
      const structured = typeof output === 'object' && output !== null && !Array.isArray(output);
      return { content: [{ type: 'text', text: JSON.stringify(output) }], ...(structured ? { structuredContent: output as Record<string, unknown> } : {}) };
    } catch (err) {
      if (isToolError(err)) return errorResult(err.code, err.message);
      return errorResult('TOOL_FAILED', err instanceof Error ? err.message : String(err));
    }
  });
  return mcp;
}
