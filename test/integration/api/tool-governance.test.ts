import type { LightMyRequestResponse } from 'fastify';
import { beforeAll, describe, expect, it } from 'vitest';
import { contentHash } from '../../../src/domain/canonical-json.js';
import { issueRoleKey, seedAgencyTask } from '../../helpers/agency-seed.js';
import { startRun, usePlatform, waitForRun } from '../../helpers/test-engine.js';

/**
 * The tool API: the catalog (GET /v2/tools, /v2/tools/plugins), the tenant's governance (permission
 * rules, rate limits, credential references: admin-only changes, each audited with hashes of before
 * and after) and tool usage after a run, on the full platform with the tool layer.
 */

/** A secret the platform could resolve for the reference VMP_SECRET_X: it must never be answered. */
const SECRET = 'hunter2-never-shown-0xC0FFEE';
const p = usePlatform({ adapter: 'in-process', tools: { credentials: { env: { VMP_SECRET_X: SECRET } } } });

let admin: string;
let operator: string;
let viewer: string;
let otherAdmin: string;
let projectId: string;
let otherProjectId: string;

type Json = Record<string, unknown>;
type AuditEv = { action: string; targetType: string; targetId: string; beforeHash: string | null; afterHash: string | null; actorType: string; details: Json | null };

const call = (key: string, method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown) =>
  p.current.call(key, { method, url, ...(payload === undefined ? {} : { payload: payload as Json }) });

function expectError(res: LightMyRequestResponse, status: number, code: string, says?: string | RegExp) {
  expect(res.statusCode, res.body).toBe(status);
  const { error } = res.json() as { error: { code: string; message: string } };
  expect(error.code).toBe(code);
  if (says !== undefined) expect(error.message).toMatch(says);
  return error;
}

async function audit(query: string): Promise<AuditEv[]> {
  const res = await call(admin, 'GET', `/v2/audit?limit=100&${query}`);
  expect(res.statusCode, res.body).toBe(200);
  return (res.json() as { items: AuditEv[] }).items;
}

const UNKNOWN_ID = '0190a0b0-0000-7000-8000-000000000000';

beforeAll(async () => {
  const t = await p.current.tenant();
  admin = t.key;
  operator = await issueRoleKey(p.current, t.id, 'operator');
  viewer = await issueRoleKey(p.current, t.id, 'viewer');
  otherAdmin = (await p.current.tenant()).key;
  projectId = ((await call(admin, 'GET', '/v2/projects')).json() as { items: Array<{ id: string }> }).items[0]!.id;
  otherProjectId = ((await call(otherAdmin, 'GET', '/v2/projects')).json() as { items: Array<{ id: string }> }).items[0]!.id;
});

describe('tool catalog', () => {
  it('lists the built-in tools with their input and output JSON Schemas', async () => {
    const res = await call(viewer, 'GET', '/v2/tools');
    expect(res.statusCode).toBe(200);
    const items = (res.json() as { items: Array<Json & { name: string; version: string; inputSchema: Json; outputSchema: Json }> }).items;
    const refs = items.map((t) => `${t.name}@${t.version}`);
    expect(refs).toEqual(expect.arrayContaining(['llm.complete@1.0.0', 'http.request@1.0.0', 'brand.knowledge@1.0.0']));
    for (const t of items) {
      expect(t.inputSchema, t.name).toMatchObject({ type: 'object', $schema: expect.stringContaining('json-schema.org') });
      expect(t.outputSchema, t.name).toMatchObject({ type: 'object' });
    }
    const http = items.find((t) => t.name === 'http.request')!;
    expect(http).toMatchObject({ sideEffect: 'external', origin: 'builtin', tenantId: null });
    expect(http.inputSchema).toMatchObject({ properties: { url: { type: 'string' } }, required: expect.arrayContaining(['url']) });
    expect(items.find((t) => t.name === 'brand.knowledge')).toMatchObject({ sideEffect: 'read', inputSchema: { properties: { query: { type: 'string' } } } });
    expect(items.find((t) => t.name === 'llm.complete')?.outputSchema).toMatchObject({ type: 'object', properties: expect.any(Object) });
  });

  it('filters by name', async () => {
    const res = await call(viewer, 'GET', '/v2/tools?name=http.request');
    expect(res.statusCode).toBe(200);
    expect((res.json() as { items: Array<{ name: string; version: string }> }).items.map((t) => `${t.name}@${t.version}`)).toEqual(['http.request@1.0.0']);
    expect((await call(viewer, 'GET', '/v2/tools?name=no.such.tool')).json()).toEqual({ items: [] });
    expectError(await call(viewer, 'GET', '/v2/tools?kind=read'), 400, 'VALIDATION_FAILED', /kind/);
  });

  it('reports plugins (none configured) and the circuit breakers', async () => {
    const res = await call(viewer, 'GET', '/v2/tools/plugins');
    expect(res.statusCode).toBe(200);
    const body = res.json() as { items: unknown[]; circuits: Array<{ key: string; state: string }> };
    expect(body).toEqual({ items: [], circuits: expect.any(Array) });
    for (const c of body.circuits) expect(c).toEqual({ key: expect.any(String), state: expect.stringMatching(/^(closed|open|half-open|isolated)$/) });
  });
});

describe('permission rules', () => {
  const rule = () => ({
    tool: 'http.*', effect: 'allow', agent: 'researcher', projectId,
    constraints: { url: { pattern: '^https://api\\.example\\.com/' }, method: { oneOf: ['GET'] } }, description: 'research may read the example API',
  });
  const view = (r: Json) => ({ projectId: r.projectId ?? null, agent: r.agent ?? null, tool: r.tool, effect: r.effect, constraints: r.constraints ?? null });

  it('creates, lists, replaces and deletes a rule (201/200/204), each change audited with before/after hashes', async () => {
    const created = await call(admin, 'POST', '/v2/tool-permissions', rule());
    expect(created.statusCode, created.body).toBe(201);
    const r1 = created.json() as Json & { id: string };
    expect(r1).toEqual({ id: expect.any(String), ...rule(), createdAt: expect.any(String), updatedAt: expect.any(String) });

    const listed = await call(viewer, 'GET', '/v2/tool-permissions');
    expect(listed.statusCode).toBe(200);
    expect((listed.json() as { items: Json[] }).items).toContainEqual(r1);

    const replacement = { tool: 'http.request', effect: 'deny', description: 'no outbound calls' };
    const replaced = await call(admin, 'PUT', `/v2/tool-permissions/${r1.id}`, replacement);
    expect(replaced.statusCode, replaced.body).toBe(200);
    const r2 = replaced.json() as Json;
    expect(r2).toMatchObject({ id: r1.id, tool: 'http.request', effect: 'deny', projectId: null, agent: null, constraints: null, description: 'no outbound calls' });

    const removed = await call(admin, 'DELETE', `/v2/tool-permissions/${r1.id}`);
    expect(removed.statusCode).toBe(204);
    expect(removed.body).toBe('');
    expect((await call(admin, 'GET', '/v2/tool-permissions')).json()).toEqual({ items: [] });
    expectError(await call(admin, 'DELETE', `/v2/tool-permissions/${r1.id}`), 404, 'NOT_FOUND');

    const [create] = await audit(`action=tool_permission.create&targetId=${r1.id}`);
    expect(create).toMatchObject({ targetType: 'tool_permission', actorType: 'api_key', beforeHash: null, afterHash: contentHash(view(r1)) });
    const [update] = await audit(`action=tool_permission.update&targetId=${r1.id}`);
    expect(update).toMatchObject({ beforeHash: contentHash(view(r1)), afterHash: contentHash(view(r2)) });
    const [del] = await audit(`action=tool_permission.delete&targetId=${r1.id}`);
    expect(del).toMatchObject({ beforeHash: contentHash(view(r2)), afterHash: null });
    expect((await audit(`targetType=tool_permission&targetId=${r1.id}`)).map((e) => e.action)).toEqual([
      'tool_permission.delete', 'tool_permission.update', 'tool_permission.create',
    ]);
  });

  it("answers 404 for an unknown rule and for another tenant's rule, and never lists it", async () => {
    expectError(await call(admin, 'PUT', `/v2/tool-permissions/${UNKNOWN_ID}`, { tool: '*', effect: 'deny' }), 404, 'NOT_FOUND', /was not found/);
    expectError(await call(admin, 'DELETE', `/v2/tool-permissions/${UNKNOWN_ID}`), 404, 'NOT_FOUND');
    const foreign = (await call(otherAdmin, 'POST', '/v2/tool-permissions', { tool: 'web.*', effect: 'deny' })).json() as { id: string };
    expectError(await call(admin, 'PUT', `/v2/tool-permissions/${foreign.id}`, { tool: '*', effect: 'allow' }), 404, 'NOT_FOUND');
    expectError(await call(admin, 'DELETE', `/v2/tool-permissions/${foreign.id}`), 404, 'NOT_FOUND');
    expect((await call(admin, 'GET', '/v2/tool-permissions')).body).not.toContain(foreign.id);
    expect((await call(otherAdmin, 'GET', '/v2/tool-permissions')).json()).toMatchObject({ items: [{ id: foreign.id, tool: 'web.*', effect: 'deny' }] });
  });

  it.each([
    { name: 'a bad tool pattern', body: { tool: 'Web Search!', effect: 'allow' }, says: /body\.tool.*prefix pattern/ },
    { name: 'a pattern with the wildcard inside', body: { tool: 'web.*.x', effect: 'allow' }, says: /body\.tool/ },
    { name: 'an effect that is neither allow nor deny', body: { tool: 'web.search', effect: 'maybe' }, says: /body\.effect.*"allow" or "deny"/ },
    { name: 'an unknown field (strict body)', body: { tool: 'web.search', effect: 'allow', priority: 1 }, says: /priority/ },
    { name: 'a constraint with an invalid regular expression', body: { tool: 'http.request', effect: 'allow', constraints: { url: { pattern: '^(https' } } }, says: /constraints\.url\.pattern.*valid regular expression/ },
    { name: 'an unknown constraint', body: { tool: 'http.request', effect: 'allow', constraints: { url: { startsWith: 'https' } } }, says: /startsWith/ },
    { name: 'a projectId that is no UUID', body: { tool: 'web.search', effect: 'allow', projectId: 'default' }, says: /projectId.*UUID/ },
    { name: 'a bad agent name', body: { tool: 'web.search', effect: 'allow', agent: 'Copy Writer' }, says: /body\.agent/ },
  ])('refuses $name with 400 and a message naming the field', async ({ body, says }) => {
    expectError(await call(admin, 'POST', '/v2/tool-permissions', body), 400, 'VALIDATION_FAILED', says);
  });

  it("refuses another tenant's project (or an unknown one) with 422 INVALID_REFERENCE, and changes nothing", async () => {
    const before = (await audit('targetType=tool_permission')).length;
    for (const id of [otherProjectId, UNKNOWN_ID]) {
      const error = expectError(await call(admin, 'POST', '/v2/tool-permissions', { tool: 'web.search', effect: 'allow', projectId: id }), 422, 'INVALID_REFERENCE', /project .* does not exist/);
      expect(error).toMatchObject({ details: { field: 'projectId', id } });
    }
    const own = (await call(admin, 'POST', '/v2/tool-permissions', { tool: 'web.search', effect: 'allow', projectId })).json() as { id: string };
    expectError(await call(admin, 'PUT', `/v2/tool-permissions/${own.id}`, { tool: 'web.search', effect: 'allow', projectId: otherProjectId }), 422, 'INVALID_REFERENCE');
    expect((await call(admin, 'GET', '/v2/tool-permissions')).json()).toMatchObject({ items: [{ id: own.id, projectId }] });
    expect((await audit('targetType=tool_permission')).length).toBe(before + 1);
    expect((await call(admin, 'DELETE', `/v2/tool-permissions/${own.id}`)).statusCode).toBe(204);
  });

  it('lets only admins change governance (operator and viewer: 403), while a viewer may read it', async () => {
    for (const key of [operator, viewer]) {
      const error = expectError(await call(key, 'POST', '/v2/tool-permissions', { tool: '*', effect: 'allow' }), 403, 'FORBIDDEN', /admin/);
      expect(error).toMatchObject({ details: { requiredRole: 'admin' } });
      expectError(await call(key, 'PUT', `/v2/tool-permissions/${UNKNOWN_ID}`, { tool: '*', effect: 'allow' }), 403, 'FORBIDDEN');
      expectError(await call(key, 'DELETE', `/v2/tool-permissions/${UNKNOWN_ID}`), 403, 'FORBIDDEN');
      expectError(await call(key, 'PUT', '/v2/tool-rate-limits', { tool: '*', limit: 1, windowMs: 1000 }), 403, 'FORBIDDEN');
      expectError(await call(key, 'DELETE', `/v2/tool-rate-limits/${UNKNOWN_ID}`), 403, 'FORBIDDEN');
      expectError(await call(key, 'PUT', '/v2/tool-credentials/search-api', { provider: 'env', ref: 'VMP_SECRET_X' }), 403, 'FORBIDDEN');
      expectError(await call(key, 'DELETE', '/v2/tool-credentials/search-api'), 403, 'FORBIDDEN');
    }
    for (const url of ['/v2/tool-permissions', '/v2/tool-rate-limits', '/v2/tool-credentials', '/v2/tool-usage']) {
      expect((await call(viewer, 'GET', url)).statusCode, url).toBe(200);
    }
    expect((await call(admin, 'GET', '/v2/tool-permissions')).json()).toEqual({ items: [] });
  });
});

describe('rate limits', () => {
  const view = (l: Json) => ({ tool: l.tool, action: l.action, limit: l.limit, windowMs: l.windowMs, onLimit: l.onLimit, maxWaitMs: l.maxWaitMs });

  it('creates (201, with defaults) then replaces (200, same id) the limit of a tool and action; deletes it (204)', async () => {
    const first = await call(admin, 'PUT', '/v2/tool-rate-limits', { tool: 'http.request', limit: 10, windowMs: 60_000 });
    expect(first.statusCode, first.body).toBe(201);
    const l1 = first.json() as Json & { id: string };
    expect(l1).toEqual({
      id: expect.any(String), tool: 'http.request', action: '*', limit: 10, windowMs: 60_000, onLimit: 'fail', maxWaitMs: 0,
      createdAt: expect.any(String), updatedAt: expect.any(String),
    });
    const second = await call(admin, 'PUT', '/v2/tool-rate-limits', { tool: 'http.request', action: '*', limit: 5, windowMs: 1000, onLimit: 'wait', maxWaitMs: 2000 });
    expect(second.statusCode, second.body).toBe(200);
    const l2 = second.json() as Json;
    expect(l2).toMatchObject({ id: l1.id, limit: 5, windowMs: 1000, onLimit: 'wait', maxWaitMs: 2000 });
    const other = await call(admin, 'PUT', '/v2/tool-rate-limits', { tool: 'llm.*', action: 'call', limit: 100, windowMs: 1000 });
    expect(other.statusCode).toBe(201);
    const listed = (await call(viewer, 'GET', '/v2/tool-rate-limits')).json() as { items: Json[] };
    expect(listed.items.map((l) => [l.tool, l.action, l.limit])).toEqual([['http.request', '*', 5], ['llm.*', 'call', 100]]);

    const [latest, earliest] = await audit(`action=tool_rate_limit.set&targetId=${l1.id}`);
    expect(earliest).toMatchObject({ targetType: 'tool_rate_limit', beforeHash: null, afterHash: contentHash(view(l1)) });
    expect(latest).toMatchObject({ beforeHash: contentHash(view(l1)), afterHash: contentHash(view(l2)) });

    for (const l of [l1, other.json() as { id: string }]) expect((await call(admin, 'DELETE', `/v2/tool-rate-limits/${l.id}`)).statusCode).toBe(204);
    expect((await call(admin, 'GET', '/v2/tool-rate-limits')).json()).toEqual({ items: [] });
    expectError(await call(admin, 'DELETE', `/v2/tool-rate-limits/${l1.id}`), 404, 'NOT_FOUND');
    const [del] = await audit(`action=tool_rate_limit.delete&targetId=${l1.id}`);
    expect(del).toMatchObject({ beforeHash: contentHash(view(l2)), afterHash: null });
  });

  it.each([
    { name: 'limit 0', body: { tool: 'http.request', limit: 0, windowMs: 1000 }, says: /body\.limit/ },
    { name: 'windowMs 10', body: { tool: 'http.request', limit: 1, windowMs: 10 }, says: /body\.windowMs/ },
    { name: 'a fractional limit', body: { tool: 'http.request', limit: 1.5, windowMs: 1000 }, says: /body\.limit/ },
    { name: 'an unknown onLimit', body: { tool: 'http.request', limit: 1, windowMs: 1000, onLimit: 'drop' }, says: /body\.onLimit/ },
    { name: 'a bad action', body: { tool: 'http.request', action: 'Publish Now', limit: 1, windowMs: 1000 }, says: /body\.action/ },
    { name: 'an unknown field', body: { tool: 'http.request', limit: 1, windowMs: 1000, burst: 3 }, says: /burst/ },
  ])('refuses $name with 400', async ({ body, says }) => {
    expectError(await call(admin, 'PUT', '/v2/tool-rate-limits', body), 400, 'VALIDATION_FAILED', says);
  });
});

describe('credential references', () => {
  const REF_FIELDS = ['createdAt', 'description', 'id', 'name', 'provider', 'ref', 'updatedAt'];

  it('stores an env reference (201, then 200 on replace) and answers the reference only, never a secret', async () => {
    const created = await call(admin, 'PUT', '/v2/tool-credentials/search-api', { provider: 'env', ref: 'VMP_SECRET_X' });
    expect(created.statusCode, created.body).toBe(201);
    const c1 = created.json() as Json & { id: string };
    expect(Object.keys(c1).sort()).toEqual(REF_FIELDS);
    expect(c1).toMatchObject({ name: 'search-api', provider: 'env', ref: 'VMP_SECRET_X', description: null });

    const replaced = await call(admin, 'PUT', '/v2/tool-credentials/search-api', { provider: 'file', ref: 'search/api.key', description: 'the search API token' });
    expect(replaced.statusCode, replaced.body).toBe(200);
    expect(replaced.json()).toMatchObject({ id: c1.id, name: 'search-api', provider: 'file', ref: 'search/api.key', description: 'the search API token' });
    expect((await call(admin, 'PUT', '/v2/tool-credentials/search-api', { provider: 'env', ref: 'VMP_SECRET_X' })).statusCode).toBe(200);

    const listed = await call(viewer, 'GET', '/v2/tool-credentials');
    const items = (listed.json() as { items: Json[] }).items;
    expect(items).toHaveLength(1);
    expect(Object.keys(items[0]!).sort()).toEqual(REF_FIELDS);
    expect(items[0]).toMatchObject({ name: 'search-api', provider: 'env', ref: 'VMP_SECRET_X' });

    const events = await audit(`targetType=tool_credential_ref&targetId=${c1.id}`);
    expect(events.map((e) => e.action)).toEqual(['tool_credential_ref.set', 'tool_credential_ref.set', 'tool_credential_ref.set']);
    expect(events.at(-1)).toMatchObject({ beforeHash: null, afterHash: contentHash({ name: 'search-api', provider: 'env', ref: 'VMP_SECRET_X' }) });
    expect(events[0]).toMatchObject({ beforeHash: contentHash({ name: 'search-api', provider: 'file', ref: 'search/api.key' }), afterHash: contentHash({ name: 'search-api', provider: 'env', ref: 'VMP_SECRET_X' }) });

    for (const res of [created, replaced, listed, await call(admin, 'GET', '/v2/audit?limit=100')]) expect(res.body).not.toContain(SECRET);

    expect((await call(admin, 'DELETE', '/v2/tool-credentials/search-api')).statusCode).toBe(204);
    expect((await call(admin, 'GET', '/v2/tool-credentials')).json()).toEqual({ items: [] });
    expectError(await call(admin, 'DELETE', '/v2/tool-credentials/search-api'), 404, 'NOT_FOUND');
    const [del] = await audit(`action=tool_credential_ref.delete&targetId=${c1.id}`);
    expect(del).toMatchObject({ beforeHash: contentHash({ name: 'search-api', provider: 'env', ref: 'VMP_SECRET_X' }), afterHash: null });
  });

  it.each([
    { name: 'an env variable without the secret prefix', body: { provider: 'env', ref: 'DATABASE_URL' }, says: /VMP_SECRET_/ },
    { name: 'an env name that is no variable name', body: { provider: 'env', ref: 'VMP_SECRET_x-y' }, says: /VMP_SECRET_/ },
    { name: 'a file outside the credentials directory', body: { provider: 'file', ref: '../../etc/passwd' }, says: /inside the credentials directory/ },
    { name: 'an absolute file path', body: { provider: 'file', ref: '/etc/passwd' }, says: /inside the credentials directory/ },
  ])('refuses $name with 422 INVALID_CREDENTIAL_REF and stores nothing', async ({ body, says }) => {
    const before = (await audit('targetType=tool_credential_ref')).length;
    const error = expectError(await call(admin, 'PUT', '/v2/tool-credentials/bad-ref', body), 422, 'INVALID_CREDENTIAL_REF', says);
    expect(error).toMatchObject({ details: { provider: body.provider } });
    expect((await call(admin, 'GET', '/v2/tool-credentials')).body).not.toContain('bad-ref');
    expect((await audit('targetType=tool_credential_ref')).length).toBe(before);
  });

  it('refuses a bad name, provider or unknown field with 400', async () => {
    expectError(await call(admin, 'PUT', '/v2/tool-credentials/Search%20API', { provider: 'env', ref: 'VMP_SECRET_X' }), 400, 'VALIDATION_FAILED', /params\.name/);
    expectError(await call(admin, 'PUT', '/v2/tool-credentials/search-api', { provider: 'vault', ref: 'kv/x' }), 400, 'VALIDATION_FAILED', /"env" or "file"/);
    expectError(await call(admin, 'PUT', '/v2/tool-credentials/search-api', { provider: 'env', ref: 'VMP_SECRET_X', secret: SECRET }), 400, 'VALIDATION_FAILED', /secret/);
    expect((await call(admin, 'GET', '/v2/tool-credentials')).json()).toEqual({ items: [] });
  });
});

describe('tool usage', () => {
  type Usage = { runId: string | null; totalCostUsd: number; items: Array<{ tool: string; calls: number; costUsd: number; inputTokens: number; outputTokens: number }> };
  const usage = async (key: string, query = '') => {
    const res = await call(key, 'GET', `/v2/tool-usage${query}`);
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as Usage;
  };
  const calls = (u: Usage, tool: string) => u.items.find((i) => i.tool === tool)?.calls ?? 0;

  it('answers totals by tool for the tenant and per run, after runs', async () => {
    const t = await p.current.tenant();
    expect(await usage(t.key)).toEqual({ runId: null, totalCostUsd: 0, items: [] });

    const { taskId } = await seedAgencyTask(p.current, t.key);
    const runs: string[] = [];
    for (let i = 0; i < 2; i++) {
      const runId = await startRun(p.current, t.key, { taskId, mode: 'autopilot' });
      const run = await waitForRun(p.current, t.key, runId, (r) => ['completed', 'failed', 'cancelled'].includes(r.status));
      expect(run.status).toBe('completed');
      runs.push(runId);
    }
    const [run1, run2] = runs as [string, string];

    const total = await usage(t.key);
    expect(total.runId).toBeNull();
    expect(calls(total, 'llm.complete@1.0.0')).toBeGreaterThan(0);
    expect(total.items.find((i) => i.tool === 'llm.complete@1.0.0')).toMatchObject({ inputTokens: expect.any(Number), outputTokens: expect.any(Number) });
    expect(total.totalCostUsd).toBeCloseTo(total.items.reduce((s, i) => s + i.costUsd, 0), 10);

    const u1 = await usage(t.key, `?runId=${run1}`);
    const u2 = await usage(t.key, `?runId=${run2}`);
    expect(u1.runId).toBe(run1);
    expect(calls(u1, 'llm.complete@1.0.0')).toBeGreaterThan(0);
    expect(calls(u1, 'brand.knowledge@1.0.0')).toBeGreaterThan(0);
    for (const item of total.items) expect(calls(u1, item.tool) + calls(u2, item.tool), item.tool).toBe(item.calls);

    expect(await usage(t.key, `?runId=${UNKNOWN_ID}`)).toEqual({ runId: UNKNOWN_ID, totalCostUsd: 0, items: [] });
    expect(await usage(admin, `?runId=${run1}`)).toEqual({ runId: run1, totalCostUsd: 0, items: [] });
    expect(calls(await usage(admin), 'llm.complete@1.0.0')).toBe(0);
    expectError(await call(t.key, 'GET', '/v2/tool-usage?runId=latest'), 400, 'VALIDATION_FAILED', /runId/);
  });
});
