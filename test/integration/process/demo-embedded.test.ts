import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, spawnMain, stop, waitForOutput } from '../../helpers/processes.js';

/**
 * The newcomer's path in embedded mode (no Postgres, Redis or S3): `npm start` on a fresh DATA_DIR,
 * then `npm run demo` takes a supervised social_post run end to end on the offline provider and
 * prints where its artifacts are; they download with the printed command's URL and key.
 */
let dataDir = '';
let server: ChildProcess;
let base = '';

function npmDemo(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn('npm', ['run', '--silent', 'demo'], {
    cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'vmp-demo-'));
  server = spawnMain('server', [], { DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'info' });
  const { match } = await waitForOutput(server, /listening on (http:\/\/[0-9.:]+)/, 60_000);
  base = match[1] ?? '';
}, 90_000);

afterAll(async () => {
  if (server) await stop(server);
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('npm run demo on the embedded platform', () => {
  it('runs a supervised social_post end to end on the offline provider and prints downloadable artifacts', async () => {
    const { code, stdout, stderr } = await npmDemo({ VMP_URL: base, DATA_DIR: dataDir });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/waiting for approval \(review: passed/);
    expect(stdout).toMatch(/Run [0-9a-f-]{36} completed/);
    const urls = [...new Set([...stdout.matchAll(/(http:\/\/[^\s'"]+\/v2\/artifacts\/[0-9a-f-]{36}\/content)/g)].map((m) => m[1] ?? ''))];
    expect(urls.length).toBe(2);
    const key = readFileSync(join(dataDir, 'demo-admin.key'), 'utf8').trim();
    for (const url of urls) {
      const res = await fetch(url, { headers: { authorization: `Bearer ${key}` } });
      expect(res.status).toBe(200);
      const body = await res.text();
      expect(body).toContain('[offline draft]');
      expect(body).toContain('Pre-order offer valid while supplies last.');
    }
    expect(readFileSync(join(dataDir, 'demo-admin.key'), 'utf8')).toMatch(/^vmp_/);
  }, 120_000);
});
