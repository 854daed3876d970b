import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brandBody, createTestApi, type TestApi, type TestTenant } from '../../helpers/test-api.js';
import { createTestDatabase, rowCounts, type TestDatabase } from '../../helpers/test-db.js';

let db: TestDatabase;
let api: TestApi;
let a: TestTenant;
let b: TestTenant;
/** Tenant B's records: tenant A's key must never see or touch them. */
let bIds: { project: string; brand: string; campaign: string; task: string; snapshot: string; key: string };

beforeAll(async () => {
  db = await createTestDatabase();
  api = await createTestApi(db.orm);
  a = await api.tenant();
  b = await api.tenant();
  const as = (payload: object, url: string) => api.call(b.adminKey, { method: 'POST', url, payload });
  const project = (await as({ name: 'B project' }, '/v2/projects')).json();
  const brand = (await as({ ...brandBody('B brand'), projectId: project.id }, '/v2/brands')).json();
  const campaign = (await as({ brandId: brand.id, name: 'B campaign' }, '/v2/campaigns')).json();
  const task = (await as({ campaignId: campaign.id, name: 'B task', deliverableType: 'email' }, '/v2/tasks')).json();
  const snapshot = (await api.call(b.adminKey, { method: 'POST', url: `/v2/tasks/${task.id}/context-snapshots` })).json();
  const key = (await as({ name: 'b viewer', role: 'viewer' }, '/v2/api-keys')).json();
  bIds = { project: project.id, brand: brand.id, campaign: campaign.id, task: task.id, snapshot: snapshot.id, key: key.id };
});
afterAll(async () => {
  await api?.app.close();
  await db?.close();
});

describe('tenant isolation', () => {
  it("tenant A's key gets 404 on every route that names one of tenant B's ids, and nothing is written", async () => {
    const { project, brand, campaign, task, snapshot, key } = bIds;
    const routes: Array<{ method: 'GET' | 'POST' | 'PATCH'; url: string; payload?: object; ifMatch?: boolean }> = [
      { method: 'GET', url: `/v2/projects/${project}` },
      { method: 'GET', url: `/v2/brands/${brand}` },
      { method: 'PATCH', url: `/v2/brands/${brand}`, payload: { locale: 'fr' }, ifMatch: true },
      { method: 'GET', url: `/v2/brands/${brand}/versions` },
      { method: 'GET', url: `/v2/brands/${brand}/versions/1` },
      { method: 'POST', url: '/v2/brands', payload: { ...brandBody('A'), projectId: project } },
      { method: 'GET', url: `/v2/campaigns/${campaign}` },
      { method: 'PATCH', url: `/v2/campaigns/${campaign}`, payload: { name: 'x' }, ifMatch: true },
      { method: 'GET', url: `/v2/campaigns/${campaign}/versions` },
      { method: 'GET', url: `/v2/campaigns/${campaign}/versions/1` },
      { method: 'POST', url: '/v2/campaigns', payload: { brandId: brand, name: 'x' } },
      { method: 'GET', url: `/v2/tasks/${task}` },
      { method: 'PATCH', url: `/v2/tasks/${task}`, payload: { name: 'x' }, ifMatch: true },
      { method: 'GET', url: `/v2/tasks/${task}/versions` },
      { method: 'GET', url: `/v2/tasks/${task}/versions/1` },
      { method: 'POST', url: '/v2/tasks', payload: { campaignId: campaign, name: 'x', deliverableType: 'ad' } },
      { method: 'GET', url: `/v2/tasks/${task}/context` },
      { method: 'POST', url: `/v2/tasks/${task}/context-snapshots` },
      { method: 'GET', url: `/v2/context-snapshots/${snapshot}` },
      { method: 'POST', url: `/v2/api-keys/${key}/revoke` },
    ];
    const before = await rowCounts(db.orm);
    for (const r of routes) {
      const res = await api.call(a.adminKey, {
        method: r.method, url: r.url, ...(r.payload ? { payload: r.payload } : {}), headers: r.ifMatch ? { 'if-match': '"1"' } : {},
      });
      expect({ route: `${r.method} ${r.url}`, status: res.statusCode, code: res.json().error?.code }).toEqual({
        route: `${r.method} ${r.url}`, status: 404, code: 'NOT_FOUND',
      });
      expect(res.body).not.toContain('B brand');
    }
    expect(await rowCounts(db.orm)).toEqual(before);
  });

  it("lists show only the caller's tenant", async () => {
    for (const url of ['/v2/projects', '/v2/brands', '/v2/campaigns', '/v2/tasks', '/v2/api-keys', '/v2/audit']) {
      const items = (await api.call(a.adminKey, { method: 'GET', url })).json().items as Array<{ id: string; targetId?: string }>;
      const ids = items.flatMap((i) => [i.id, i.targetId]);
      for (const foreign of Object.values(bIds)) expect(ids, url).not.toContain(foreign);
    }
    const byFilter = (await api.call(a.adminKey, { method: 'GET', url: `/v2/campaigns?brandId=${bIds.brand}` })).json();
    expect(byFilter.items).toEqual([]);
  });

  it('a query without a tenant fails closed instead of returning every tenant', async () => {
    const { Brand } = await import('../../../src/persistence/entities/brand.entity.js');
    await expect(db.orm.em.fork().find(Brand, {})).rejects.toThrow(/tenant/);
  });
});

describe('roles', () => {
  it('a viewer reads but cannot write (403 naming the role needed)', async () => {
    const viewer = await a.key('viewer');
    expect((await api.call(viewer, { method: 'GET', url: '/v2/brands' })).statusCode).toBe(200);
    const res = await api.call(viewer, { method: 'POST', url: '/v2/brands', payload: brandBody('V') });
    expect(res.statusCode).toBe(403);
    expect(res.json().error).toMatchObject({ code: 'FORBIDDEN', details: { requiredRole: 'operator' } });
  });

  it('only admins read the audit log, manage keys, or change an override policy', async () => {
    const operator = await a.key('operator');
    expect((await api.call(operator, { method: 'GET', url: '/v2/audit' })).statusCode).toBe(403);
    expect((await api.call(operator, { method: 'POST', url: '/v2/api-keys', payload: { name: 'x', role: 'admin' } })).statusCode).toBe(403);
    const brand = (await api.call(operator, { method: 'POST', url: '/v2/brands', payload: brandBody('Op') })).json();
    const policy = await api.call(operator, {
      method: 'PATCH', url: `/v2/brands/${brand.id}`, headers: { 'if-match': '"1"' }, payload: { overridePolicy: { campaign: [], task: [] } },
    });
    expect(policy.statusCode).toBe(403);
    const other = await api.call(operator, { method: 'PATCH', url: `/v2/brands/${brand.id}`, headers: { 'if-match': '"1"' }, payload: { locale: 'de' } });
    expect(other.statusCode).toBe(200);
  });

  it('a revoked key stops working at once', async () => {
    const res = await api.call(a.adminKey, { method: 'POST', url: '/v2/api-keys', payload: { name: 'temp', role: 'viewer' } });
    const { id, key } = res.json();
    expect((await api.call(key, { method: 'GET', url: '/v2/brands' })).statusCode).toBe(200);
    await api.call(a.adminKey, { method: 'POST', url: `/v2/api-keys/${id}/revoke` });
    const after = await api.call(key, { method: 'GET', url: '/v2/brands' });
    expect(after.statusCode).toBe(401);
    expect(after.json().error.code).toBe('UNAUTHENTICATED');
  });
});
