import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { issueRoleKey } from '../../helpers/agency-seed.js';
import { usePlatform } from '../../helpers/test-engine.js';

/**
 * The platform's own MCP endpoint (`/mcp`) as the full platform serves it (tool layer, built-in
 * tools, governance from the database), driven by the MCP SDK client over real HTTP.
 */

const p = usePlatform({ adapter: 'in-process', tools: {} });

let url: URL;
let admin: string;
let viewer: string;

async function connect(key: string): Promise<Client> {
  const client = new Client({ name: 'mcp-endpoint-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(url, { requestInit: { headers: { Authorization: `Bearer ${key}` } } }));
  return client;
}

async function listedNames(key: string): Promise<string[]> {
  const client = await connect(key);
  try {
    return (await client.listTools()).tools.map((t) => t.name).sort();
  } finally {
    await client.close();
  }
}

beforeAll(async () => {
  const address = await p.current.app.listen({ port: 0, host: '127.0.0.1' });
  url = new URL(`${address}/mcp`);
  const t = await p.current.tenant();
  admin = t.key;
  viewer = await issueRoleKey(p.current, t.id, 'viewer');
});

describe('POST /mcp on the full platform', () => {
  it('initializes and lists the read tools, not the external http.request (no allow rule)', async () => {
    const client = await connect(admin);
    try {
      expect(client.getServerVersion()).toMatchObject({ name: 'vm-platform' });
      const { tools } = await client.listTools();
      const names = tools.map((t) => t.name);
      expect(names).toEqual(expect.arrayContaining(['brand.knowledge', 'llm.complete']));
      expect(names).not.toContain('http.request');
      expect(tools.find((t) => t.name === 'llm.complete')).toMatchObject({
        annotations: { readOnlyHint: true }, inputSchema: { type: 'object', properties: { messages: expect.any(Object) } },
      });
    } finally {
      await client.close();
    }
  });

  it('offers http.request once an admin allows it for the mcp agent (at once), to write-capable keys only', async () => {
    const rule = await p.current.call(admin, { method: 'POST', url: '/v2/tool-permissions', payload: { tool: 'http.request', effect: 'allow', agent: 'mcp' } });
    expect(rule.statusCode, rule.body).toBe(201);
    expect(await listedNames(admin)).toContain('http.request');
    expect(await listedNames(viewer)).not.toContain('http.request');
    expect(await listedNames(viewer)).toEqual(expect.arrayContaining(['brand.knowledge', 'llm.complete']));
    expect((await p.current.call(admin, { method: 'DELETE', url: `/v2/tool-permissions/${(rule.json() as { id: string }).id}` })).statusCode).toBe(204);
    expect(await listedNames(admin)).not.toContain('http.request');
  });

  it('calls llm.complete through the governed executor (offline provider), recorded in tool usage', async () => {
    const client = await connect(admin);
    try {
      const result = await client.callTool({ name: 'llm.complete', arguments: { tier: 'economy', messages: [{ role: 'user', content: 'Say hello to the coffee lovers.' }] } });
      expect(result.isError, JSON.stringify(result)).toBeFalsy();
      expect(result.structuredContent).toMatchObject({ offline: true, content: expect.any(String) });
    } finally {
      await client.close();
    }
    const usage = await p.current.call(admin, { method: 'GET', url: '/v2/tool-usage' });
    expect(usage.json()).toMatchObject({ items: expect.arrayContaining([expect.objectContaining({ tool: 'llm.complete@1.0.0', calls: 1 })]) });
  });

  it('refuses a wrong or missing key with 401 and a JSON-RPC error', async () => {
    await expect(connect('vmp_00000000_notarealkeynotarealkeynotarealkeynotarealke')).rejects.toThrow(/401|unknown or revoked/i);
    const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' });
    const wrong = await fetch(url, { method: 'POST', headers: { ...headers, authorization: 'Bearer vmp_00000000_wrong' }, body });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toBe('Bearer');
    expect(await wrong.json()).toEqual({ jsonrpc: '2.0', error: { code: -32000, message: expect.stringContaining('unknown or revoked') }, id: null });
    const missing = await fetch(url, { method: 'POST', headers, body });
    expect(missing.status).toBe(401);
    expect(((await missing.json()) as { error: { message: string } }).error.message).toContain('missing API key');
  });
});
