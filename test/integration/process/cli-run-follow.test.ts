import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueApiKey } from '../../../src/persistence/repositories/api-key.repository.js';
import { createTenant } from '../../../src/persistence/repositories/tenant.repository.js';
import { createScope } from '../../../src/persistence/scope.js';
import { ROOT, runCli, spawnMain, stop, waitForOutput } from '../../helpers/processes.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/test-db.js';

/**
 * The terminal client against the real server process: `npm run cli -- run start <task> --follow
 * --approve` prints stage progress and exits by the run's outcome; `run show`/`run approve`; the
 * key found in $DATA_DIR/demo-admin.key; API errors printed with their code and message.
 */

let db: TestDatabase;
let server: ChildProcess;
let base = '';
let key = '';
let taskId = '';
const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'vmp-cli-'));
  dirs.push(dir);
  return dir;
};

async function api<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
  const res = await fetch(`${base}${path}`, {
    method, headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return JSON.parse(text) as T;
}

/** Runs `npm run cli -- …` as a user would; returns its exit code and output. */
function npmCli(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn('npm', ['run', '--silent', 'cli', '--', ...args], {
    cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

beforeAll(async () => {
  db = await createTestDatabase();
  const actor = { type: 'system', id: null, role: 'admin' } as const;
  const { tenant } = await createTenant(db.orm.em.fork(), 'cli-follow', actor);
  key = (await issueApiKey(createScope(db.orm, tenant.id, actor), { role: 'admin', name: 'test admin' })).key;
  server = spawnMain('server', [], { DATABASE_URL: db.url, DATA_DIR: tempDir(), PORT: '0', LOG_LEVEL: 'info' });
  const { match } = await waitForOutput(server, /listening on (http:\/\/[0-9.:]+)/);
  base = match[1] ?? '';
  const brand = await api<{ id: string }>('POST', '/v2/brands', { identity: { name: 'Follow Co' }, voice: { tone: 'calm' } });
  const campaign = await api<{ id: string }>('POST', '/v2/campaigns', { brandId: brand.id, name: 'Launch', channels: ['linkedin'] });
  taskId = (await api<{ id: string }>('POST', '/v2/tasks', { campaignId: campaign.id, name: 'Post', deliverableType: 'social_post' })).id;
}, 60_000);

afterAll(async () => {
  if (server) await stop(server);
  await db?.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('npm run cli -- run start --follow', () => {
  it('prints a progress line per stage change, approves when the run waits, and exits 0 when it completed', async () => {
    const { code, stdout, stderr } = await npmCli(['run', 'start', taskId, '--template', 'campaign-content', '--follow', '--approve'], { VMP_URL: base, VMP_API_KEY: key });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const runId = /Started run ([0-9a-f-]{36})/.exec(stdout)?.[1] ?? '';
    expect(runId).not.toBe('');
    expect(stdout).toContain(`Following run ${runId}: template campaign-content@1, mode supervised`);
    // One line per stage change: time, stage, status, attempt, cost so far.
    for (const stage of ['brief', 'research', 'audience', 'competitors', 'draft', '\\$review', '\\$consolidate', '\\$learn']) {
      expect(stdout).toMatch(new RegExp(`^\\d\\d:\\d\\d:\\d\\d  ${stage} +succeeded +attempt 1 +cost \\$0\\.\\d{4}$`, 'm'));
    }
    expect(stdout).toMatch(/^\d\d:\d\d:\d\d {2}visual-brief +skipped +attempt - /m);
    expect(stdout.match(/^\d\d:\d\d:\d\d {2}draft +succeeded/gm)).toHaveLength(1);
    expect(stdout).toContain(`Run ${runId} is waiting for approval`);
    expect(stdout).toMatch(/approved \(--approve\): run is running/);
    expect(stdout).toMatch(new RegExp(`Run ${runId} completed in [0-9.]+ s, cost \\$0\\.\\d{4}\\.\\n$`));
    expect(stdout).not.toContain('\u001b['); // no colours when the output is not a terminal
    const run = await api<{ status: string; timeline?: unknown }>('GET', `/v2/runs/${runId}`);
    expect(run.status).toBe('completed');

    // run show, with the key found in $DATA_DIR/demo-admin.key (no VMP_API_KEY).
    const dataDir = tempDir();
    writeFileSync(join(dataDir, 'demo-admin.key'), `${key}\n`, { mode: 0o600 });
    const shown = await runCli(['run', 'show', runId], { VMP_URL: base, DATA_DIR: dataDir });
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain(`Run ${runId}  completed (completed)`);
    expect(shown.stdout).toMatch(/ {4}draft +succeeded +attempt 1 +echo +\$0\.0000/);
    const json = await runCli(['run', 'show', runId, '--json'], { VMP_URL: base, DATA_DIR: dataDir });
    expect((JSON.parse(json.stdout) as { id: string }).id).toBe(runId);

    // Approving a completed run: the API's INVALID_STATE, exit 1.
    const late = await runCli(['run', 'approve', runId, '--comment', 'too late'], { VMP_URL: base, VMP_API_KEY: key });
    expect(late.code).toBe(1);
    expect(late.stderr).toMatch(new RegExp(`^API error 409 INVALID_STATE: run ${runId} is completed: it does not accept APPROVE \\(request [^)]+\\)\\n$`));
  }, 60_000);

  it('says when the run waits for approval, and exits 1 when the run is cancelled', async () => {
    const child = spawnMain('cli', ['run', 'start', taskId, '--follow'], { VMP_URL: base, VMP_API_KEY: key });
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    let stdout = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    const { output } = await waitForOutput(child, /Approve it: npm run cli -- run approve ([0-9a-f-]{36})/);
    const runId = /Started run ([0-9a-f-]{36})/.exec(output)?.[1] ?? '';
    await api('POST', `/v2/runs/${runId}/cancel`, { reason: 'changed our mind' }, { 'idempotency-key': `cancel-${runId}` });
    expect(await closed).toBe(1);
    expect(stdout).toMatch(/^\d\d:\d\d:\d\d {2}run +cancelled/m);
    expect(stdout).toContain(`Run ${runId} cancelled`);
  }, 60_000);

  it('exits 1 with the API error for an unknown task, and explains a missing key', async () => {
    const unknown = '00000000-0000-4000-8000-000000000000';
    const res = await runCli(['run', 'start', unknown, '--follow'], { VMP_URL: base, VMP_API_KEY: key });
    expect(res.code).toBe(1);
    expect(res.stdout).toBe('');
    expect(res.stderr).toMatch(new RegExp(`^API error 404 NOT_FOUND: task ${unknown} was not found \\(request [^)]+\\)\\n$`));

    const noKey = await runCli(['run', 'show', unknown], { VMP_URL: base, DATA_DIR: tempDir() });
    expect(noKey.code).toBe(1);
    expect(noKey.stderr).toMatch(/^no API key: pass --key <key>, set VMP_API_KEY, or start the server once/);

    const usage = await runCli(['run', 'start'], { VMP_URL: base, VMP_API_KEY: key });
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('run start needs a task id');
  }, 60_000);
});
