import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { WorkflowTemplateInput } from '../../../src/planner/template.js';
import { command, seedTask, startRun, usePlatform, waitForRun, type TestPlatform } from '../../helpers/test-engine.js';

/** One fast stage and an approval deadline of one second: a supervised run on it pauses. */
const PAUSING: WorkflowTemplateInput = {
  name: 'quick-pause', version: 1, description: 'pauses 1 s after it starts waiting for approval',
  stages: [{ id: 'draft', kind: 'echo', content: true }],
  review: { kind: 'gate.pass' }, consolidate: { kind: 'consolidate.noop' }, learn: { kind: 'learn.noop' },
  maxReworkRounds: 2, approvalDeadlineMs: 1000,
};

const platform = usePlatform({ adapter: 'in-process', templates: [PAUSING] });

interface AuditEvent {
  id: string; action: string; actorType: string; actorId: string | null; targetType: string; targetId: string; version: number | null;
  details: Record<string, unknown> | null; requestId: string | null; createdAt: string;
}
interface Entry { seq: number; type: string; from: string; to: string; actor: string; version: number }

let p: TestPlatform;
let admin: string;
let taskId: string;
const keys: Record<'operator' | 'reviewer', { id: string; key: string }> = { operator: { id: '', key: '' }, reviewer: { id: '', key: '' } };

beforeAll(async () => {
  p = platform.current;
  admin = (await p.tenant()).key;
  for (const role of ['operator', 'reviewer'] as const) {
    const res = await p.call(admin, { method: 'POST', url: '/v2/api-keys', payload: { name: `${role} key`, role } });
    keys[role] = res.json() as { id: string; key: string };
  }
  taskId = await seedTask(p, admin);
});

/** The audit trail of one run, oldest first. */
async function auditOf(runId: string): Promise<AuditEvent[]> {
  const res = await p.call(admin, { method: 'GET', url: `/v2/audit?targetType=workflow_run&targetId=${runId}&limit=100` });
  expect(res.statusCode).toBe(200);
  const page = res.json() as { items: AuditEvent[]; nextCursor: string | null };
  expect(page.nextCursor).toBeNull();
  return [...page.items].reverse();
}

async function timelineOf(runId: string): Promise<Entry[]> {
  const res = await p.call(admin, { method: 'GET', url: `/v2/runs/${runId}/timeline?limit=100` });
  return (res.json() as { items: Entry[] }).items;
}

/** Starts a run with a chosen request id and idempotency key; returns its id. */
async function start(key: string, body: Record<string, unknown>, requestId: string, idem: string): Promise<string> {
  const res = await p.call(key, { method: 'POST', url: '/v2/runs', payload: body, headers: { 'idempotency-key': idem, 'x-request-id': requestId } });
  expect(res.statusCode, res.body).toBe(202);
  return (res.json() as { id: string }).id;
}

describe('audit of run commands', () => {
  it('every command leaves run.<command> with the key id as actor and the request id', async () => {
    const startIdem = `start-${randomUUID()}`;
    const runId = await start(keys.operator.key, { taskId, mode: 'supervised' }, 'req-start-1', startIdem);
    await waitForRun(p, admin, runId, (r) => r.status === 'waiting_approval');
    const reworkIdem = `rework-${randomUUID()}`;
    const rework = await command(p, keys.reviewer.key, runId, 'request-rework', { feedback: 'shorter' }, { 'idempotency-key': reworkIdem, 'x-request-id': 'req-rework-1' });
    expect(rework.statusCode).toBe(202);
    await waitForRun(p, admin, runId, (r) => r.status === 'waiting_approval' && r.version > (rework.json() as { version: number }).version);
    const approveIdem = `approve-${randomUUID()}`;
    const approve = await command(p, keys.reviewer.key, runId, 'approve', { note: 'ok' }, { 'idempotency-key': approveIdem, 'x-request-id': 'req-approve-1' });
    expect(approve.statusCode).toBe(202);
    await waitForRun(p, admin, runId, (r) => r.status === 'completed');

    const cancelled = await startRun(p, keys.operator.key, { taskId, mode: 'supervised' });
    await waitForRun(p, admin, cancelled, (r) => r.status === 'waiting_approval');
    const cancelIdem = `cancel-${randomUUID()}`;
    const cancel = await command(p, keys.operator.key, cancelled, 'cancel', { reason: 'off brief' }, { 'idempotency-key': cancelIdem, 'x-request-id': 'req-cancel-1' });
    expect(cancel.statusCode).toBe(202);

    const paused = await startRun(p, admin, { taskId, mode: 'supervised', template: 'quick-pause' });
    await waitForRun(p, admin, paused, (r) => r.status === 'paused', 10_000);
    const resumeIdem = `resume-${randomUUID()}`;
    const resume = await command(p, keys.operator.key, paused, 'resume', undefined, { 'idempotency-key': resumeIdem, 'x-request-id': 'req-resume-1' });
    expect(resume.statusCode).toBe(202);
    expect((await command(p, admin, paused, 'cancel', { reason: 'cleanup' })).statusCode).toBe(202);

    const commandsOf = async (id: string) => (await auditOf(id)).filter((e) => e.action !== 'run.transition');
    const expected = (action: string, key: { id: string }, requestId: string, eventId: string, from: string, to: string, version: number) => ({
      action, actorType: 'api_key', actorId: key.id, targetType: 'workflow_run', requestId, version,
      details: { eventId, from, to },
    });
    const main = await commandsOf(runId);
    expect(main).toEqual([
      expect.objectContaining(expected('run.start', keys.operator, 'req-start-1', `start:${runId}`, 'queued', 'running.executing', 1)),
      expect.objectContaining(expected('run.request_rework', keys.reviewer, 'req-rework-1', `cmd:${reworkIdem}`, 'waiting_approval', 'running.executing', (rework.json() as { version: number }).version)),
      expect.objectContaining(expected('run.approve', keys.reviewer, 'req-approve-1', `cmd:${approveIdem}`, 'waiting_approval', 'running.consolidating', (approve.json() as { version: number }).version)),
    ]);
    expect(await commandsOf(cancelled)).toContainEqual(
      expect.objectContaining(expected('run.cancel', keys.operator, 'req-cancel-1', `cmd:${cancelIdem}`, 'waiting_approval', 'cancelled', (cancel.json() as { version: number }).version)),
    );
    expect(await commandsOf(paused)).toContainEqual(
      expect.objectContaining(expected('run.resume', keys.operator, 'req-resume-1', `cmd:${resumeIdem}`, 'paused', 'waiting_approval', (resume.json() as { version: number }).version)),
    );
  });

  it('every transition leaves run.transition with from, to and the event id, matching the timeline', async () => {
    const idem = `start-${randomUUID()}`;
    const runId = await start(admin, { taskId, mode: 'supervised' }, 'req-transitions', idem);
    await waitForRun(p, admin, runId, (r) => r.status === 'waiting_approval');
    const approveIdem = `approve-${randomUUID()}`;
    expect((await command(p, keys.reviewer.key, runId, 'approve', {}, { 'idempotency-key': approveIdem, 'x-request-id': 'req-t-approve' })).statusCode).toBe(202);
    await waitForRun(p, admin, runId, (r) => r.status === 'completed');

    const transitions = (await auditOf(runId)).filter((e) => e.action === 'run.transition');
    const timeline = (await timelineOf(runId)).filter((e) => e.from !== e.to);
    expect(transitions.map((t) => `${String(t.details?.from)}->${String(t.details?.to)}`)).toEqual([
      'queued->running.executing', 'running.executing->running.reviewing', 'running.reviewing->waiting_approval',
      'waiting_approval->running.consolidating', 'running.consolidating->running.learning', 'running.learning->completed',
    ]);
    expect(transitions).toHaveLength(timeline.length);
    for (const [i, t] of transitions.entries()) {
      const entry = timeline[i] as Entry;
      expect(t.version).toBe(entry.version);
      expect(t.details).toEqual({ from: entry.from, to: entry.to, event: entry.type, eventId: expect.any(String) as unknown });
      expect(String(t.details?.eventId)).not.toBe('');
      expect(t.targetType).toBe('workflow_run');
    }
    // Transitions caused by a request carry its key and request id; the engine's own are the system's.
    expect(transitions[0]).toMatchObject({ actorType: 'api_key', requestId: 'req-transitions', details: { eventId: `start:${runId}` } });
    expect(transitions[3]).toMatchObject({ actorType: 'api_key', actorId: keys.reviewer.id, requestId: 'req-t-approve', details: { eventId: `cmd:${approveIdem}`, event: 'APPROVE' } });
    for (const t of [transitions[1], transitions[2], transitions[4], transitions[5]]) {
      expect(t).toMatchObject({ actorType: 'system', actorId: null, requestId: null, details: { event: 'STAGE.RESULT' } });
    }
    // Every event id is one the run processed: the result events are keyed by their attempt.
    expect(String(transitions[1]?.details?.eventId)).toMatch(new RegExp(`^${runId}:[0-9a-f-]{36}:1:result$`));
  });

  it('a timer transition (approval deadline -> paused) is audited as the system', async () => {
    const runId = await startRun(p, admin, { taskId, mode: 'supervised', template: 'quick-pause' });
    await waitForRun(p, admin, runId, (r) => r.status === 'paused', 10_000);
    const paused = (await auditOf(runId)).filter((e) => e.action === 'run.transition').at(-1);
    expect(paused).toMatchObject({
      actorType: 'system', actorId: null, requestId: null,
      details: { from: 'waiting_approval', to: 'paused', event: 'TIMER.FIRED', eventId: `timer:${runId}:approval:1` },
    });
    expect((await command(p, admin, runId, 'cancel', { reason: 'cleanup' })).statusCode).toBe(202);
  });

  it('refused and replayed commands leave no audit event', async () => {
    const runId = await startRun(p, admin, { taskId, mode: 'supervised' });
    await waitForRun(p, admin, runId, (r) => r.status === 'waiting_approval');
    const before = await auditOf(runId);
    const refusals = [
      await command(p, keys.reviewer.key, runId, 'resume'), // 403: reviewers may not resume
      await command(p, admin, runId, 'resume'), // 409: not paused
      await command(p, admin, runId, 'approve', {}, { 'if-match': '"1"' }), // 409: stale version
      await command(p, admin, runId, 'request-rework', {}), // 400: no feedback
      await command(p, admin, runId, 'request-rework', { feedback: 'x', stages: ['nope'] }), // 422: unknown stage
    ];
    expect(refusals.map((r) => r.statusCode)).toEqual([403, 409, 409, 400, 422]);
    expect(await auditOf(runId)).toEqual(before);

    const idem = `approve-${randomUUID()}`;
    expect((await command(p, admin, runId, 'approve', {}, { 'idempotency-key': idem })).statusCode).toBe(202);
    await waitForRun(p, admin, runId, (r) => r.status === 'completed');
    const after = await auditOf(runId);
    expect(after.filter((e) => e.action === 'run.approve')).toHaveLength(1);
    const replay = await command(p, admin, runId, 'approve', {}, { 'idempotency-key': idem });
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(await auditOf(runId)).toEqual(after);
  });
});
