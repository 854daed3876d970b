import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { rowCounts } from '../../helpers/test-db.js';
import { command, seedTask, startRun, usePlatform, waitForRun, type TestPlatform } from '../../helpers/test-engine.js';

const platform = usePlatform({ adapter: 'in-process' });

let p: TestPlatform;
let a: { id: string; key: string };
let b: { id: string; key: string };
/** Tenant A's own task and runs. */
let aTask: string;
let aRuns: string[];
/** Tenant B's records: tenant A's key must never see or touch them. */
let bTask: string;
let bWaiting: string;
let bCompleted: string;
let bWaitingVersion: number;

interface RunSummary { id: string; taskId: string; status: string }
const listOf = async (key: string, query = '') => {
  const res = await p.call(key, { method: 'GET', url: `/v2/runs${query}` });
  expect(res.statusCode).toBe(200);
  return (res.json() as { items: RunSummary[]; nextCursor: string | null }).items;
};

beforeAll(async () => {
  p = platform.current;
  a = await p.tenant();
  b = await p.tenant();
  aTask = await seedTask(p, a.key);
  aRuns = [await startRun(p, a.key, { taskId: aTask, mode: 'autopilot' }), await startRun(p, a.key, { taskId: aTask, mode: 'supervised' })];
  await waitForRun(p, a.key, aRuns[0] as string, (r) => r.status === 'completed');
  await waitForRun(p, a.key, aRuns[1] as string, (r) => r.status === 'waiting_approval');
  bTask = await seedTask(p, b.key, { channels: ['instagram'] });
  bWaiting = await startRun(p, b.key, { taskId: bTask, mode: 'supervised' });
  bCompleted = await startRun(p, b.key, { taskId: bTask, mode: 'autopilot' });
  bWaitingVersion = (await waitForRun(p, b.key, bWaiting, (r) => r.status === 'waiting_approval')).version;
  await waitForRun(p, b.key, bCompleted, (r) => r.status === 'completed');
});

describe('tenant isolation of runs', () => {
  it("tenant A's key gets 404 on every run route that names one of tenant B's runs, and nothing is written", async () => {
    const before = await rowCounts(p.db.orm);
    for (const run of [bWaiting, bCompleted]) {
      const routes: Array<{ method: 'GET' | 'POST'; url: string; payload?: object; ifMatch?: string }> = [
        { method: 'GET', url: `/v2/runs/${run}` },
        { method: 'GET', url: `/v2/runs/${run}/timeline` },
        { method: 'GET', url: `/v2/runs/${run}/timeline?limit=1` },
        { method: 'POST', url: `/v2/runs/${run}/approve`, payload: { note: 'not mine' } },
        { method: 'POST', url: `/v2/runs/${run}/approve`, payload: {}, ifMatch: `"${bWaitingVersion}"` },
        { method: 'POST', url: `/v2/runs/${run}/approve`, payload: {}, ifMatch: '"1"' },
        { method: 'POST', url: `/v2/runs/${run}/request-rework`, payload: { feedback: 'x' } },
        { method: 'POST', url: `/v2/runs/${run}/request-rework`, payload: { feedback: 'x', stages: ['draft'] } },
        { method: 'POST', url: `/v2/runs/${run}/request-rework`, payload: { feedback: 'x', stages: ['no-such-stage'] } },
        { method: 'POST', url: `/v2/runs/${run}/cancel`, payload: { reason: 'x' } },
        { method: 'POST', url: `/v2/runs/${run}/resume` },
      ];
      for (const r of routes) {
        const res = await p.call(a.key, {
          method: r.method, url: r.url, ...(r.payload ? { payload: r.payload } : {}),
          headers: { ...(r.method === 'POST' ? { 'idempotency-key': randomUUID() } : {}), ...(r.ifMatch ? { 'if-match': r.ifMatch } : {}) },
        });
        const body = res.json() as { error?: { code: string; details?: unknown } };
        expect({ route: `${r.method} ${r.url}`, status: res.statusCode, code: body.error?.code, details: body.error?.details }).toEqual({
          route: `${r.method} ${r.url}`, status: 404, code: 'NOT_FOUND', details: { kind: 'workflow_run', id: run },
        });
        // Nothing about the run leaks: not its state, version, plan or task.
        expect(res.body).not.toContain(bTask);
        expect(res.body).not.toMatch(/waiting_approval|completed|visual-brief/);
      }
    }
    expect(await rowCounts(p.db.orm)).toEqual(before);
    const still = await waitForRun(p, b.key, bWaiting, () => true);
    expect(still).toMatchObject({ status: 'waiting_approval', version: bWaitingVersion });
  });

  it("starting a run for tenant B's task with tenant A's key is a 404, and nothing is written", async () => {
    const before = await rowCounts(p.db.orm);
    for (const body of [{ taskId: bTask, mode: 'autopilot' }, { taskId: bTask, mode: 'supervised', tier: 'premium', template: 'campaign-content@1' }]) {
      const res = await p.call(a.key, { method: 'POST', url: '/v2/runs', payload: body, headers: { 'idempotency-key': randomUUID() } });
      expect(res.statusCode).toBe(404);
      expect((res.json() as { error: { code: string; message: string } }).error).toMatchObject({ code: 'NOT_FOUND', message: `task ${bTask} was not found` });
    }
    expect(await rowCounts(p.db.orm)).toEqual(before);
  });

  it("GET /v2/runs lists only the caller's runs, whatever the filter", async () => {
    const mine = await listOf(a.key, '?limit=100');
    expect(mine.map((r) => r.id).sort()).toEqual([...aRuns].sort());
    expect(new Set(mine.map((r) => r.taskId))).toEqual(new Set([aTask]));
    expect(await listOf(a.key, `?taskId=${bTask}`)).toEqual([]);
    expect((await listOf(a.key, '?status=waiting_approval')).map((r) => r.id)).toEqual([aRuns[1]]);
    expect((await listOf(a.key, '?status=completed')).map((r) => r.id)).toEqual([aRuns[0]]);
    const theirs = await listOf(b.key, '?limit=100');
    expect(theirs.map((r) => r.id).sort()).toEqual([bWaiting, bCompleted].sort());
  });

  it("a cursor made from tenant B's run id still pages only tenant A's runs", async () => {
    const cursor = Buffer.from(bCompleted, 'utf8').toString('base64url');
    const page = await listOf(a.key, `?cursor=${cursor}&limit=100`);
    const expected = aRuns.filter((id) => id < bCompleted).sort().reverse();
    expect(expected.length).toBeGreaterThan(0);
    expect(page.map((r) => r.id)).toEqual(expected);
  });

  it("tenant A's audit trail has no event about tenant B's runs", async () => {
    const res = await p.call(a.key, { method: 'GET', url: '/v2/audit?targetType=workflow_run&limit=100' });
    expect(res.statusCode).toBe(200);
    const targets = new Set((res.json() as { items: Array<{ targetId: string }> }).items.map((e) => e.targetId));
    expect(targets).toEqual(new Set(aRuns));
    for (const run of [bWaiting, bCompleted]) {
      const filtered = await p.call(a.key, { method: 'GET', url: `/v2/audit?targetId=${run}` });
      expect((filtered.json() as { items: unknown[] }).items).toEqual([]);
    }
  });

  it('Idempotency-Keys are per tenant: the same key in another tenant is a new request, not a replay', async () => {
    const shared = `shared-${randomUUID()}`;
    const first = await p.call(a.key, { method: 'POST', url: '/v2/runs', payload: { taskId: aTask, mode: 'autopilot' }, headers: { 'idempotency-key': shared } });
    expect(first.statusCode).toBe(202);
    const aRun = (first.json() as { id: string }).id;
    const other = await p.call(b.key, { method: 'POST', url: '/v2/runs', payload: { taskId: bTask, mode: 'autopilot' }, headers: { 'idempotency-key': shared } });
    expect(other.statusCode).toBe(202);
    expect(other.headers['idempotent-replayed']).toBeUndefined();
    const bRun = (other.json() as { id: string }).id;
    expect(bRun).not.toBe(aRun);
    expect(other.body).not.toContain(aRun);
    // B replaying its own request gets its own run back.
    const replay = await p.call(b.key, { method: 'POST', url: '/v2/runs', payload: { taskId: bTask, mode: 'autopilot' }, headers: { 'idempotency-key': shared } });
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect((replay.json() as { id: string }).id).toBe(bRun);
    await waitForRun(p, a.key, aRun, (r) => r.status === 'completed');
    await waitForRun(p, b.key, bRun, (r) => r.status === 'completed');
    aRuns.push(aRun);
  });

  it("a key tenant A spent on a refused request for B's run does not block tenant B", async () => {
    const shared = `spent-${randomUUID()}`;
    const refused = await command(p, a.key, bWaiting, 'approve', {}, { 'idempotency-key': shared });
    expect(refused.statusCode).toBe(404);
    const approved = await command(p, b.key, bWaiting, 'approve', {}, { 'idempotency-key': shared });
    expect(approved.statusCode).toBe(202);
    expect(approved.json()).toMatchObject({ id: bWaiting, status: 'running', version: bWaitingVersion + 1 });
    await waitForRun(p, b.key, bWaiting, (r) => r.status === 'completed');
  });
});
