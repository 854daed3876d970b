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

describe('the run engine on embedded Postgres', () => {
  it('runs a supervised run to approval and completion, and restores it in a new engine', async () => {
    const { createEngine } = await import('../../../src/main/engine.js');
    const { createLogger } = await import('../../../src/observability/logger.js');
    const { PlatformMetrics } = await import('../../../src/observability/metrics.js');
    const { buildApi } = await import('../../../src/api/app.js');
    const logger = createLogger({ level: 'silent' });
    const engine = createEngine({ orm, logger, hostId: 'embedded-host', metrics: new PlatformMetrics({ defaultMetrics: false }) });
    await engine.start();
    const app = await buildApi({ orm, logger, version: 'test', runs: { service: engine.service, templates: engine.templates } });
    try {
      const t = await api.tenant('embedded-runs');
      const call = (method: 'GET' | 'POST', url: string, payload?: object, headers: Record<string, string> = {}) =>
        app.inject({ method, url, ...(payload ? { payload } : {}), headers: { authorization: `Bearer ${t.adminKey}`, ...headers } });
      const brand = (await call('POST', '/v2/brands', brandBody('Embedded runs'))).json();
      const campaign = (await call('POST', '/v2/campaigns', { brandId: brand.id, name: 'C', channels: ['instagram'] })).json();
      const task = (await call('POST', '/v2/tasks', { campaignId: campaign.id, name: 'T', deliverableType: 'social_post' })).json();
      const started = await call('POST', '/v2/runs', { taskId: task.id, mode: 'supervised' }, { 'idempotency-key': 'embedded-1' });
      expect(started.statusCode).toBe(202);
      const runId = started.json().id as string;
      const waitFor = async (status: string) => {
        for (let i = 0; i < 400; i++) {
          const run = (await call('GET', `/v2/runs/${runId}`)).json();
          if (run.status === status) return run;
          await new Promise((r) => setTimeout(r, 25));
        }
        throw new Error(`run did not reach ${status}`);
      };
      const waiting = await waitFor('waiting_approval');
      expect(waiting.stages.filter((s: { status: string }) => s.status === 'succeeded')).toHaveLength(7);

      // A new engine on the same embedded database restores the waiting run and completes it.
      await engine.stop();
      const again = createEngine({ orm, logger, hostId: 'embedded-host', metrics: new PlatformMetrics({ defaultMetrics: false }) });
      expect((await again.start()).rehydrated).toBe(1);
      const approved = await again.host.submit(runId, { event: { type: 'APPROVE' }, eventId: 'cmd:embedded-approve', actor: { type: 'system', id: null }, mustApply: true });
      expect(approved.state).toBe('running.consolidating');
      await waitFor('completed');
      await again.stop();
    } finally {
      await app.close();
    }
  });
});
