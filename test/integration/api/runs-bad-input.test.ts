import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CATALOG } from '../../../src/domain/errors.js';
import { rowCounts } from '../../helpers/test-db.js';
import { command, seedTask, startRun, usePlatform, waitForRun, type TestPlatform } from '../../helpers/test-engine.js';

const platform = usePlatform({ adapter: 'in-process' });

const UNKNOWN = '0190a0b0-0000-7000-8000-000000000000';

let p: TestPlatform;
let admin: string;
let keys: { viewer: string; reviewer: string; operator: string };
let taskId: string;
/** A supervised run waiting for approval (quiet: nothing is written while it waits). */
let waiting: string;
let waitingVersion: number;

beforeAll(async () => {
  p = platform.current;
  admin = (await p.tenant()).key;
  const issue = async (role: 'viewer' | 'reviewer' | 'operator') => {
    const res = await p.call(admin, { method: 'POST', url: '/v2/api-keys', payload: { name: `${role} key`, role } });
    if (res.statusCode !== 201) throw new Error(`api key: ${res.statusCode} ${res.body}`);
    return (res.json() as { key: string }).key;
  };
  keys = { viewer: await issue('viewer'), reviewer: await issue('reviewer'), operator: await issue('operator') };
  taskId = await seedTask(p, admin);
  waiting = await startRun(p, admin, { taskId, mode: 'supervised' });
  waitingVersion = (await waitForRun(p, admin, waiting, (r) => r.status === 'waiting_approval')).version;
});

type Role = 'admin' | 'viewer' | 'reviewer' | 'operator';

interface Case {
  name: string;
  as?: Role | null;
  method: 'GET' | 'POST';
  url: () => string;
  payload?: unknown;
  /** Sent without an Idempotency-Key when false; commands get a fresh one otherwise. */
  idem?: boolean;
  headers?: Record<string, string>;
  status: number;
  code: keyof typeof ERROR_CATALOG;
  /** A fragment the message must contain, so it says what to fix. */
  says: string | (() => string);
  details?: () => Record<string, unknown>;
}

const start = (payload: unknown, rest: Partial<Case> & Pick<Case, 'name' | 'status' | 'code' | 'says'>): Case => ({ method: 'POST', url: () => '/v2/runs', payload, ...rest });
const onWaiting = (cmd: string, payload: unknown, rest: Partial<Case> & Pick<Case, 'name' | 'status' | 'code' | 'says'>): Case => ({
  method: 'POST', url: () => `/v2/runs/${waiting}/${cmd}`, payload, ...rest,
});

const cases: Case[] = [
  // Starting a run.
  start(() => ({ taskId: UNKNOWN, mode: 'autopilot' }), { name: 'start: unknown task id', status: 404, code: 'NOT_FOUND', says: `task ${UNKNOWN} was not found` }),
  start({ taskId: 'not-a-uuid', mode: 'autopilot' }, { name: 'start: malformed task id', status: 400, code: 'VALIDATION_FAILED', says: 'body.taskId' }),
  start({ taskId: 42, mode: 'autopilot' }, { name: 'start: task id of the wrong type', status: 400, code: 'VALIDATION_FAILED', says: 'body.taskId' }),
  start(() => ({ taskId, mode: 'turbo' }), { name: 'start: invalid mode', status: 400, code: 'VALIDATION_FAILED', says: 'body.mode' }),
  start(() => ({ taskId }), { name: 'start: no mode', status: 400, code: 'VALIDATION_FAILED', says: 'body.mode' }),
  start(() => ({ taskId, mode: 'autopilot', tier: 'gold' }), { name: 'start: unknown tier', status: 400, code: 'VALIDATION_FAILED', says: 'body.tier' }),
  start(() => ({ taskId, mode: 'autopilot', template: 'nope' }), {
    name: 'start: unknown template', status: 422, code: 'INVALID_TEMPLATE', says: 'known: campaign-content@1', details: () => ({ template: 'nope' }),
  }),
  start(() => ({ taskId, mode: 'autopilot', template: 'campaign-content@2' }), {
    name: 'start: unknown template version', status: 422, code: 'INVALID_TEMPLATE', says: 'unknown workflow template campaign-content@2; known: campaign-content@1',
  }),
  start(() => ({ taskId, mode: 'autopilot', template: 'Campaign Content' }), { name: 'start: malformed template reference', status: 400, code: 'VALIDATION_FAILED', says: 'body.template' }),
  start(() => ({ taskId, mode: 'autopilot', priority: 'high' }), { name: 'start: unknown body field', status: 400, code: 'VALIDATION_FAILED', says: 'priority' }),
  start(undefined, { name: 'start: no body', status: 400, code: 'VALIDATION_FAILED', says: 'body' }),
  start([], { name: 'start: an array body', status: 400, code: 'VALIDATION_FAILED', says: 'body' }),
  start(() => ({ taskId, mode: 'autopilot' }), { name: 'start: no Idempotency-Key', idem: false, status: 400, code: 'VALIDATION_FAILED', says: 'Idempotency-Key' }),

  // Listing runs and reading a timeline.
  { name: 'list: unknown status', method: 'GET', url: () => '/v2/runs?status=done', status: 400, code: 'VALIDATION_FAILED', says: 'status' },
  { name: 'list: malformed taskId filter', method: 'GET', url: () => '/v2/runs?taskId=abc', status: 400, code: 'VALIDATION_FAILED', says: 'taskId' },
  { name: 'list: limit 0', method: 'GET', url: () => '/v2/runs?limit=0', status: 400, code: 'VALIDATION_FAILED', says: 'limit' },
  { name: 'list: limit 101', method: 'GET', url: () => '/v2/runs?limit=101', status: 400, code: 'VALIDATION_FAILED', says: 'limit' },
  { name: 'list: malformed cursor', method: 'GET', url: () => '/v2/runs?cursor=zzz', status: 400, code: 'VALIDATION_FAILED', says: 'cursor' },
  { name: 'list: unknown query parameter', method: 'GET', url: () => '/v2/runs?sort=asc', status: 400, code: 'VALIDATION_FAILED', says: 'sort' },
  { name: 'timeline: malformed cursor', method: 'GET', url: () => `/v2/runs/${waiting}/timeline?cursor=zzz`, status: 400, code: 'VALIDATION_FAILED', says: 'cursor' },
  { name: 'timeline: limit 0', method: 'GET', url: () => `/v2/runs/${waiting}/timeline?limit=0`, status: 400, code: 'VALIDATION_FAILED', says: 'limit' },

  // Command bodies.
  onWaiting('request-rework', {}, { name: 'rework: no feedback', status: 400, code: 'VALIDATION_FAILED', says: 'feedback is required' }),
  onWaiting('request-rework', { feedback: '' }, { name: 'rework: empty feedback', status: 400, code: 'VALIDATION_FAILED', says: 'feedback is required' }),
  onWaiting('request-rework', { feedback: '   ' }, { name: 'rework: blank feedback', status: 400, code: 'VALIDATION_FAILED', says: 'feedback is required' }),
  onWaiting('request-rework', undefined, { name: 'rework: no body', status: 400, code: 'VALIDATION_FAILED', says: 'body' }),
  onWaiting('request-rework', { feedback: 'x'.repeat(4001) }, { name: 'rework: feedback over 4000 characters', status: 400, code: 'VALIDATION_FAILED', says: 'body.feedback' }),
  onWaiting('request-rework', { feedback: 'x', stages: [] }, { name: 'rework: empty stage list', status: 400, code: 'VALIDATION_FAILED', says: 'body.stages' }),
  onWaiting('request-rework', { feedback: 'x', tone: 'loud' }, { name: 'rework: unknown body field', status: 400, code: 'VALIDATION_FAILED', says: 'tone' }),
  onWaiting('request-rework', { feedback: 'x', stages: ['nope'] }, {
    name: 'rework: a stage not in the plan', status: 422, code: 'INVALID_REFERENCE', says: "stages not in this run's plan: nope",
    details: () => ({ field: 'stages', unknown: ['nope'], known: ['brief', 'research', 'audience', 'competitors', 'draft'] }),
  }),
  onWaiting('cancel', {}, { name: 'cancel: no reason', status: 400, code: 'VALIDATION_FAILED', says: 'reason is required' }),
  onWaiting('cancel', { reason: '  ' }, { name: 'cancel: blank reason', status: 400, code: 'VALIDATION_FAILED', says: 'reason is required' }),
  onWaiting('cancel', undefined, { name: 'cancel: no body', status: 400, code: 'VALIDATION_FAILED', says: 'body' }),
  onWaiting('cancel', { reason: 'x', force: true }, { name: 'cancel: unknown body field', status: 400, code: 'VALIDATION_FAILED', says: 'force' }),
  onWaiting('approve', { note: '' }, { name: 'approve: empty note', status: 400, code: 'VALIDATION_FAILED', says: 'body.note' }),
  onWaiting('approve', { ok: true }, { name: 'approve: unknown body field', status: 400, code: 'VALIDATION_FAILED', says: 'ok' }),
  onWaiting('resume', { now: true }, { name: 'resume: unknown body field', status: 400, code: 'VALIDATION_FAILED', says: 'now' }),
  onWaiting('approve', {}, { name: 'approve: no Idempotency-Key', idem: false, status: 400, code: 'VALIDATION_FAILED', says: 'Idempotency-Key' }),
  onWaiting('approve', {}, { name: 'approve: malformed If-Match', headers: { 'if-match': 'latest' }, status: 400, code: 'VALIDATION_FAILED', says: 'If-Match' }),
  onWaiting('approve', {}, { name: 'approve: over-long If-Match', headers: { 'if-match': `"${'1'.repeat(30)}"` }, status: 400, code: 'VALIDATION_FAILED', says: 'if-match' }),

  // Run ids in the path.
  ...['', '/timeline'].map((suffix): Case => ({
    name: `GET /v2/runs/:id${suffix}: malformed run id`, method: 'GET', url: () => `/v2/runs/not-a-uuid${suffix}`, status: 400, code: 'VALIDATION_FAILED', says: 'params.id',
  })),
  ...['', '/timeline'].map((suffix): Case => ({
    name: `GET /v2/runs/:id${suffix}: unknown run id`, method: 'GET', url: () => `/v2/runs/${UNKNOWN}${suffix}`, status: 404, code: 'NOT_FOUND',
    says: `workflow_run ${UNKNOWN} was not found`, details: () => ({ kind: 'workflow_run', id: UNKNOWN }),
  })),
  ...([['approve', {}], ['request-rework', { feedback: 'x' }], ['cancel', { reason: 'x' }], ['resume', {}]] as const).flatMap(([cmd, payload]): Case[] => [
    { name: `${cmd}: malformed run id`, method: 'POST', url: () => `/v2/runs/123/${cmd}`, payload, status: 400, code: 'VALIDATION_FAILED', says: 'params.id' },
    { name: `${cmd}: unknown run id`, method: 'POST', url: () => `/v2/runs/${UNKNOWN}/${cmd}`, payload, status: 404, code: 'NOT_FOUND', says: `workflow_run ${UNKNOWN} was not found` },
  ]),
  { name: 'unknown command', method: 'POST', url: () => `/v2/runs/${waiting}/pause`, payload: {}, status: 404, code: 'ROUTE_NOT_FOUND', says: 'pause' },

  // Roles.
  start(() => ({ taskId, mode: 'autopilot' }), { name: 'viewer cannot start', as: 'viewer', status: 403, code: 'FORBIDDEN', says: 'operator', details: () => ({ requiredRole: 'operator', role: 'viewer' }) }),
  start(() => ({ taskId, mode: 'autopilot' }), { name: 'reviewer cannot start', as: 'reviewer', status: 403, code: 'FORBIDDEN', says: 'operator', details: () => ({ requiredRole: 'operator', role: 'reviewer' }) }),
  onWaiting('cancel', { reason: 'x' }, { name: 'viewer cannot cancel', as: 'viewer', status: 403, code: 'FORBIDDEN', says: 'operator', details: () => ({ requiredRole: 'operator', role: 'viewer' }) }),
  onWaiting('cancel', { reason: 'x' }, { name: 'reviewer cannot cancel', as: 'reviewer', status: 403, code: 'FORBIDDEN', says: 'operator', details: () => ({ requiredRole: 'operator', role: 'reviewer' }) }),
  onWaiting('resume', {}, { name: 'reviewer cannot resume', as: 'reviewer', status: 403, code: 'FORBIDDEN', says: 'operator', details: () => ({ requiredRole: 'operator', role: 'reviewer' }) }),
  onWaiting('approve', {}, { name: 'viewer cannot approve', as: 'viewer', status: 403, code: 'FORBIDDEN', says: 'reviewer', details: () => ({ requiredRole: 'reviewer', role: 'viewer' }) }),
  onWaiting('request-rework', { feedback: 'x' }, { name: 'viewer cannot request rework', as: 'viewer', status: 403, code: 'FORBIDDEN', says: 'reviewer', details: () => ({ requiredRole: 'reviewer', role: 'viewer' }) }),
  start(() => ({ taskId, mode: 'autopilot' }), { name: 'no API key', as: null, status: 401, code: 'UNAUTHENTICATED', says: 'Authorization: Bearer' }),
  { name: 'no API key on a read', as: null, method: 'GET', url: () => `/v2/runs/${waiting}`, status: 401, code: 'UNAUTHENTICATED', says: 'Authorization: Bearer' },
];

const keyOf = (role: Role) => (role === 'admin' ? admin : keys[role]);

describe('bad input to the runs API gets a clear 4xx and writes nothing', () => {
  it.each(cases)('$name -> $status $code', async (c) => {
    const before = await rowCounts(p.db.orm);
    const payload = typeof c.payload === 'function' ? (c.payload as () => unknown)() : c.payload;
    const headers = { ...(c.method === 'POST' && c.idem !== false ? { 'idempotency-key': randomUUID() } : {}), ...(c.headers ?? {}) };
    const opts = { method: c.method, url: c.url(), headers, ...(payload === undefined ? {} : { payload: payload as object }) };
    const res = c.as === null ? await p.app.inject(opts) : await p.call(keyOf(c.as ?? 'admin'), opts);
    expect(res.statusCode).toBe(c.status);
    const body = res.json() as { error: { code: keyof typeof ERROR_CATALOG; message: string; details?: unknown; requestId: string } };
    expect(body.error.code).toBe(c.code);
    expect(ERROR_CATALOG[body.error.code].httpStatus).toBe(c.status);
    expect(body.error.message).toContain(typeof c.says === 'function' ? c.says() : c.says);
    if (c.details) expect(body.error.details).toEqual(c.details());
    expect(body.error.requestId).toBe(res.headers['x-request-id']);
    expect(await rowCounts(p.db.orm)).toEqual(before);
    // The waiting run is untouched.
    const run = (await p.call(admin, { method: 'GET', url: `/v2/runs/${waiting}` })).json() as { status: string; version: number };
    expect(run).toMatchObject({ status: 'waiting_approval', version: waitingVersion });
  });

  it('a validation error lists every problem with its path', async () => {
    const res = await p.call(admin, { method: 'POST', url: '/v2/runs', headers: { 'idempotency-key': randomUUID() }, payload: { taskId: 'x', mode: 'turbo', tier: 'gold', extra: 1 } });
    expect(res.statusCode).toBe(400);
    const paths = ((res.json() as { error: { details: { issues: Array<{ path: string }> } } }).error.details.issues).map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['body.taskId', 'body.mode', 'body.tier']));
  });

  it('an unknown template message lists every known template, including ones registered later', async () => {
    const res = await p.call(admin, { method: 'POST', url: '/v2/runs', headers: { 'idempotency-key': randomUUID() }, payload: { taskId, mode: 'autopilot', template: 'campaign-contents' } });
    expect(res.statusCode).toBe(422);
    const templates = ((await p.call(admin, { method: 'GET', url: '/v2/templates' })).json() as { items: Array<{ name: string; version: number }> }).items;
    for (const t of templates) expect((res.json() as { error: { message: string } }).error.message).toContain(`${t.name}@${t.version}`);
  });
});

describe('roles that may act', () => {
  it('a viewer reads runs, their timelines and the templates', async () => {
    for (const url of [`/v2/runs/${waiting}`, `/v2/runs/${waiting}/timeline`, '/v2/runs', '/v2/templates']) {
      expect({ url, status: (await p.call(keys.viewer, { method: 'GET', url })).statusCode }).toEqual({ url, status: 200 });
    }
  });

  it('a reviewer approves and requests rework, an operator starts and cancels', async () => {
    const approve = await command(p, keys.reviewer, waiting, 'approve', { note: 'reviewed' });
    expect(approve.statusCode).toBe(202);
    expect(approve.json()).toMatchObject({ id: waiting, status: 'running' });
    await waitForRun(p, admin, waiting, (r) => r.status === 'completed');

    const runId = await startRun(p, keys.operator, { taskId, mode: 'supervised' });
    await waitForRun(p, admin, runId, (r) => r.status === 'waiting_approval');
    const rework = await command(p, keys.reviewer, runId, 'request-rework', { feedback: 'warmer tone' });
    expect(rework.statusCode).toBe(202);
    await waitForRun(p, admin, runId, (r) => r.status === 'waiting_approval' && (r as { round?: number }).round === 1);
    const cancel = await command(p, keys.operator, runId, 'cancel', { reason: 'not needed' });
    expect(cancel.statusCode).toBe(202);
    expect(cancel.json()).toMatchObject({ status: 'cancelled' });
  });
});
