import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommittedBatch } from '../../../src/actors/commit-listeners.js';
import { createLogger } from '../../../src/observability/logger.js';
import { createRealtimeEmitter, type RealtimeEmitter } from '../../../src/realtime/redis-fanout.js';
import { attachRealtime, type Realtime } from '../../../src/realtime/realtime.server.js';
import { RunEventPublisher } from '../../../src/realtime/run-event-publisher.js';
import { connectClient, withoutTimes, type TestClient } from '../../helpers/realtime-client.js';
import { TEST_REDIS_URL, command, seedTask, startRun, usePlatform, waitForRun, type TestPlatform } from '../../helpers/test-engine.js';

/**
 * Redis mode: the platform's Socket.IO server (with the run host) and a second Socket.IO server on
 * its own port (no run host: another web instance) share rooms through the Redis adapter.
 */
const platform = usePlatform({ adapter: 'in-process', realtime: { redis: true } });

let p: TestPlatform;
let second: { http: HttpServer; rt: Realtime; url: string };
let emitter: RealtimeEmitter;
const clients: TestClient[] = [];
const redis = () => ({ url: TEST_REDIS_URL, key: `${p.prefix}:realtime` });

beforeAll(async () => {
  p = platform.current;
  const http = createServer();
  const rt = await attachRealtime({ server: http, orm: p.db.orm, host: { onCommit: () => () => {} }, logger: createLogger({ level: 'silent' }), redis: redis() });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  second = { http, rt, url: `http://127.0.0.1:${(http.address() as AddressInfo).port}` };
  emitter = await createRealtimeEmitter(redis());
});

afterAll(async () => {
  for (const c of clients) c.close();
  await emitter?.close();
  await second?.rt.close();
  await new Promise((r) => second?.http.close(r));
});

const connect = async (url: string, key: string) => {
  const c = await connectClient(url, { token: key });
  clients.push(c);
  return c;
};

describe('realtime through the Redis adapter', () => {
  it('a client of another instance receives the steps of a run committed here, the same as a client of this instance; other tenants see nothing', async () => {
    const a = await p.tenant();
    const b = await p.tenant();
    const task = await seedTask(p, a.key);
    const local = await connect(p.url ?? '', a.key);
    const remote = await connect(second.url, a.key);
    const remoteList = await connect(second.url, a.key);
    const stranger = await connect(second.url, b.key);
    expect((await stranger.subscribe({ runs: true })).ok).toBe(true);
    expect((await remoteList.subscribe({ runs: true })).ok).toBe(true);

    const runId = await startRun(p, a.key, { taskId: task, mode: 'supervised' });
    const acks = await Promise.all([local.subscribe({ runId, lastSeq: 0 }), remote.subscribe({ runId, lastSeq: 0 })]);
    expect(acks.every((x) => x.ok)).toBe(true);
    expect(await stranger.subscribe({ runId, lastSeq: 0 })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    await waitForRun(p, a.key, runId, (r) => r.status === 'waiting_approval');
    expect((await command(p, a.key, runId, 'approve', {})).statusCode).toBe(202);
    await waitForRun(p, a.key, runId, (r) => r.status === 'completed');
    const completed = (e: { type: string; to?: string }) => e.type === 'run.transition' && e.to === 'completed';
    await Promise.all([local.waitFor(completed), remote.waitFor(completed)]);

    const after = Math.max(...acks.map((x) => (x.ok ? x.lastSeq : 0)));
    const liveOf = (c: TestClient) => withoutTimes(c.events.filter((e) => e.runId === runId && e.seq > after));
    expect(liveOf(remote).length).toBeGreaterThan(5);
    expect(liveOf(remote)).toEqual(liveOf(local));
    expect(remoteList.runList.filter((e) => e.runId === runId).map((e) => e.status)).toEqual(expect.arrayContaining(['waiting_approval', 'running', 'completed']));
    await new Promise((r) => setTimeout(r, 100));
    expect(stranger.events).toEqual([]);
    expect(stranger.runList).toEqual([]);
  });

  it('an emitter (a process without clients) publishes committed steps into the rooms of every instance', async () => {
    const a = await p.tenant();
    const task = await seedTask(p, a.key);
    const runId = await startRun(p, a.key, { taskId: task, mode: 'autopilot' });
    await waitForRun(p, a.key, runId, (r) => r.status === 'completed');
    const onFirst = await connect(p.url ?? '', a.key);
    const onSecond = await connect(second.url, a.key);
    for (const c of [onFirst, onSecond]) expect((await c.subscribe({ runId })).ok).toBe(true);

    const publisher = new RunEventPublisher({ knex: () => p.db.orm.em.getKnex(), target: emitter.target, logger: createLogger({ level: 'silent' }) });
    const batch: CommittedBatch = {
      bytes: 0, committedAt: Date.now(), snapshots: [], results: [],
      events: [{
        runId, tenantId: a.id, seq: 1000, type: 'RESUME', payload: {}, fromState: 'completed', toState: 'completed', version: 1000, at: Date.now(),
        stages: [], costBefore: 0, costUsd: 0,
      }],
    };
    publisher.publish(batch);
    const got = await Promise.all([onFirst, onSecond].map((c) => c.waitFor((e) => e.seq === 1000, 5000)));
    for (const e of got) expect(e).toMatchObject({ type: 'run.transition', runId, seq: 1000, n: 0, event: 'RESUME', version: 1000 });
  });
});
