import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../helpers/test-db.js';
import { runCli, spawnMain, stop, waitForOutput } from '../../helpers/processes.js';

const dirs: string[] = [];
const dbs: TestDatabase[] = [];
afterAll(async () => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  for (const db of dbs) await db.close();
});

function tempDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'vmp-data-'));
  dirs.push(dir);
  return dir;
}

describe('npm start on embedded defaults', () => {
  it('starts with nothing configured, creates the demo tenant once, serves the API, and locks out a second process', async () => {
    const dataDir = tempDataDir();
    const env = { DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'info' };
    const server = spawnMain('server', [], env);
    try {
      const { match, output } = await waitForOutput(server, /listening on (http:\/\/[0-9.:]+)/);
      const base = match[1]!;
      expect(output).toContain('created tenant "demo"');
      const keyFile = join(dataDir, 'demo-admin.key');
      expect(statSync(keyFile).mode & 0o777).toBe(0o600);
      const key = readFileSync(keyFile, 'utf8').trim();
      expect(output).toContain(key);

      expect((await fetch(`${base}/readyz`)).status).toBe(200);
      const created = await fetch(`${base}/v2/brands`, {
        method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ identity: { name: 'Newcomer Co' } }),
      });
      expect(created.status).toBe(201);
      // The run engine works on the embedded database too: a run reaches approval in this process.
      const json = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
      const brandId = ((await created.json()) as { id: string }).id;
      const campaign = (await (await fetch(`${base}/v2/campaigns`, { method: 'POST', headers: json, body: JSON.stringify({ brandId, name: 'C' }) })).json()) as { id: string };
      const task = (await (await fetch(`${base}/v2/tasks`, { method: 'POST', headers: json, body: JSON.stringify({ campaignId: campaign.id, name: 'T', deliverableType: 'email' }) })).json()) as { id: string };
      const run = await fetch(`${base}/v2/runs`, { method: 'POST', headers: { ...json, 'idempotency-key': 'first-run' }, body: JSON.stringify({ taskId: task.id, mode: 'supervised' }) });
      expect(run.status).toBe(202);
      const runId = ((await run.json()) as { id: string }).id;
      let status = '';
      for (let i = 0; i < 200 && status !== 'waiting_approval'; i++) {
        status = ((await (await fetch(`${base}/v2/runs/${runId}`, { headers: json })).json()) as { status: string }).status;
        if (status !== 'waiting_approval') await new Promise((r) => setTimeout(r, 25));
      }
      expect(status).toBe('waiting_approval');
      const docs = await fetch(`${base}/docs/`);
      expect(docs.status).toBe(200);
      const openapi = (await (await fetch(`${base}/openapi.json`)).json()) as { paths: Record<string, unknown> };
      expect(Object.keys(openapi.paths)).toContain('/v2/brands/{id}/versions/{n}');

      const cli = await runCli(['tenant', 'list'], { DATA_DIR: dataDir });
      expect(cli.code).toBe(1);
      expect(cli.stderr).toMatch(/in use by process \d+/);
    } finally {
      await stop(server);
    }

    // Second start on the same data: the data is still there and no new demo tenant is made.
    const again = spawnMain('server', [], env);
    try {
      const { match, output } = await waitForOutput(again, /listening on (http:\/\/[0-9.:]+)/);
      expect(output).not.toContain('created tenant "demo"');
      const key = readFileSync(join(dataDir, 'demo-admin.key'), 'utf8').trim();
      const list = (await (await fetch(`${match[1]}/v2/brands`, { headers: { authorization: `Bearer ${key}` } })).json()) as { items: Array<{ identity: { name: string } }> };
      expect(list.items.map((b) => b.identity.name)).toEqual(['Newcomer Co']);
    } finally {
      await stop(again);
    }
  }, 90_000);

  it('refuses to start on a bad configuration value, naming the variable', async () => {
    const server = spawnMain('server', [], { DATA_DIR: tempDataDir(), PORT: 'eighty' });
    const { output } = await waitForOutput(server, /PORT/).catch((e: Error) => ({ output: e.message }));
    expect(output).toContain('PORT: expected a port number');
    await stop(server);
  });
});

describe('cli', () => {
  it('creates a tenant with an admin key, issues more keys, and refuses bad input clearly', async () => {
    const db = await createTestDatabase();
    dbs.push(db);
    const env = { DATABASE_URL: db.url, DATA_DIR: tempDataDir() };
    const created = await runCli(['tenant', 'create', 'acme'], env);
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/Created tenant acme \(([0-9a-f-]{36})\)/);
    expect(created.stdout).toMatch(/vmp_[0-9a-f]{8}_[A-Za-z0-9_-]{43}/);

    const dup = await runCli(['tenant', 'create', 'acme'], env);
    expect(dup.code).toBe(1);
    expect(dup.stderr).toContain('already exists');

    const key = await runCli(['key', 'create', '--tenant', 'acme', '--role', 'reviewer'], env);
    expect(key.code).toBe(0);
    expect(key.stdout).toContain('Issued reviewer key');

    const badRole = await runCli(['key', 'create', '--tenant', 'acme', '--role', 'god'], env);
    expect(badRole.code).toBe(2);
    expect(badRole.stderr).toContain('one of: viewer, reviewer, operator, admin');

    const unknown = await runCli(['tenant', 'delete', 'acme'], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "tenant delete"');

    const list = await runCli(['tenant', 'list'], env);
    expect(list.stdout).toContain('acme');
  }, 60_000);
});

describe('start-up against Postgres', () => {
  it('refuses to start with pending migrations unless MIGRATE_ON_START=true, and db:migrate applies them', async () => {
    const { createEmptyDatabase } = await import('../../helpers/test-db.js');
    const empty = await createEmptyDatabase();
    try {
      const env = { DATABASE_URL: empty.url, DATA_DIR: tempDataDir(), PORT: '0' };
      const refused = spawnMain('server', [], env);
      const { output } = await waitForOutput(refused, /pending migration/);
      expect(output).toContain('npm run db:migrate');
      await stop(refused);

      const migrated = await runCli(['db', 'migrate'], env);
      expect(migrated.code).toBe(0);
      expect(migrated.stdout).toContain('schema is current');

      const server = spawnMain('server', [], env);
      try {
        const { output: ok } = await waitForOutput(server, /listening on/);
        expect(ok).not.toContain('created tenant "demo"');
      } finally {
        await stop(server);
      }
    } finally {
      await empty.drop();
    }
  }, 60_000);
});
