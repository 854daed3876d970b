import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ApiClient, ApiError, CliSetupError, formatApiError, resolveApiTarget } from '../../../src/main/cli/api-client.js';
import { followRun, runCostUsd, runExitCode, type CliIO, type RunView } from '../../../src/main/cli/run-follow.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('resolveApiTarget', () => {
  it('takes the URL from --url, VMP_URL or PORT, and the key from --key, VMP_API_KEY or $DATA_DIR/demo-admin.key', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vmp-key-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'demo-admin.key'), 'vmp_file_key\n');
    expect(resolveApiTarget({}, { DATA_DIR: dir })).toEqual({ baseUrl: 'http://127.0.0.1:3000', key: 'vmp_file_key', keySource: join(dir, 'demo-admin.key') });
    expect(resolveApiTarget({}, { DATA_DIR: dir, PORT: '4000', VMP_API_KEY: 'env' })).toEqual({ baseUrl: 'http://127.0.0.1:4000', key: 'env', keySource: 'VMP_API_KEY' });
    expect(resolveApiTarget({ url: 'http://h:1/', key: 'flag' }, { VMP_URL: 'http://other', VMP_API_KEY: 'env' })).toEqual({ baseUrl: 'http://h:1', key: 'flag', keySource: '--key' });
    expect(resolveApiTarget({}, { VMP_URL: 'http://other:9', VMP_API_KEY: 'env' }).baseUrl).toBe('http://other:9');
    expect(() => resolveApiTarget({}, { DATA_DIR: join(dir, 'none') })).toThrow(CliSetupError);
    expect(() => resolveApiTarget({ url: 'not a url', key: 'k' }, {})).toThrow('not a URL: not a url');
  });
});

const stage = (stageId: string, status: string, attempt: number, costUsd = 0) => ({
  id: `${stageId}-id`, stageId, round: 0, kind: 'echo', status, attempt, usingFallback: false, lastError: null, costUsd, queuedAt: null, startedAt: null, finishedAt: null,
});
const run = (status: string, version: number, stages: ReturnType<typeof stage>[], extra: Record<string, unknown> = {}) => ({
  id: 'run-1', taskId: 'task-1', status, state: status, version, requestedMode: 'supervised', effectiveMode: 'supervised', modeReason: 'requested', tier: 'standard',
  template: { name: 'campaign-content', version: 1, hash: 'h' }, costUsd: 0.25, diagnosis: null, createdBy: 'key:1', createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z', finishedAt: status === 'completed' ? '2026-01-01T00:00:02.000Z' : null, contextSnapshot: { id: 'c', hash: 'h' },
  plan: { stages: [], skipped: [], maxReworkRounds: 3 }, round: 0, gate: null, stages, ...extra,
});

/** A fetch that answers GET /v2/runs/run-1 from a script and records every request. */
function scriptedFetch(answers: Array<object | Error | { status: number; body: object }>) {
  const requests: Array<{ method: string; url: string; headers: Record<string, string>; body?: string }> = [];
  let i = 0;
  const fetchImpl = ((url: string, init: RequestInit) => {
    requests.push({ method: init.method ?? 'GET', url, headers: init.headers as Record<string, string>, ...(typeof init.body === 'string' ? { body: init.body } : {}) });
    if (init.method === 'POST') return Promise.resolve(new Response(JSON.stringify({ id: 'run-1', status: 'running', state: 'running', version: 9 }), { status: 202 }));
    const answer = answers[Math.min(i++, answers.length - 1)];
    if (answer instanceof Error) return Promise.reject(answer);
    if (answer && 'status' in answer && typeof answer.status === 'number' && 'body' in answer) return Promise.resolve(new Response(JSON.stringify(answer.body), { status: answer.status }));
    return Promise.resolve(new Response(JSON.stringify(answer), { status: 200 }));
  }) as unknown as typeof fetch;
  return { fetchImpl, requests };
}

const captureIO = (): CliIO & { lines: string[]; errors: string[] } => {
  const lines: string[] = [];
  const errors: string[] = [];
  return { lines, errors, out: (l) => lines.push(l), err: (l) => errors.push(l), color: false };
};

describe('followRun', () => {
  it('prints one line per stage change, approves once per waiting version, survives a dropped poll, and returns the final run', async () => {
    const unreachable = Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
    const { fetchImpl, requests } = scriptedFetch([
      run('running', 2, [stage('brief', 'running', 1), stage('draft', 'pending', 0)]),
      run('running', 3, [stage('brief', 'running', 1), stage('draft', 'pending', 0)]),
      unreachable,
      run('running', 4, [stage('brief', 'retry_wait', 1), stage('draft', 'pending', 0)]),
      run('waiting_approval', 6, [stage('brief', 'succeeded', 2, 0.1), stage('draft', 'succeeded', 1, 0.15)]),
      run('waiting_approval', 6, [stage('brief', 'succeeded', 2, 0.1), stage('draft', 'succeeded', 1, 0.15)]),
      run('completed', 9, [stage('brief', 'succeeded', 2, 0.1), stage('draft', 'succeeded', 1, 0.15)]),
    ]);
    const io = captureIO();
    const final = await followRun(new ApiClient({ baseUrl: 'http://api', key: 'k' }, fetchImpl), 'run-1', { io, intervalMs: 1, approve: true });
    expect(final.status).toBe('completed');
    const progress = io.lines.filter((l) => /^\d\d:\d\d:\d\d {2}\S/.test(l)).map((l) => l.slice(10).replace(/ +/g, ' '));
    expect(progress).toEqual([
      'brief running attempt 1 cost $0.2500',
      'run running cost $0.2500',
      'brief retry_wait attempt 1 cost $0.2500',
      'brief succeeded attempt 2 cost $0.2500',
      'draft succeeded attempt 1 cost $0.2500',
      'run waiting_approval cost $0.2500',
      'approved (--approve): run is running, version 9',
      'run completed cost $0.2500',
    ]);
    expect(io.lines).toContain('Run run-1 completed in 2.0 s, cost $0.2500.');
    expect(io.errors).toEqual([expect.stringContaining('polling failed, retrying: cannot reach the API at http://api (ECONNREFUSED)')]);
    const approvals = requests.filter((r) => r.method === 'POST');
    expect(approvals).toHaveLength(1);
    expect(approvals[0]).toMatchObject({ url: 'http://api/v2/runs/run-1/approve', body: JSON.stringify({ note: 'approved from the CLI (--approve)' }) });
    expect(approvals[0]?.headers['idempotency-key']).toBe('cli-approve-run-1-v6');
    expect(approvals[0]?.headers.authorization).toBe('Bearer k');
  });

  it('stops on an API error that is not transient, with the API code and message', async () => {
    const { fetchImpl } = scriptedFetch([{ status: 404, body: { error: { code: 'NOT_FOUND', message: 'workflow_run run-1 was not found', requestId: 'r1' } } }]);
    const err = await followRun(new ApiClient({ baseUrl: 'http://api', key: 'k' }, fetchImpl), 'run-1', { io: captureIO(), intervalMs: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(formatApiError(err as ApiError)).toBe('API error 404 NOT_FOUND: workflow_run run-1 was not found (request r1)');
  });
});

describe('run outcome', () => {
  it('maps statuses to exit codes and sums stage costs when the run has no cost', () => {
    expect(runExitCode('completed')).toBe(0);
    expect(runExitCode('failed')).toBe(1);
    expect(runExitCode('cancelled')).toBe(1);
    const r = run('running', 1, [stage('a', 'succeeded', 1, 0.1), stage('b', 'running', 1, 0.05)]) as unknown as RunView;
    expect(runCostUsd(r)).toBe(0.25);
    expect(runCostUsd({ ...r, costUsd: undefined as unknown as number })).toBeCloseTo(0.15);
  });
});
