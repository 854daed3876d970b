import { createServer, type IncomingMessage, type Server as HttpServer } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { mcpRoutes } from '../../../src/api/routes/mcp.routes.js';
import type { ToolError } from '../../../src/contracts/tool-errors.js';
import type { Role } from '../../../src/domain/roles.js';
import { issueApiKey } from '../../../src/persistence/repositories/api-key.repository.js';
import { createTenant } from '../../../src/persistence/repositories/tenant.repository.js';
import { createPermission } from '../../../src/persistence/repositories/tool-governance.repository.js';
import { createScope } from '../../../src/persistence/scope.js';
import { connectMcpServer, registerMcpTools, type McpConnection } from '../../../src/tools/adapters/mcp-client.adapter.js';
import { loadMcpServersConfig, McpConfigError, parseMcpServersConfig, type McpServerEntry } from '../../../src/tools/adapters/mcp-config.js';
import { McpRegistrar, tenantResolverFromOrm } from '../../../src/tools/adapters/mcp-registrar.js';
import { CredentialResolver } from '../../../src/tools/governance/credentials.js';
import { CachedGovernanceSource, StaticGovernanceSource, type GovernanceSnapshot, type GovernanceSource } from '../../../src/tools/governance/governance-source.js';
import { MemoryRateLimiter } from '../../../src/tools/governance/rate-limiter.js';
import { ToolResilience } from '../../../src/tools/execution/resilience.js';
import { MemoryToolCallStore, OrmToolCallStore, type ToolCallStore } from '../../../src/tools/execution/tool-call-store.js';
import { ToolExecutor } from '../../../src/tools/execution/tool-executor.js';
import { ToolRegistry } from '../../../src/tools/registry.js';
import type { AnyTool } from '../../../src/tools/tool.js';
import { createFixtureServer } from '../../fixtures/mcp-stdio-server.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/test-db.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const FIXTURE = path.join(ROOT, 'test/fixtures/mcp-stdio-server.ts');
const stdioFixture = (name = 'fixture') => ({ name, transport: 'stdio' as const, command: process.execPath, args: ['--import', 'tsx', FIXTURE, name], cwd: ROOT });

function executorFor(registry: ToolRegistry, governance: GovernanceSource, store: ToolCallStore = new MemoryToolCallStore()) {
  return new ToolExecutor({
    registry, store, governance, rateLimiter: new MemoryRateLimiter(),
    resilience: new ToolResilience({ toolCall: () => {}, circuitState: () => {} }),
    credentials: new CredentialResolver({ envPrefix: 'VMP_SECRET_', dir: '/nonexistent', env: {} }),
  });
}

const staticGovernance = (g: Partial<GovernanceSnapshot> = {}) => new StaticGovernanceSource({ permissions: [], rateLimits: [], credentialRefs: [], ...g });
const failure = (p: Promise<unknown>) => p.then(() => { throw new Error('expected a failure'); }, (e: unknown) => e as ToolError);
let keys = 0;
const key = () => `test:${++keys}`;

describe('MCP client over stdio', () => {
  let connection: McpConnection;
  const registry = new ToolRegistry();
  const store = new MemoryToolCallStore();
  const allowNotes = { id: 'allow-notes', projectId: null, agent: null, tool: 'mcp.fixture.save_note', effect: 'allow' as const, constraints: null };
  const executor = executorFor(registry, staticGovernance({ permissions: [allowNotes] }), store);

  beforeAll(async () => {
    connection = await connectMcpServer(stdioFixture(), { timeoutMs: 15_000 });
    await registerMcpTools(registry, connection, { tenantId: 'tenant-a' });
  });
  afterAll(async () => {
    await connection?.close();
  });

  it("registers the server's tools for the tenant, named mcp.<server>.<tool>, with their JSON Schemas", () => {
    const listed = registry.list('tenant-a');
    expect(listed.map((d) => [d.name, d.sideEffect, d.origin, d.provider, d.tenantId])).toEqual([
      ['mcp.fixture.add', 'read', 'mcp:tenant-a/fixture', 'mcp:tenant-a/fixture', 'tenant-a'],
      ['mcp.fixture.fail', 'read', 'mcp:tenant-a/fixture', 'mcp:tenant-a/fixture', 'tenant-a'],
      ['mcp.fixture.get_weather', 'read', 'mcp:tenant-a/fixture', 'mcp:tenant-a/fixture', 'tenant-a'],
      ['mcp.fixture.save_note', 'external', 'mcp:tenant-a/fixture', 'mcp:tenant-a/fixture', 'tenant-a'],
    ]);
    expect(listed[0]?.inputSchema).toMatchObject({ type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } }, required: ['a', 'b'] });
    expect(listed[2]?.inputSchema).toMatchObject({ properties: { unit: { enum: ['c', 'f'] } } });
    expect(registry.list('tenant-b')).toEqual([]);
    expect(registry.list()).toEqual([]);
  });

  it('calls a tool through the executor, with the call recorded', async () => {
    const result = await executor.invoke({ ref: 'mcp.fixture.add@^1', input: { a: 2, b: 3 }, tenantId: 'tenant-a', agent: 'analyst', idempotencyKey: key() });
    expect(result.output).toEqual({ content: [{ type: 'text', text: '5' }], structuredContent: { sum: 5 } });
    const weather = await executor.invoke({ ref: 'mcp.fixture.get_weather', input: { city: 'Oslo', unit: 'f' }, tenantId: 'tenant-a', idempotencyKey: key() });
    expect(weather.output).toMatchObject({ content: [{ type: 'text', text: 'Oslo: 21°F' }] });
    expect(store.calls.slice(-2).map((c) => [c.tool, c.outcome, c.provider])).toEqual([
      ['mcp.fixture.add', 'ok', 'mcp:tenant-a/fixture'], ['mcp.fixture.get_weather', 'ok', 'mcp:tenant-a/fixture'],
    ]);
    expect(store.calls.at(-2)).toMatchObject({ agent: 'analyst', audit: { decision: 'allow' } });
  });

  it('refuses input that breaks the MCP schema before calling the server', async () => {
    const err = await failure(executor.invoke({ ref: 'mcp.fixture.add', input: { a: 2, b: 'three' }, tenantId: 'tenant-a', idempotencyKey: key() }));
    expect(err.code).toBe('TOOL_INPUT_INVALID');
    expect(err.message).toMatch(/\bb\b/);
  });

  it('turns an isError result into a non-retryable tool error carrying the text', async () => {
    const err = await failure(executor.invoke({ ref: 'mcp.fixture.fail', input: { reason: 'disk full' }, tenantId: 'tenant-a', idempotencyKey: key() }));
    expect(err).toMatchObject({ code: 'MCP_TOOL_ERROR', retryable: false });
    expect(err.message).toContain('it broke: disk full');
    expect(store.calls.at(-1)).toMatchObject({ tool: 'mcp.fixture.fail', outcome: 'error', errorCode: 'MCP_TOOL_ERROR', tries: 1 });
  });

  it('governs external MCP tools like any other: allowed by a rule, replayed for a repeated key', async () => {
    const k = key();
    const first = await executor.invoke({ ref: 'mcp.fixture.save_note', input: { text: 'hello' }, tenantId: 'tenant-a', idempotencyKey: k });
    const again = await executor.invoke({ ref: 'mcp.fixture.save_note', input: { text: 'hello' }, tenantId: 'tenant-a', idempotencyKey: k });
    expect(first.output).toMatchObject({ content: [{ type: 'text', text: 'saved #1: hello' }] });
    expect(again).toMatchObject({ replayed: true, output: first.output });
    const denied = executorFor(registry, staticGovernance());
    expect((await failure(denied.invoke({ ref: 'mcp.fixture.save_note', input: { text: 'x' }, tenantId: 'tenant-a', idempotencyKey: key() }))).code).toBe('TOOL_PERMISSION_DENIED');
  });

  it('reconnects once when the server process has gone', async () => {
    const own = await connectMcpServer(stdioFixture('again'), { timeoutMs: 15_000 });
    try {
      const reg = new ToolRegistry();
      await registerMcpTools(reg, own, { tenantId: null });
      // Close the client under the connection, as a crashed server would.
      await (await own.connect()).close();
      expect(own.connected).toBe(false);
      const ex = executorFor(reg, staticGovernance());
      const result = await ex.invoke({ ref: 'mcp.again.add', input: { a: 1, b: 1 }, tenantId: 'any', idempotencyKey: key() });
      expect(result.output).toMatchObject({ structuredContent: { sum: 2 } });
    } finally {
      await own.close();
    }
  });
});

describe('MCP client over streamable HTTP', () => {
  let http: HttpServer;
  let url: string;
  const seen: Array<string | undefined> = [];

  beforeAll(async () => {
    http = createServer((req: IncomingMessage, res) => {
      seen.push(req.headers.authorization);
      if (req.method !== 'POST') {
        res.writeHead(405).end();
        return;
      }
      const server = createFixtureServer('remote');
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
      res.on('close', () => {
        void transport.close();
        void server.close();
      });
      void server.connect(transport).then(() => transport.handleRequest(req, res));
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`;
  });
  afterAll(async () => {
    await new Promise((resolve) => http.close(resolve));
  });

  it('connects with the configured headers (env references expanded), registers and calls tools', async () => {
    const [entry] = parseMcpServersConfig([{ tenant: '*', name: 'remote', transport: 'http', url, headers: { authorization: 'Bearer ${REMOTE_TOKEN}' } }], 'test', { REMOTE_TOKEN: 's3cret' });
    const { tenant: _t, version: _v, timeoutMs: _ms, ...config } = entry!;
    const connection = await connectMcpServer(config, { timeoutMs: 10_000 });
    try {
      const registry = new ToolRegistry();
      const registered = await registerMcpTools(registry, connection, { tenantId: null, version: '2.1.0' });
      expect(registered.map((r) => r.name)).toEqual(['mcp.remote.add', 'mcp.remote.get_weather', 'mcp.remote.save_note', 'mcp.remote.fail']);
      expect(registry.list('whoever').map((d) => [d.name, d.version, d.origin])).toContainEqual(['mcp.remote.add', '2.1.0', 'mcp:remote']);
      const store = new MemoryToolCallStore();
      const executor = executorFor(registry, staticGovernance(), store);
      const result = await executor.invoke({ ref: 'mcp.remote.add@^2', input: { a: 40, b: 2 }, tenantId: 't', idempotencyKey: key() });
      expect(result.output).toEqual({ content: [{ type: 'text', text: '42' }], structuredContent: { sum: 42 } });
      expect(store.calls[0]).toMatchObject({ outcome: 'ok', provider: 'mcp:remote' });
      const err = await failure(executor.invoke({ ref: 'mcp.remote.fail', input: {}, tenantId: 't', idempotencyKey: key() }));
      expect(err).toMatchObject({ code: 'MCP_TOOL_ERROR', retryable: false, message: expect.stringContaining('it broke: no reason') });
      expect(seen.filter(Boolean).every((h) => h === 'Bearer s3cret')).toBe(true);
      expect(seen.length).toBeGreaterThan(0);
    } finally {
      await connection.close();
    }
  });

  it('reports a server that cannot be reached as a retryable error naming it', async () => {
    const err = await failure(connectMcpServer({ name: 'nowhere', transport: 'http', url: 'http://127.0.0.1:9/mcp' }, { timeoutMs: 3000 }));
    expect(err).toMatchObject({ code: 'MCP_UNAVAILABLE', retryable: true });
    expect(err.message).toContain('MCP server nowhere');
  });
});

describe('MCP servers file and start-up', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'vmp-mcp-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('names the bad entry and field', async () => {
    const file = path.join(dir, 'bad.json');
    await writeFile(file, JSON.stringify([{ tenant: '*', ...stdioFixture('ok') }, { tenant: '*', name: 'crm', transport: 'http', url: 'ftp://x' }]));
    await expect(loadMcpServersConfig(file)).rejects.toThrow(/entry 1 \("crm"\) is invalid: url/);
    await writeFile(file, '{"name": "x"}');
    await expect(loadMcpServersConfig(file)).rejects.toThrow(McpConfigError);
    await writeFile(file, '[{"tenant":"*","name":"Bad Name","transport":"stdio","command":"x"}]');
    await expect(loadMcpServersConfig(file)).rejects.toThrow(/entry 0 \("Bad Name"\) is invalid: name/);
    await writeFile(file, '[{"tenant":"*","name":"a","transport":"stdio","command":"x","env":{"K":"${NOPE_NOT_SET}"}}]');
    await expect(loadMcpServersConfig(file, {})).rejects.toThrow(/entry 0 \("a"\): K refers to \$\{NOPE_NOT_SET\}/);
    await writeFile(file, '[{"tenant":"*","name":"a","transport":"stdio","command":"x"},{"tenant":"*","name":"a","transport":"stdio","command":"y"}]');
    await expect(loadMcpServersConfig(file)).rejects.toThrow(/configured twice/);
  });

  it('connects every server it can, reports the ones it cannot, and unregisters all on close', async () => {
    const file = path.join(dir, 'servers.json');
    const entries = [
      { tenant: '*', ...stdioFixture('shared') },
      { tenant: 'acme', ...stdioFixture('crm') },
      { tenant: 'globex', ...stdioFixture('crm') },
      { tenant: '*', name: 'broken', transport: 'stdio', command: process.execPath, args: ['-e', 'process.stderr.write("boom: missing token\\n"); process.exit(3)'] },
      { tenant: 'nobody', ...stdioFixture('lost') },
    ];
    await writeFile(file, JSON.stringify(entries));
    const loaded: McpServerEntry[] = await loadMcpServersConfig(file);
    const registry = new ToolRegistry();
    const tenants: Record<string, string> = { acme: 'tenant-acme', globex: 'tenant-globex' };
    const registrar = new McpRegistrar(registry, { timeoutMs: 15_000, resolveTenant: async (t) => tenants[t] ?? null });
    const statuses = await registrar.start(loaded);
    expect(statuses.map((s) => [s.name, s.tenant, s.tenantId, s.status, s.tools])).toEqual([
      ['shared', '*', null, 'connected', 4],
      ['crm', 'acme', 'tenant-acme', 'connected', 4],
      ['crm', 'globex', 'tenant-globex', 'connected', 4],
      ['broken', '*', null, 'failed', 0],
      ['lost', 'nobody', null, 'failed', 0],
    ]);
    expect(statuses[3]?.error).toMatch(/MCP server broken .*cannot connect/);
    expect(statuses[4]?.error).toBe('unknown tenant nobody');
    expect(registry.find('mcp.crm.add', 'tenant-acme')).not.toBeNull();
    expect(registry.find('mcp.crm.add', 'tenant-globex')).not.toBeNull();
    expect(registry.find('mcp.crm.add', 'tenant-other')).toBeNull();
    expect(registry.find('mcp.shared.add', 'tenant-other')).not.toBeNull();
    await registrar.close();
    expect(registry.entries('tenant-acme')).toEqual([]);
  });
});

describe('the platform as an MCP server at /mcp', () => {
  let db: TestDatabase;
  let app: FastifyInstance;
  let url: URL;
  let tenantId: string;
  let tenantName: string;
  let operatorKey: string;
  let viewerKey: string;
  let governance: CachedGovernanceSource;
  const published: string[] = [];

  const notesRead: AnyTool = {
    name: 'notes.read', version: '1.0.0', description: 'Reads a note', sideEffect: 'read',
    input: z.object({ id: z.string() }), output: z.object({ id: z.string(), text: z.string() }),
    execute: async (input: { id: string }) => ({ output: { id: input.id, text: `note ${input.id}` } }),
  };
  const notesPublish: AnyTool = {
    name: 'notes.publish', version: '1.0.0', description: 'Publishes a note', sideEffect: 'write',
    input: z.object({ text: z.string().max(20) }), output: z.object({ published: z.boolean() }),
    execute: async (input: { text: string }) => {
      published.push(input.text);
      return { output: { published: true } };
    },
  };

  const actor = { type: 'system', id: null, role: 'admin' } as const;
  const issue = async (role: Role) => (await issueApiKey(createScope(db.orm, tenantId, actor), { role, name: role })).key;

  async function connect(bearer: string): Promise<Client> {
    const client = new Client({ name: 'test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(url, { requestInit: { headers: { Authorization: `Bearer ${bearer}` } } }));
    return client;
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    const { tenant } = await createTenant(db.orm.em.fork(), `mcp-${Date.now().toString(36)}`, actor);
    tenantId = tenant.id;
    tenantName = tenant.name;
    operatorKey = await issue('operator');
    viewerKey = await issue('viewer');
    const registry = new ToolRegistry();
    registry.register(notesRead);
    registry.register(notesPublish);
    governance = new CachedGovernanceSource(db.orm);
    const executor = executorFor(registry, governance, new OrmToolCallStore(db.orm));
    app = Fastify();
    await app.register(mcpRoutes, { orm: db.orm, registry, executor, governance });
    const address = await app.listen({ port: 0, host: '127.0.0.1' });
    url = new URL(`${address}/mcp`);
  });
  afterAll(async () => {
    await app?.close();
    await db?.close();
  });

  it('lists the tools the tenant may call: write tools only after an allow rule', async () => {
    const client = await connect(operatorKey);
    try {
      const before = await client.listTools();
      expect(before.tools.map((t) => t.name)).toEqual(['notes.read']);
      expect(before.tools[0]).toMatchObject({
        description: 'Reads a note', annotations: { readOnlyHint: true },
        inputSchema: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] },
      });
      await createPermission(createScope(db.orm, tenantId, actor), { projectId: null, agent: 'mcp', tool: 'notes.*', effect: 'allow', constraints: null, description: 'MCP may publish' });
      governance.invalidate(tenantId);
      const after = await client.listTools();
      expect(after.tools.map((t) => t.name)).toEqual(['notes.publish', 'notes.read']);
    } finally {
      await client.close();
    }
  });

  it('calls a tool through the executor and records the call', async () => {
    const client = await connect(operatorKey);
    try {
      const read = await client.callTool({ name: 'notes.read', arguments: { id: '7' } });
      expect(read).toMatchObject({ content: [{ type: 'text', text: JSON.stringify({ id: '7', text: 'note 7' }) }], structuredContent: { id: '7', text: 'note 7' } });
      const pub = await client.callTool({ name: 'notes.publish', arguments: { text: 'hello' } });
      expect(pub.isError).toBeFalsy();
      expect(published).toEqual(['hello']);
      const rows = await db.orm.em.fork().getConnection().execute<Array<{ tool: string; outcome: string; agent: string; idempotency_key: string }>>(
        'select tool, outcome, agent, idempotency_key from tool_call where tenant_id = ? order by created_at', [tenantId]);
      expect(rows.map((r) => [r.tool, r.outcome, r.agent])).toEqual([['notes.read', 'ok', 'mcp'], ['notes.publish', 'ok', 'mcp']]);
      expect(rows.every((r) => /^mcp:[0-9a-f-]{36}$/.test(r.idempotency_key))).toBe(true);
    } finally {
      await client.close();
    }
  });

  it('answers failures as isError results with the code', async () => {
    const client = await connect(operatorKey);
    try {
      const bad = await client.callTool({ name: 'notes.publish', arguments: { text: 'x'.repeat(50) } });
      expect(bad.isError).toBe(true);
      expect(bad.content).toEqual([{ type: 'text', text: expect.stringMatching(/^\[TOOL_INPUT_INVALID\] .*text/) }]);
      const unknown = await client.callTool({ name: 'notes.delete', arguments: {} });
      expect(unknown).toMatchObject({ isError: true, content: [{ type: 'text', text: expect.stringContaining('UNKNOWN_TOOL') }] });
    } finally {
      await client.close();
    }
  });

  it('offers a viewer key read tools only', async () => {
    const client = await connect(viewerKey);
    try {
      expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['notes.read']);
      const refused = await client.callTool({ name: 'notes.publish', arguments: { text: 'sneaky' } });
      expect(refused.isError).toBe(true);
      expect(published).not.toContain('sneaky');
    } finally {
      await client.close();
    }
  });

  it('resolves configured tenants by id or name for MCP servers files', async () => {
    const resolve = tenantResolverFromOrm(db.orm);
    expect(await resolve(tenantName)).toBe(tenantId);
    expect(await resolve(tenantId)).toBe(tenantId);
    expect(await resolve('no-such-tenant')).toBeNull();
  });

  it('rejects a wrong or missing key with 401 and a JSON-RPC error', async () => {
    await expect(connect('vmp_00000000_wrong')).rejects.toThrow(/401|unknown or revoked/i);
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: '{"jsonrpc":"2.0","id":1,"method":"tools/list"}' });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ jsonrpc: '2.0', error: { code: -32000, message: expect.stringContaining('missing API key') }, id: null });
    const get = await fetch(url, { headers: { authorization: `Bearer ${operatorKey}`, accept: 'text/event-stream' } });
    expect(get.status).toBe(405);
  });
});
