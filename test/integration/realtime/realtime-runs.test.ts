import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StageHandler } from '../../../src/contracts/execution.js';
import type { RealtimeEvent } from '../../../src/contracts/realtime.js';
import { uuidv7 } from '../../../src/domain/ids.js';
import type { WorkflowTemplateInput } from '../../../src/planner/template.js';
import { connectClient, refusalOf, withoutTimes, type TestClient } from '../../helpers/realtime-client.js';
import { command, seedTask, startRun, usePlatform, waitForRun, type TestPlatform } from '../../helpers/test-engine.js';

/** A stage that costs money and records a metered tool call, like an agent calling a model. */
let meteredTokens = 0;
const pricedHandler: StageHandler = {
  kind: 'test.priced',
  description: 'costs $0.25 and records a tool call of 100 + 20 tokens',
  async run(input) {
    await platform.current.db.orm.em.getKnex().raw(
      `insert into tool_call (id, tenant_id, idempotency_key, tool, version, side_effect, provider, run_id, stage_id, outcome, input_hash,
         cost_usd, input_tokens, output_tokens, tries, duration_ms, created_at)
       values (?, ?, ?, 'llm.complete', '1.0.0', 'none', 'test', ?, ?, 'ok', 'h', 0.25, 100, 20, 1, 1, now())`,
      [uuidv7(), input.tenantId, `${input.key}:0`, input.runId, input.stageId],
    );
    meteredTokens += 120;
    return { output: { priced: input.stageId }, costUsd: 0.25 };
  },
};
const pricedTemplate: WorkflowTemplateInput = {
  name: 'priced', version: 1,
  stages: [{ id: 'a', kind: 'test.priced' }, { id: 'b', kind: 'test.priced', dependsOn: ['a'] }],
  review: { kind: 'gate.pass' }, consolidate: null, learn: null,
};

const platform = usePlatform({ adapter: 'in-process', realtime: true, handlers: [pricedHandler], templates: [pricedTemplate] });

let p: TestPlatform;
let url: string;
let a: { id: string; key: string };
let b: { id: string; key: string };
let aTask: string;
let bTask: string;
let reader: pg.Pool;
const clients: TestClient[] = [];

const connect = async (key: string) => {
  const c = await connectClient(url, { token: key });
  clients.push(c);
  return c;
};

/** The run's events, by step: contiguous `seq` from 1, `n` from 0, `run.transition` last. */
function expectWellFormed(events: RealtimeEvent[], lastSeq: number) {
  const bySeq = new Map<number, RealtimeEvent[]>();
  for (const e of events) bySeq.set(e.seq, [...(bySeq.get(e.seq) ?? []), e]);
  expect([...bySeq.keys()]).toEqual(Array.from({ length: lastSeq }, (_, i) => i + 1));
  for (const step of bySeq.values()) {
    expect(step.map((e) => e.n)).toEqual(step.map((_, i) => i));
    expect(step.map((e) => e.type).lastIndexOf('run.transition')).toBe(step.length - 1);
    expect(step.filter((e) => e.type === 'run.transition')).toHaveLength(1);
  }
}

beforeAll(async () => {
  p = platform.current;
  url = p.url ?? '';
  a = await p.tenant();
  b = await p.tenant();
  aTask = await seedTask(p, a.key);
  bTask = await seedTask(p, b.key);
  reader = new pg.Pool({ connectionString: p.db.url, max: 2 });
});

afterAll(async () => {
  for (const c of clients) c.close();
  await reader?.end();
});

describe('realtime handshake', () => {
  it('refuses a missing, unknown, revoked or malformed key with a connect_error saying why, and accepts a Bearer header', async () => {
    expect(await refusalOf(url, {})).toMatch(/^UNAUTHENTICATED: missing API key/);
    expect(await refusalOf(url, { token: 'vmp_00000000_nope' })).toBe('UNAUTHENTICATED: unknown or revoked API key');
    expect(await refusalOf(url, { token: 'two words' })).toMatch(/^UNAUTHENTICATED: malformed auth.token/);
    expect(await refusalOf(url, { authorization: 'Basic abc' })).toMatch(/^UNAUTHENTICATED: malformed Authorization header/);
    expect(await refusalOf(url, { authorization: `Bearer ${a.key}x` })).toBe('UNAUTHENTICATED: unknown or revoked API key');

    const t = await p.tenant();
    const revoke = await p.call(t.key, { method: 'GET', url: '/v2/api-keys' });
    const keyId = (revoke.json() as { items: Array<{ id: string }> }).items[0]?.id;
    expect((await p.call(t.key, { method: 'POST', url: `/v2/api-keys/${keyId}/revoke` })).statusCode).toBeLessThan(300);
    expect(await refusalOf(url, { token: t.key })).toBe('UNAUTHENTICATED: unknown or revoked API key');

    const viaHeader = await connectClient(url, { authorization: `Bearer ${a.key}` });
    clients.push(viaHeader);
    expect(viaHeader.socket.connected).toBe(true);
    expect(await viaHeader.subscribe({ runs: true })).toEqual({ ok: true, missed: [], lastSeq: 0 });
  });
});

describe('realtime subscribe', () => {
  it('refuses malformed payloads and ids with VALIDATION, and another tenant\'s or an unknown run with the same NOT_FOUND', async () => {
    const c = await connect(a.key);
    for (const bad of [null, 'run', {}, { runId: '' }, { runId: 'x', extra: 1 }, { runId: randomUUID(), lastSeq: -1 }, { runId: randomUUID(), lastSeq: 1.5 }, { runs: false }]) {
      const ack = await c.subscribe(bad);
      expect(ack).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
      if (!ack.ok) expect(ack.error.message).toMatch(/^subscribe must be \{runId, lastSeq\?\} or \{runs: true\}/);
    }
    expect(await c.subscribe({ runId: 'not-a-uuid' })).toEqual({ ok: false, error: { code: 'VALIDATION', message: 'runId: must be a run id (UUID), got "not-a-uuid"' } });

    const bRun = await startRun(p, b.key, { taskId: bTask, mode: 'autopilot' });
    await waitForRun(p, b.key, bRun, (r) => r.status === 'completed');
    const unknown = randomUUID();
    const foreign = await c.subscribe({ runId: bRun, lastSeq: 0 });
    const missing = await c.subscribe({ runId: unknown, lastSeq: 0 });
    expect(foreign).toEqual({ ok: false, error: { code: 'NOT_FOUND', message: `workflow_run ${bRun} was not found` } });
    expect(missing).toEqual({ ok: false, error: { code: 'NOT_FOUND', message: `workflow_run ${unknown} was not found` } });
    expect(await c.subscribe({ runId: bRun })).toEqual(foreign);
    expect([...p.realtime?.io.of('/').adapter.rooms.keys() ?? []].some((r) => r.includes(bRun))).toBe(false);
    expect(await c.unsubscribe({ runId: 5 })).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
  });

  it('delivers every step of a run in order (contiguous seq, run.transition last), each only after its commit, and the same events as a replay', async () => {
    const watcher = await connect(a.key);
    const checks: Array<Promise<{ seq: number; found: boolean }>> = [];
    watcher.socket.on('run.transition', (e: RealtimeEvent) => {
      // Read from a separate connection when the event arrives: the step's row must be committed.
      checks.push(reader.query('select 1 from run_event where run_id = $1 and seq = $2', [e.runId, e.seq]).then((r) => ({ seq: e.seq, found: r.rowCount === 1 })));
    });
    // A run can be subscribed to once it exists: start it, then subscribe from its first step.
    const started = await startRun(p, a.key, { taskId: aTask, mode: 'supervised' });
    const ack = await watcher.subscribe({ runId: started, lastSeq: 0 });
    expect(ack.ok).toBe(true);
    if (!ack.ok) return;
    await waitForRun(p, a.key, started, (r) => r.status === 'waiting_approval');
    expect((await command(p, a.key, started, 'approve', { note: 'ok' })).statusCode).toBe(202);
    const done = await waitForRun(p, a.key, started, (r) => r.status === 'completed');
    await watcher.waitFor((e) => e.type === 'run.transition' && e.to === 'completed');

    // Ack (history up to then) + live events, duplicates (same seq and n) dropped: the whole run.
    const seen = new Set<string>();
    const all = [...ack.missed, ...watcher.events.filter((e) => e.runId === started && e.seq > ack.lastSeq)].filter((e) => {
      const id = `${e.seq}:${e.n}`;
      return seen.has(id) ? false : (seen.add(id), true);
    });
    const last = all.filter((e) => e.type === 'run.transition').at(-1);
    expect(last).toMatchObject({ to: 'completed', version: done.version });
    expectWellFormed(all, last?.seq ?? 0);
    expect(all.filter((e) => e.type === 'run.transition').map((e) => (e as { to: string }).to)).toEqual(expect.arrayContaining(['running.executing', 'waiting_approval', 'completed']));
    expect(all.some((e) => e.type === 'stage.transition' && e.stageId === 'draft' && e.to === 'succeeded')).toBe(true);
    expect(all.find((e) => e.type === 'gate.result')).toMatchObject({ stageId: '$review', passed: true, score: 1, gates: [] });

    // Live events arrive in order and each was committed before it was sent.
    const live = watcher.events.filter((e) => e.runId === started && e.seq > ack.lastSeq);
    expect(live.length).toBeGreaterThan(0);
    expect(live.map((e) => [e.seq, e.n])).toEqual([...live].sort((x, y) => x.seq - y.seq || x.n - y.n).map((e) => [e.seq, e.n]));
    const committed = await Promise.all(checks);
    expect(committed.length).toBeGreaterThan(0);
    expect(committed.filter((c) => !c.found)).toEqual([]);

    // A replay from the timeline maps every step exactly like it was published live (but `at`).
    const replay = await watcher.subscribe({ runId: started, lastSeq: 0 });
    expect(replay.ok && replay.lastSeq).toBe(last?.seq);
    if (replay.ok) expect(withoutTimes(replay.missed.filter((e) => e.seq > ack.lastSeq))).toEqual(withoutTimes(live));
  });

  it('after a reconnect with lastSeq, the ack carries exactly the missed steps, in order', async () => {
    const steady = await connect(a.key);
    const flaky = await connect(a.key);
    const runId = await startRun(p, a.key, { taskId: aTask, mode: 'supervised' });
    for (const c of [steady, flaky]) expect((await c.subscribe({ runId, lastSeq: 0 })).ok).toBe(true);
    await waitForRun(p, a.key, runId, (r) => r.status === 'waiting_approval');
    await flaky.waitFor((e) => e.runId === runId && e.type === 'run.transition' && e.to === 'waiting_approval');
    const lastSeen = Math.max(...flaky.events.filter((e) => e.runId === runId && e.type === 'run.transition').map((e) => e.seq));
    flaky.close();

    expect((await command(p, a.key, runId, 'approve', {})).statusCode).toBe(202);
    await waitForRun(p, a.key, runId, (r) => r.status === 'completed');
    await steady.waitFor((e) => e.runId === runId && e.type === 'run.transition' && e.to === 'completed');

    const back = await connect(a.key);
    const ack = await back.subscribe({ runId, lastSeq: lastSeen });
    expect(ack.ok).toBe(true);
    if (!ack.ok) return;
    const missedLive = steady.events.filter((e) => e.runId === runId && e.seq > lastSeen);
    expect(missedLive.length).toBeGreaterThan(3);
    expect(withoutTimes(ack.missed)).toEqual(withoutTimes(missedLive));
    expect(ack.lastSeq).toBe(missedLive.at(-1)?.seq);
    expect(ack.missed[0]?.seq).toBe(lastSeen + 1);
    // Replayed times are the steps' recorded times: never after the live commit time.
    for (const [i, e] of ack.missed.entries()) expect(e.at).toBeLessThanOrEqual(missedLive[i]?.at ?? 0);
    // Without lastSeq nothing is replayed; the ack says where the live stream starts.
    expect(await back.subscribe({ runId })).toEqual({ ok: true, missed: [], lastSeq: ack.lastSeq });
  });

  it("a tenant's run-list subscriber gets its own runs' status changes and never another tenant's events", async () => {
    const aList = await connect(a.key);
    const bList = await connect(b.key);
    expect((await aList.subscribe({ runs: true })).ok).toBe(true);
    expect((await bList.subscribe({ runs: true })).ok).toBe(true);
    const aRun = await startRun(p, a.key, { taskId: aTask, mode: 'autopilot' });
    const bRun = await startRun(p, b.key, { taskId: bTask, mode: 'autopilot' });
    await waitForRun(p, a.key, aRun, (r) => r.status === 'completed');
    await waitForRun(p, b.key, bRun, (r) => r.status === 'completed');
    await new Promise((r) => setTimeout(r, 200));
    expect(aList.runList.filter((e) => e.runId === aRun).map((e) => e.status)).toEqual(['running', 'completed']);
    expect(bList.runList.filter((e) => e.runId === bRun).map((e) => e.status)).toEqual(['running', 'completed']);
    expect(bList.runList.filter((e) => e.runId !== bRun)).toEqual([]);
    expect(bList.events).toEqual([]);
    expect(aList.runList.some((e) => e.runId === bRun)).toBe(false);

    expect(await aList.unsubscribe({ runs: true })).toEqual({ ok: true });
    const later = await startRun(p, a.key, { taskId: aTask, mode: 'autopilot' });
    await waitForRun(p, a.key, later, (r) => r.status === 'completed');
    await new Promise((r) => setTimeout(r, 100));
    expect(aList.runList.some((e) => e.runId === later)).toBe(false);
  });

  it('publishes run.cost when a stage adds cost, with the tokens of the finished stages, live and in replay alike', async () => {
    const c = await connect(a.key);
    expect((await c.subscribe({ runs: true })).ok).toBe(true);
    const runId = await startRun(p, a.key, { taskId: aTask, mode: 'autopilot', template: 'priced' });
    const ack = await c.subscribe({ runId, lastSeq: 0 });
    const done = await waitForRun(p, a.key, runId, (r) => r.status === 'completed');
    await c.waitFor((e) => e.runId === runId && e.type === 'run.transition' && e.to === 'completed');
    const replay = await c.subscribe({ runId, lastSeq: 0 });
    expect(ack.ok && replay.ok).toBe(true);
    if (!replay.ok) return;
    const costs = replay.missed.filter((e) => e.type === 'run.cost');
    expect(costs.map((e) => (e.type === 'run.cost' ? [e.costUsd, e.tokens] : null))).toEqual([[0.25, 120], [0.5, 240]]);
    expect(done.costUsd).toBe(0.5);
    const live = c.events.filter((e) => e.runId === runId);
    const liveSeqs = new Set(live.map((e) => e.seq));
    expect(withoutTimes(live)).toEqual(withoutTimes(replay.missed.filter((e) => liveSeqs.has(e.seq))));
    expect(live.filter((e) => e.type === 'run.cost').length).toBeGreaterThan(0);
    expect(meteredTokens).toBeGreaterThanOrEqual(240);
  });
});
