import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../../migrations/index.js';
import { createOrm, migrate, type Orm } from '../../../src/persistence/orm.js';
import { brandBody, createTestApi, type TestApi } from '../../helpers/test-api.js';

/** The embedded driver (PGlite, in memory here) runs the same migrations and the same API. */
let orm: Orm;
let api: TestApi;
let applied: string[];

beforeAll(async () => {
  orm = await createOrm({ target: { kind: 'embedded' } });
  applied = await migrate(orm);
  api = await createTestApi(orm);
});
afterAll(async () => {
  await api?.app.close();
  await orm?.close();
});

describe('embedded Postgres (PGlite)', () => {
  it('applies the same migrations as Postgres', () => {
    expect(applied).toEqual(MIGRATIONS.map((m) => m.name));
  });

  it('serves brand -> campaign -> task CRUD, versions and context resolution', async () => {
    const t = await api.tenant('embedded');
    const call = (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: object, headers?: Record<string, string>) =>
      api.call(t.adminKey, { method, url, ...(payload ? { payload } : {}), ...(headers ? { headers } : {}) });
    const brand = await call('POST', '/v2/brands', brandBody('Embedded'));
    expect(brand.statusCode).toBe(201);
    const campaign = (await call('POST', '/v2/campaigns', { brandId: brand.json().id, name: 'C', channels: ['web'] })).json();
    const task = (await call('POST', '/v2/tasks', { campaignId: campaign.id, name: 'T', deliverableType: 'landing_page' })).json();
    const v2 = await call('PATCH', `/v2/tasks/${task.id}`, { name: 'T v2' }, { 'if-match': '"1"' });
    expect(v2.json().version).toBe(2);
    const stale = await call('PATCH', `/v2/tasks/${task.id}`, { name: 'T v3' }, { 'if-match': '"1"' });
    expect(stale.statusCode).toBe(409);
    const ctx = (await call('GET', `/v2/tasks/${task.id}/context`)).json();
    expect(ctx.context).toMatchObject({ identity: { name: 'Embedded' }, channels: ['web'], 'task': { name: 'T v2' } });
    const snap = await call('POST', `/v2/tasks/${task.id}/context-snapshots`);
    expect(snap.statusCode).toBe(201);
    expect((await call('POST', `/v2/tasks/${task.id}/context-snapshots`)).statusCode).toBe(200);
  });

  it('enforces append-only tables here too', async () => {
    await expect(orm.em.fork().getConnection().execute('delete from brand_version')).rejects.toThrow('append-only');
  });
});
