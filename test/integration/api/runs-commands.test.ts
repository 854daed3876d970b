import { randomUUID } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { WorkflowTemplateInput } from '../../../src/planner/template.js';
import { rowCounts } from '../../helpers/test-db.js';
import { command, seedTask, startRun, usePlatform, waitForRun, type TestPlatform } from '../../helpers/test-engine.js';

/** One slow content stage: a run on it stays `running` until it is cancelled. */
const SLOW: WorkflowTemplateInput = {
  name: 'slow-draft', version: 1, description: 'one stage that takes 30 s',
  stages: [{ id: 'draft', kind: 'echo', content: true, params: { delayMs: 30_000 } }],
  review: { kind: 'gate.pass' }, consolidate: { kind: 'consolidate.noop' }, learn: { kind: 'learn.noop' },
  maxReworkRounds: 1, approvalDeadlineMs: null,
};
/** One fast stage and an approval deadline of one second: a supervised run on it pauses. */
const PAUSING: WorkflowTemplateInput = {
  name: 'quick-pause', version: 1, description: 'pauses 1 s after it starts waiting for approval',
  stages: [{ id: 'draft', kind: 'echo', content: true }],
  review: { kind: 'gate.pass' }, consolidate: { kind: 'consolidate.noop' }, learn: { kind: 'learn.noop' },
  maxReworkRounds: 1, approvalDeadlineMs: 1000,
};

const platform = usePlatform({ adapter: 'in-process', templates: [SLOW, PAUSING] });

let p: TestPlatform;
let key: string;
let tenantId: string;
let taskId: string;

beforeAll(async () => {
  p = platform.current;
  ({ key, id: tenantId } = await p.tenant());
  taskId = await seedTask(p, key);
});

/** Waits until no run of the platform is queued or running, so row counts are stable between tests. */
async function quiesce(): Promise<void> {
  const deadline = Date.now() + 20_000;
  const knex = p.db.orm.em.getKnex();
  for (;;) {
    const res = await knex.raw<{ rows: Array<{ n: string }> }>("select count(*)::text as n from workflow_run where status in ('queued', 'running')");
    if (Number(res.rows[0]?.n) === 0) return;
    if (Date.now() > deadline) throw new Error('runs are still moving after 20 s');
    await new Promise((r) => setTimeout(r, 25));
  }
}
afterEach(quiesce);

interface ErrorJson { error: { code: string; message: string; details?: Record<string, unknown>; requestId: string } }
const errorOf = (res: LightMyRequestResponse) => (res.json() as ErrorJson).error;

const postRun = (body: unknown, headers: Record<string, string> = {}) =>
  p.call(key, { method: 'POST', url: '/v2/runs', payload: body as object, headers });

/** Rows of one table that belong to this file's tenant. */
async function tenantRows(table: 'workflow_run' | 'command_record' | 'context_snapshot' | 'run_event', where = ''): Promise<number> {
  const res = await p.db.orm.em.getKnex().raw<{ rows: Array<{ n: string }> }>(
    `select count(*)::text as n from "${table}" where tenant_id = ? ${where}`, [tenantId],
  );
  return Number(res.rows[0]?.n);
}

const getRun = async (runId: string) => {
  const res = await p.call(key, { method: 'GET', url: `/v2/runs/${runId}` });
  expect(res.statusCode).toBe(200);
  return { run: res.json() as { status: string; state: string; version: number; round: number }, etag: res.headers.etag };
};

/** A supervised run of the default template, waiting for approval. */
async function waitingRun(): Promise<string> {
  const runId = await startRun(p, key, { taskId, mode: 'supervised' });
  await waitForRun(p, key, runId, (r) => r.status === 'waiting_approval');
  return runId;
}

describe('POST /v2/runs needs an Idempotency-Key', () => {
  it('refuses a start without the header: 400 naming Idempotency-Key, nothing written', async () => {
    const before = await rowCounts(p.db.orm);
    const res = await postRun({ taskId, mode: 'autopilot' });
    expect(res.statusCode).toBe(400);
    const error = errorOf(res);
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.message).toContain('Idempotency-Key');
    expect(error.details?.issues).toEqual([expect.objectContaining({ path: 'headers.idempotency-key' })]);
    expect(await rowCounts(p.db.orm)).toEqual(before);
  });

  it.each([
    ['with a space', 'has space'],
    ['of 300 characters', 'k'.repeat(300)],
    ['of 201 characters', 'k'.repeat(201)],
    ['with a slash', 'a/b'],
    ['with non-ASCII letters', 'clé-1'],
  ])('refuses a key %s: 400 naming the header, nothing written', async (_label, idem) => {
    const before = await rowCounts(p.db.orm);
    const res = await postRun({ taskId, mode: 'autopilot' }, { 'idempotency-key': idem });
    expect(res.statusCode).toBe(400);
    expect(errorOf(res)).toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringContaining('Idempotency-Key') as unknown });
    expect(await rowCounts(p.db.orm)).toEqual(before);
  });

  it('accepts a key of exactly 200 allowed characters', async () => {
    const idem = `A.b_c:d-${'9'.repeat(192)}`;
    expect(idem).toHaveLength(200);
    const res = await postRun({ taskId, mode: 'autopilot' }, { 'idempotency-key': idem });
    expect(res.statusCode).toBe(202);
    await waitForRun(p, key, (res.json() as { id: string }).id, (r) => r.status === 'completed');
  });

  it('refuses a command without the header too (approve)', async () => {
    const runId = await waitingRun();
    const res = await p.call(key, { method: 'POST', url: `/v2/runs/${runId}/approve`, payload: {} });
    expect(res.statusCode).toBe(400);
    expect(errorOf(res).message).toContain('Idempotency-Key');
    expect((await getRun(runId)).run.status).toBe('waiting_approval');
  });
});

describe('idempotent replays', () => {
  it('the same key and body answers the first answer again, with idempotent-replayed: true and no second run', async () => {
    const idem = `start-${randomUUID()}`;
    const body = { taskId, mode: 'autopilot' };
    const first = await postRun(body, { 'idempotency-key': idem });
    expect(first.statusCode).toBe(202);
    const answer = first.json() as { id: string; status: string; state: string; version: number };
    expect(answer).toEqual({ id: expect.any(String) as unknown, status: 'running', state: 'running.executing', version: 1 });
    expect(first.headers.location).toBe(`/v2/runs/${answer.id}`);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    await waitForRun(p, key, answer.id, (r) => r.status === 'completed');

    const before = await rowCounts(p.db.orm);
    const again = await postRun(body, { 'idempotency-key': idem });
    expect(again.statusCode).toBe(202);
    expect(again.headers['idempotent-replayed']).toBe('true');
    // The stored first answer, not the run's state now (it has completed since).
    expect(again.json()).toEqual(answer);
    expect(await rowCounts(p.db.orm)).toEqual(before);
    expect(await tenantRows('workflow_run', `and id = '${answer.id}'`)).toBe(1);
  });

  it('the same key with another body is refused with 422 IDEMPOTENCY_KEY_REUSED, nothing written', async () => {
    const idem = `start-${randomUUID()}`;
    const started = await postRun({ taskId, mode: 'autopilot' }, { 'idempotency-key': idem });
    expect(started.statusCode).toBe(202);
    const runId = (started.json() as { id: string }).id;
    await waitForRun(p, key, runId, (r) => r.status === 'completed');
    const before = await rowCounts(p.db.orm);
    for (const body of [{ taskId, mode: 'supervised' }, { taskId, mode: 'autopilot', tier: 'premium' }]) {
      const res = await postRun(body, { 'idempotency-key': idem });
      expect(res.statusCode).toBe(422);
      const error = errorOf(res);
      expect(error.code).toBe('IDEMPOTENCY_KEY_REUSED');
      expect(error.message).toContain(idem);
      expect(error.details).toEqual({ command: 'start', runId });
    }
    // A key spent on a start cannot be reused for a command either.
    const approve = await command(p, key, runId, 'approve', {}, { 'idempotency-key': idem });
    expect(approve.statusCode).toBe(422);
    expect(errorOf(approve).code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await rowCounts(p.db.orm)).toEqual(before);
  });

  it('a command replayed with the same key gets the first answer; no second event is written', async () => {
    const runId = await waitingRun();
    const idem = `approve-${randomUUID()}`;
    const first = await command(p, key, runId, 'approve', { note: 'ship it' }, { 'idempotency-key': idem });
    expect(first.statusCode).toBe(202);
    expect(first.json()).toMatchObject({ id: runId, status: 'running', state: 'running.consolidating' });
    await waitForRun(p, key, runId, (r) => r.status === 'completed');
    const before = await rowCounts(p.db.orm);
    const again = await command(p, key, runId, 'approve', { note: 'ship it' }, { 'idempotency-key': idem });
    expect(again.statusCode).toBe(202);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(first.json());
    expect(await rowCounts(p.db.orm)).toEqual(before);
    const other = await command(p, key, runId, 'approve', { note: 'something else' }, { 'idempotency-key': idem });
    expect(other.statusCode).toBe(422);
    expect(errorOf(other)).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED', details: { command: 'approve', runId } });
  });

  it('a refused command does not spend its key: the same request succeeds once the run accepts it', async () => {
    const runId = await startRun(p, key, { taskId, mode: 'supervised', template: 'slow-draft' });
    await waitForRun(p, key, runId, (r) => r.status === 'running');
    const idem = `cancel-${randomUUID()}`;
    const early = await command(p, key, runId, 'approve', {}, { 'idempotency-key': idem });
    expect(early.statusCode).toBe(409);
    expect(await tenantRows('command_record', `and key = '${idem}'`)).toBe(0);
    const cancel = await command(p, key, runId, 'cancel', { reason: 'done testing' });
    expect(cancel.statusCode).toBe(202);
    // The key was not recorded, so a different request under it is a new request (here: refused for its state).
    const later = await command(p, key, runId, 'approve', {}, { 'idempotency-key': idem });
    expect(later.statusCode).toBe(409);
    expect(errorOf(later)).toMatchObject({ code: 'INVALID_STATE', details: { status: 'cancelled' } });
  });

  /** Ids of the runs of a task, oldest first. */
  async function runsOfTask(task: string): Promise<string[]> {
    const res = await p.db.orm.em.getKnex().raw<{ rows: Array<{ id: string }> }>('select id from workflow_run where task_id = ? order by id', [task]);
    return res.rows.map((r) => r.id);
  }

  // Regression (fixed): RunService.once (src/actors/run-service.ts) looks up the stored command record *before* it
  // registers the request as in progress, so two identical requests that arrive together both find no
  // record, both call createRun and two runs are created; the second command_record insert is then
  // dropped by `on conflict do nothing` (src/persistence/runs/run-writer.ts). Both callers get 202
  // with different run ids and neither is marked as a replay.
  it('two concurrent identical starts with one key create one run and give both callers its id', async () => {
    for (let round = 0; round < 5; round++) {
      const idem = `race-${randomUUID()}`;
      const ownTask = await seedTask(p, key);
      const body = { taskId: ownTask, mode: 'autopilot' };
      const answers = await Promise.all([postRun(body, { 'idempotency-key': idem }), postRun(body, { 'idempotency-key': idem })]);
      expect(answers.map((r) => r.statusCode)).toEqual([202, 202]);
      const ids = answers.map((r) => (r.json() as { id: string }).id);
      expect(await runsOfTask(ownTask)).toEqual([ids[0]]);
      expect(ids[1]).toBe(ids[0]);
      expect(answers.filter((r) => r.headers['idempotent-replayed'] === 'true')).toHaveLength(1);
    }
  });

  // Regression (fixed): same cause as above, with more callers: each concurrent caller creates its own run.
  it('eight concurrent identical starts with one key create one run', async () => {
    const idem = `race8-${randomUUID()}`;
    const ownTask = await seedTask(p, key);
    const body = { taskId: ownTask, mode: 'autopilot' };
    const answers = await Promise.all(Array.from({ length: 8 }, () => postRun(body, { 'idempotency-key': idem })));
    expect(answers.map((r) => r.statusCode)).toEqual(Array.from({ length: 8 }, () => 202));
    expect(await runsOfTask(ownTask)).toHaveLength(1);
    expect(new Set(answers.map((r) => (r.json() as { id: string }).id)).size).toBe(1);
    // Only one command record can exist for the key; every answer must name the run it records.
    const stored = await p.db.orm.em.getKnex().raw<{ rows: Array<{ run_id: string }> }>('select run_id from command_record where key = ?', [idem]);
    expect(answers.map((r) => (r.json() as { id: string }).id)).toEqual(Array.from({ length: 8 }, () => stored.rows[0]?.run_id));
  });

  it('sequential starts with one key after a concurrent burst replay the recorded run', async () => {
    const idem = `after-${randomUUID()}`;
    const ownTask = await seedTask(p, key);
    const body = { taskId: ownTask, mode: 'autopilot' };
    const first = await postRun(body, { 'idempotency-key': idem });
    const replays = await Promise.all(Array.from({ length: 4 }, () => postRun(body, { 'idempotency-key': idem })));
    expect(replays.map((r) => [r.statusCode, r.headers['idempotent-replayed'], (r.json() as { id: string }).id])).toEqual(
      Array.from({ length: 4 }, () => [202, 'true', (first.json() as { id: string }).id]),
    );
    expect(await runsOfTask(ownTask)).toHaveLength(1);
  });
});

describe('commands refused for the run state', () => {
  it('approve on a running run: 409 INVALID_STATE with details.status running, nothing changes', async () => {
    const runId = await startRun(p, key, { taskId, mode: 'supervised', template: 'slow-draft' });
    try {
      await waitForRun(p, key, runId, (r) => r.status === 'running' && r.stages.some((s) => s.status === 'running'));
      const { run: before } = await getRun(runId);
      const counts = await rowCounts(p.db.orm);
      for (const [name, payload] of [['approve', { note: 'too early' }], ['request-rework', { feedback: 'more' }], ['resume', undefined]] as const) {
        const res = await command(p, key, runId, name, payload);
        expect({ name, status: res.statusCode }).toEqual({ name, status: 409 });
        const error = errorOf(res);
        expect(error.code).toBe('INVALID_STATE');
        expect(error.details).toMatchObject({ status: 'running', state: 'running.executing' });
        expect(error.message).toContain(runId);
      }
      expect(await rowCounts(p.db.orm)).toEqual(counts);
      expect((await getRun(runId)).run).toMatchObject({ status: 'running', version: before.version });
    } finally {
      expect((await command(p, key, runId, 'cancel', { reason: 'cleanup' })).statusCode).toBe(202);
    }
  });

  it('approve, cancel, rework and resume on a completed run: 409 INVALID_STATE with details.status completed', async () => {
    const runId = await startRun(p, key, { taskId, mode: 'autopilot' });
    const done = await waitForRun(p, key, runId, (r) => r.status === 'completed');
    const counts = await rowCounts(p.db.orm);
    for (const [name, payload] of [['approve', {}], ['cancel', { reason: 'late' }], ['request-rework', { feedback: 'x' }], ['resume', {}]] as const) {
      const res = await command(p, key, runId, name, payload);
      expect({ name, status: res.statusCode, code: errorOf(res).code, details: errorOf(res).details }).toEqual({
        name, status: 409, code: 'INVALID_STATE', details: { status: 'completed' },
      });
    }
    expect(await rowCounts(p.db.orm)).toEqual(counts);
    expect((await getRun(runId)).run.version).toBe(done.version);
  });

  it('resume on a run that is waiting for approval (not paused): 409 INVALID_STATE', async () => {
    const runId = await waitingRun();
    const counts = await rowCounts(p.db.orm);
    const res = await command(p, key, runId, 'resume');
    expect(res.statusCode).toBe(409);
    expect(errorOf(res)).toMatchObject({ code: 'INVALID_STATE', details: { status: 'waiting_approval', state: 'waiting_approval' } });
    expect(await rowCounts(p.db.orm)).toEqual(counts);
  });

  it('resume on a paused run brings it back to waiting for approval', async () => {
    const runId = await startRun(p, key, { taskId, mode: 'supervised', template: 'quick-pause' });
    const paused = await waitForRun(p, key, runId, (r) => r.status === 'paused', 10_000);
    const res = await command(p, key, runId, 'resume', undefined, { 'if-match': `"${paused.version}"` });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ id: runId, status: 'waiting_approval', state: 'waiting_approval', version: paused.version + 1 });
    // It pauses again after the new deadline; approving a paused run still works.
    const again = await waitForRun(p, key, runId, (r) => r.status === 'paused' && r.version > paused.version + 1, 10_000);
    const approve = await command(p, key, runId, 'approve');
    expect(approve.statusCode).toBe(202);
    expect(approve.json()).toMatchObject({ status: 'running', version: again.version + 1 });
    await waitForRun(p, key, runId, (r) => r.status === 'completed');
  });
});

describe('If-Match on commands', () => {
  it('a stale If-Match on approve and on cancel: 409 VERSION_CONFLICT with details.currentVersion, nothing changes', async () => {
    const runId = await waitingRun();
    const { run, etag } = await getRun(runId);
    expect(etag).toBe(`"${run.version}"`);
    const counts = await rowCounts(p.db.orm);
    for (const stale of [run.version - 1, run.version + 1, 1]) {
      for (const [name, payload] of [['approve', { note: 'ok' }], ['cancel', { reason: 'stop' }], ['request-rework', { feedback: 'again' }]] as const) {
        const res = await command(p, key, runId, name, payload, { 'if-match': `"${stale}"` });
        expect({ name, stale, status: res.statusCode }).toEqual({ name, stale, status: 409 });
        const error = errorOf(res);
        expect(error.code).toBe('VERSION_CONFLICT');
        expect(error.details).toMatchObject({ currentVersion: run.version, expectedVersion: stale });
      }
    }
    expect(await rowCounts(p.db.orm)).toEqual(counts);
    expect((await getRun(runId)).run).toMatchObject({ status: 'waiting_approval', version: run.version });
  });

  it('the ETag of GET /v2/runs/:id as If-Match is accepted (quoted, bare and weak forms)', async () => {
    const runId = await waitingRun();
    const { run, etag } = await getRun(runId);
    const res = await command(p, key, runId, 'approve', { note: 'fine' }, { 'if-match': String(etag) });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ id: runId, status: 'running', state: 'running.consolidating', version: run.version + 1 });
    const done = await waitForRun(p, key, runId, (r) => r.status === 'completed');
    expect((await getRun(runId)).etag).toBe(`"${done.version}"`);

    const other = await waitingRun();
    const current = (await getRun(other)).run.version;
    const bare = await command(p, key, other, 'request-rework', { feedback: 'shorter' }, { 'if-match': String(current) });
    expect(bare.statusCode).toBe(202);
    expect(bare.json()).toMatchObject({ status: 'running', version: current + 1 });
    const back = await waitForRun(p, key, other, (r) => r.status === 'waiting_approval' && r.version > current + 1);
    const weak = await command(p, key, other, 'cancel', { reason: 'enough' }, { 'if-match': `W/"${back.version}"` });
    expect(weak.statusCode).toBe(202);
    expect(weak.json()).toMatchObject({ status: 'cancelled', state: 'cancelled', version: back.version + 1 });
  });

  it('a malformed If-Match is a 400 naming the header', async () => {
    const runId = await waitingRun();
    const counts = await rowCounts(p.db.orm);
    for (const bad of ['abc', '"0"', '"-1"', '"1"x']) {
      const res = await command(p, key, runId, 'approve', {}, { 'if-match': bad });
      expect({ bad, status: res.statusCode }).toEqual({ bad, status: 400 });
      expect(errorOf(res).message).toContain('If-Match');
    }
    expect(await rowCounts(p.db.orm)).toEqual(counts);
  });
});

describe('commands that change a run', () => {
  it('cancel stops a running run and aborts the attempt in flight', async () => {
    const runId = await startRun(p, key, { taskId, mode: 'autopilot', template: 'slow-draft' });
    const running = await waitForRun(p, key, runId, (r) => r.stages.some((s) => s.stageId === 'draft' && s.status === 'running'));
    const res = await command(p, key, runId, 'cancel', { reason: 'wrong brief' });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ id: runId, status: 'cancelled', state: 'cancelled', version: running.version + 1 });
    const run = await waitForRun(p, key, runId, (r) => r.status === 'cancelled');
    expect(run).toMatchObject({ state: 'cancelled', version: running.version + 1, finishedAt: expect.any(String) as unknown });
    const timeline = (await p.call(key, { method: 'GET', url: `/v2/runs/${runId}/timeline?limit=100` })).json() as { items: Array<{ type: string; payload: unknown; from: string; to: string }> };
    expect(timeline.items.at(-1)).toMatchObject({ type: 'CANCEL', payload: { reason: 'wrong brief' }, from: 'running.executing', to: 'cancelled' });
    // The 30 s attempt was aborted: nothing is left running in the execution layer.
    const deadline = Date.now() + 5000;
    let metrics = '';
    while (Date.now() < deadline) {
      metrics = (await p.app.inject({ method: 'GET', url: '/metrics' })).body;
      if (/^vmp_queue_depth 0$/m.test(metrics)) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(metrics).toMatch(/^vmp_queue_depth 0$/m);
  });

  // Regression guard: at 4feec77 the StageRun in flight kept status `running` (finishedAt null) after
  // a cancel and the CANCEL timeline entry listed no stage change, because MachineRuntime.inspect
  // (src/actors/machine-runtime.ts) recorded the snapshot XState emits when a child is stopped
  // (status 'stopped', value unchanged) as the stage's state; fixed in aa80381.
  it('cancel marks the StageRun in flight cancelled, with finishedAt, on the run and the timeline', async () => {
    const runId = await startRun(p, key, { taskId, mode: 'autopilot', template: 'slow-draft' });
    await waitForRun(p, key, runId, (r) => r.stages.some((s) => s.stageId === 'draft' && s.status === 'running'));
    expect((await command(p, key, runId, 'cancel', { reason: 'wrong brief' })).statusCode).toBe(202);
    const run = await waitForRun(p, key, runId, (r) => r.status === 'cancelled');
    const timeline = (await p.call(key, { method: 'GET', url: `/v2/runs/${runId}/timeline?limit=100` })).json() as { items: Array<{ type: string; stages: unknown[] }> };
    expect(timeline.items.at(-1)?.stages).toEqual([expect.objectContaining({ stageId: 'draft', from: 'running', to: 'cancelled' })]);
    expect(run.stages.find((s) => s.stageId === 'draft')).toMatchObject({ status: 'cancelled', finishedAt: expect.any(String) as unknown });
  });

  it('request-rework re-runs the content stages in a new round', async () => {
    const runId = await waitingRun();
    const res = await command(p, key, runId, 'request-rework', { feedback: 'punchier headline', stages: ['draft'] });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({ status: 'running', state: 'running.executing' });
    const back = await waitForRun(p, key, runId, (r) => r.status === 'waiting_approval' && (r as { round?: number }).round === 1);
    const round1 = back.stages.filter((s) => s.round === 1).map((s) => s.stageId).sort();
    expect(round1).toEqual(['$review', 'draft']);
  });

  it('cancel leaves no stage pending, queued or running (stages not started yet are cancelled too)', async () => {
    const runId = await startRun(p, key, { taskId, mode: 'autopilot', template: 'slow-draft' });
    await waitForRun(p, key, runId, (r) => r.stages.some((s) => s.stageId === 'draft' && s.status === 'running'));
    const other = await startRun(p, key, { taskId, mode: 'supervised' });
    // Cancel the default-template run as early as possible: most of its stages have not started.
    const cancelOther = await command(p, key, other, 'cancel', { reason: 'early' });
    expect(cancelOther.statusCode).toBe(202);
    expect((await command(p, key, runId, 'cancel', { reason: 'late' })).statusCode).toBe(202);
    for (const id of [runId, other]) {
      const run = await waitForRun(p, key, id, (r) => r.status === 'cancelled');
      const open = run.stages.filter((s) => ['pending', 'queued', 'running', 'retry_wait'].includes(String(s.status)));
      expect(open.map((s) => `${String(s.stageId)}:${String(s.status)}`), id).toEqual([]);
    }
  });

  it('two reviewers approving at once: one approval applies, the other is refused with 409', async () => {
    const runId = await waitingRun();
    const { run } = await getRun(runId);
    const answers = await Promise.all([command(p, key, runId, 'approve', { note: 'a' }), command(p, key, runId, 'approve', { note: 'b' })]);
    expect(answers.map((r) => r.statusCode).sort()).toEqual([202, 409]);
    const refused = answers.find((r) => r.statusCode === 409) as LightMyRequestResponse;
    expect(errorOf(refused)).toMatchObject({ code: 'INVALID_STATE', details: { status: 'running' } });
    const accepted = answers.find((r) => r.statusCode === 202) as LightMyRequestResponse;
    expect(accepted.json()).toMatchObject({ status: 'running', version: run.version + 1 });
    await waitForRun(p, key, runId, (r) => r.status === 'completed');
    const timeline = (await p.call(key, { method: 'GET', url: `/v2/runs/${runId}/timeline?limit=100` })).json() as { items: Array<{ type: string }> };
    expect(timeline.items.filter((e) => e.type === 'APPROVE')).toHaveLength(1);
  });

  it('the same approve sent twice at once with one key is applied once', async () => {
    const runId = await waitingRun();
    const idem = `twice-${randomUUID()}`;
    const answers = await Promise.all([0, 1].map(() => command(p, key, runId, 'approve', { note: 'once' }, { 'idempotency-key': idem })));
    expect(answers.map((r) => r.statusCode)).toEqual([202, 202]);
    expect(answers.map((r) => (r.json() as { id: string }).id)).toEqual([runId, runId]);
    await waitForRun(p, key, runId, (r) => r.status === 'completed');
    const timeline = (await p.call(key, { method: 'GET', url: `/v2/runs/${runId}/timeline?limit=100` })).json() as { items: Array<{ type: string }> };
    expect(timeline.items.filter((e) => e.type === 'APPROVE')).toHaveLength(1);
    expect(await tenantRows('command_record', `and key = '${idem}'`)).toBe(1);
  });

  // Regression (fixed): same race in RunService.once as for starts. Both concurrent requests miss the stored
  // record and both submit the command; the run host drops the second as a duplicate event but
  // answers it with the run's state *when its batch settles* (RunHost.settle, duplicateOf branch), so
  // the second caller gets neither the stored first answer nor `idempotent-replayed: true` (seen:
  // first {state: running.consolidating, version: 8}, second {state: running.learning, version: 9}).
  it('the same approve sent twice at once with one key: the second caller gets the first answer, marked as a replay', async () => {
    for (let round = 0; round < 3; round++) {
      const runId = await waitingRun();
      const idem = `twice-${randomUUID()}`;
      const answers = await Promise.all([0, 1].map(() => command(p, key, runId, 'approve', { note: 'once' }, { 'idempotency-key': idem })));
      expect(answers.map((r) => r.statusCode)).toEqual([202, 202]);
      expect(answers.filter((r) => r.headers['idempotent-replayed'] === 'true')).toHaveLength(1);
      expect(answers[1]?.json()).toEqual(answers[0]?.json());
      await waitForRun(p, key, runId, (r) => r.status === 'completed');
    }
  });

  it('approve and resume accept a JSON null or empty body', async () => {
    const runId = await waitingRun();
    const res = await p.call(key, {
      method: 'POST', url: `/v2/runs/${runId}/approve`, payload: 'null', headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID() },
    });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({ status: 'running' });
    const paused = await startRun(p, key, { taskId, mode: 'supervised', template: 'quick-pause' });
    await waitForRun(p, key, paused, (r) => r.status === 'paused', 10_000);
    const resume = await p.call(key, {
      method: 'POST', url: `/v2/runs/${paused}/resume`, payload: '', headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID() },
    });
    expect(resume.statusCode).toBe(202);
    expect((await command(p, key, paused, 'cancel', { reason: 'cleanup' })).statusCode).toBe(202);
  });

  it('a rework beyond the template limit fails the run with a rework_limit diagnosis', async () => {
    // quick-pause allows one rework round.
    const runId = await startRun(p, key, { taskId, mode: 'supervised', template: 'quick-pause' });
    await waitForRun(p, key, runId, (r) => r.status === 'waiting_approval');
    expect((await command(p, key, runId, 'request-rework', { feedback: 'first' })).statusCode).toBe(202);
    await waitForRun(p, key, runId, (r) => r.status === 'waiting_approval' && (r as { round?: number }).round === 1);
    const second = await command(p, key, runId, 'request-rework', { feedback: 'second' });
    expect(second.statusCode).toBe(202);
    expect(second.json()).toMatchObject({ status: 'failed', state: 'failed' });
    const run = await waitForRun(p, key, runId, (r) => r.status === 'failed');
    expect(run.diagnosis).toEqual({ reason: 'rework_limit', message: 'rework requested after 1 rework round(s); the template allows 1' });
    expect(run.finishedAt).toEqual(expect.any(String));
  });

  it('request-rework naming a stage outside the plan: 422 INVALID_REFERENCE listing the plan, nothing written', async () => {
    const runId = await waitingRun();
    const counts = await rowCounts(p.db.orm);
    const res = await command(p, key, runId, 'request-rework', { feedback: 'x', stages: ['draft', 'visual-brief', 'nope'] });
    expect(res.statusCode).toBe(422);
    const error = errorOf(res);
    expect(error.code).toBe('INVALID_REFERENCE');
    expect(error.details).toMatchObject({ field: 'stages', unknown: ['visual-brief', 'nope'] });
    expect(error.message).toContain('brief, research, audience, competitors, draft');
    expect(await rowCounts(p.db.orm)).toEqual(counts);
  });
});
