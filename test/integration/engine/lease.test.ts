/**
 * Several run hosts on one database: a lease gives each run exactly one writer. A host cannot drive
 * a run owned by a live host; when the owner stops heartbeating, another host takes the run over
 * and continues it; and the old owner can no longer write it (its commit is refused as stale).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/observability/logger.js';
import { PlatformMetrics } from '../../../src/observability/metrics.js';
import { createEngine, type Engine } from '../../../src/main/engine.js';
import { heartbeat } from '../../../src/persistence/runs/run-reader.js';
import { createScope } from '../../../src/persistence/scope.js';
import { seedTask, startPlatform, type TestPlatform } from '../../helpers/test-engine.js';

let p: TestPlatform;
const extra: Engine[] = [];
beforeAll(async () => {
  p = await startPlatform({ adapter: 'in-process', hostId: 'host-a' });
});
afterAll(async () => {
  for (const e of extra) await e.stop().catch(() => undefined);
  await p?.close();
});

const engineB = async (hostId: string) => {
  const e = createEngine({ orm: p.db.orm, logger: createLogger({ level: 'silent' }), hostId, metrics: new PlatformMetrics({ defaultMetrics: false }), leaseMs: 1000 });
  extra.push(e);
  await e.start();
  return e;
};

const actor = { type: 'system' as const, id: null };

describe('run host leases', () => {
  it("a host refuses to drive a run owned by a live host, takes it over once the owner's lease lapses, and the old owner can no longer write it", async () => {
    const { key } = await p.tenant();
    const taskId = await seedTask(p, key);
    const res = await p.call(key, { method: 'POST', url: '/v2/runs', payload: { taskId, mode: 'supervised' }, headers: { 'idempotency-key': randomUUID() } });
    const runId = res.json().id as string;
    const knex = p.db.orm.em.getKnex();
    const statusOf = async () => (await knex.raw('select status, owner, version from workflow_run where id = ?', [runId])).rows[0] as { status: string; owner: string; version: number };
    for (let i = 0; i < 200 && (await statusOf()).status !== 'waiting_approval'; i++) await new Promise((r) => setTimeout(r, 25));
    expect(await statusOf()).toMatchObject({ status: 'waiting_approval', owner: 'host-a' });

    const b = await engineB('host-b');
    await expect(b.host.submit(runId, { event: { type: 'APPROVE' }, eventId: 'cmd:b1', actor, mustApply: true })).rejects.toMatchObject({ code: 'RUN_BUSY' });

    // host-a stops heartbeating: its lease lapses (host B's lease window is 1 s).
    await knex.raw("update run_host set heartbeat_at = now() - interval '1 hour' where id = 'host-a'");
    const applied = await b.host.submit(runId, { event: { type: 'APPROVE' }, eventId: 'cmd:b2', actor, mustApply: true });
    expect(applied).toMatchObject({ status: 'running', state: 'running.consolidating' });
    expect((await statusOf()).owner).toBe('host-b');
    for (let i = 0; i < 200 && (await statusOf()).status !== 'completed'; i++) await new Promise((r) => setTimeout(r, 25));
    expect((await statusOf()).status).toBe('completed');

    // host-a still holds the run in memory; its next write is refused as stale and writes nothing.
    const before = await statusOf();
    await heartbeat(knex, 'host-a');
    await expect(p.engine.host.submit(runId, { event: { type: 'CANCEL', reason: 'late' }, eventId: 'cmd:a-late', actor, mustApply: true })).rejects.toMatchObject({ code: 'RUN_BUSY' });
    expect(await statusOf()).toEqual(before);
  });

  it('a host started after another died claims its unfinished runs and completes them', async () => {
    const { key } = await p.tenant();
    const taskId = await seedTask(p, key);
    const c = await engineB('host-c');
    const tenantId = (await p.db.orm.em.getKnex().raw('select tenant_id from task where id = ?', [taskId])).rows[0].tenant_id as string;
    const scope = () => createScope(p.db.orm, tenantId, { type: 'system', id: null, role: 'admin' });
    const runIds = await Promise.all([1, 2, 3].map(async () => (await c.service.start(
      scope(), { taskId, mode: 'supervised' }, { key: randomUUID(), requestHash: randomUUID() }, actor,
    )).body.id as string));
    const knex = p.db.orm.em.getKnex();
    const waiting = async () => Number((await knex.raw("select count(*) as n from workflow_run where id = any(?::uuid[]) and status = 'waiting_approval'", [runIds])).rows[0].n);
    for (let i = 0; i < 200 && (await waiting()) < 3; i++) await new Promise((r) => setTimeout(r, 25));
    await c.stop();
    await knex.raw("update run_host set heartbeat_at = now() - interval '1 hour' where id = 'host-c'");
    const d = await engineB('host-d');
    const owners = (await knex.raw('select distinct owner from workflow_run where id = any(?::uuid[])', [runIds])).rows.map((r: { owner: string }) => r.owner);
    expect(owners).toEqual(['host-d']);
    for (const id of runIds) await d.host.submit(id, { event: { type: 'APPROVE' }, eventId: `cmd:${id}`, actor, mustApply: true });
    const done = async () => Number((await knex.raw("select count(*) as n from workflow_run where id = any(?::uuid[]) and status = 'completed'", [runIds])).rows[0].n);
    for (let i = 0; i < 200 && (await done()) < 3; i++) await new Promise((r) => setTimeout(r, 25));
    expect(await done()).toBe(3);
  });
});
