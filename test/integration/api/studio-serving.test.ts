import type { FastifyInstance } from 'fastify';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi } from '../../../src/api/app.js';
import type { StudioState } from '../../../src/api/routes/studio.routes.js';
import { prepareStudio } from '../../../src/main/studio-build.js';
import { createLogger } from '../../../src/observability/logger.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/test-db.js';

/**
 * The Studio at /: built files as they are, index.html for the Studio's own paths (so a reload of a
 * deep link works), the API's paths never swallowed; while it is built or when it cannot be, `/`
 * says so and the API keeps working. prepareStudio builds a missing studio/dist in the background.
 */

let db: TestDatabase;
let dir: string;
let state: StudioState;
let app: FastifyInstance;
const logLines: Record<string, unknown>[] = [];
const logger = createLogger({
  level: 'info',
  destination: new Writable({ write(chunk: Buffer, _e, cb) { for (const l of chunk.toString().split('\n').filter(Boolean)) logLines.push(JSON.parse(l) as Record<string, unknown>); cb(); } }),
});

beforeAll(async () => {
  db = await createTestDatabase();
  dir = mkdtempSync(path.join(tmpdir(), 'vmp-studio-'));
  mkdirSync(path.join(dir, 'assets'));
  writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>Studio</title><div id="root"></div>');
  writeFileSync(path.join(dir, 'assets', 'index-abc123.js'), 'console.log("studio")');
  writeFileSync(path.join(tmpdir(), 'vmp-secret.txt'), 'canary-7f3e91');
  state = { state: 'ready', dir };
  app = await buildApi({ orm: db.orm, logger, version: 'test', studio: { status: () => state } });
  await app.ready();
});

afterAll(async () => {
  await app?.close();
  await db?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the Studio at /', () => {
  it('serves index.html at / and at any Studio path, with security headers and no caching', async () => {
    for (const url of ['/', '/runs/123', '/anything?x=1']) {
      const res = await app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.body).toContain('<div id="root">');
      expect(res.headers['content-security-policy']).toContain("default-src 'self'");
      expect(res.headers['cache-control']).toBe('no-cache');
    }
  });

  it('serves hashed assets with a long immutable cache, and a missing asset is a 404, not the page', async () => {
    const res = await app.inject({ method: 'GET', url: '/assets/index-abc123.js' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/javascript/);
    expect(res.headers['cache-control']).toContain('immutable');
    expect(res.body).toBe('console.log("studio")');
    const missing = await app.inject({ method: 'GET', url: '/assets/index-old.js' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ error: { code: 'ROUTE_NOT_FOUND' } });
  });

  it('never serves files outside the build folder', async () => {
    for (const url of ['/../vmp-secret.txt', '/%2e%2e/vmp-secret.txt', '/assets/..%2f..%2fvmp-secret.txt']) {
      const res = await app.inject({ method: 'GET', url });
      expect(res.body, url).not.toContain('canary-7f3e91');
    }
  });

  it('leaves the API paths to the API: known routes answer, unknown ones are JSON 404s', async () => {
    expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/openapi.json' })).json()).toHaveProperty('openapi');
    const unauth = await app.inject({ method: 'GET', url: '/v2/brands' });
    expect(unauth.statusCode).toBe(401);
    for (const url of ['/v2/nothing', '/socket.io/?EIO=4', '/metrics/x', '/mcp']) {
      const res = await app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(404);
      expect(res.json(), url).toMatchObject({ error: { code: 'ROUTE_NOT_FOUND' } });
    }
    const docs = await app.inject({ method: 'GET', url: '/docs/' });
    expect(docs.body).not.toContain('<div id="root">');
  });

  it('says the Studio is being built (and reloads) or why it is unavailable, and the API still answers', async () => {
    state = { state: 'building' };
    const building = await app.inject({ method: 'GET', url: '/runs' });
    expect(building.statusCode).toBe(503);
    expect(building.body).toContain('The Studio is being built');
    expect(building.body).toContain('http-equiv="refresh"');
    state = { state: 'unavailable', message: 'The Studio could not be built: boom. Run "npm run build:studio".' };
    const failed = await app.inject({ method: 'GET', url: '/' });
    expect(failed.statusCode).toBe(503);
    expect(failed.body).toContain('The Studio could not be built: boom. Run &#34;npm run build:studio&#34;.');
    expect(failed.body).toContain('href="/docs"');
    expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    state = { state: 'ready', dir };
  });
});

describe('prepareStudio', () => {
  const repo = () => {
    const root = mkdtempSync(path.join(tmpdir(), 'vmp-studio-root-'));
    mkdirSync(path.join(root, 'studio'));
    writeFileSync(path.join(root, 'studio', 'index.html'), '<!doctype html>');
    writeFileSync(path.join(root, 'package.json'), '{}');
    return root;
  };

  it('serves an existing build at once', async () => {
    const root = repo();
    mkdirSync(path.join(root, 'studio', 'dist'));
    writeFileSync(path.join(root, 'studio', 'dist', 'index.html'), 'built');
    let builds = 0;
    const studio = prepareStudio({ logger, root, build: async () => { builds++; } });
    expect(studio.status()).toEqual({ state: 'ready', dir: path.join(root, 'studio', 'dist') });
    await studio.done;
    expect(builds).toBe(0);
    rmSync(root, { recursive: true, force: true });
  });

  it('builds a missing studio/dist in the background: building, then ready, with log lines', async () => {
    const root = repo();
    let release = () => {};
    const gate = new Promise<void>((r) => (release = r));
    const studio = prepareStudio({
      logger, root,
      build: async (_root, outDir) => {
        await gate;
        writeFileSync(path.join(outDir, 'index.html'), 'fresh');
      },
    });
    expect(studio.status()).toEqual({ state: 'building' });
    expect(existsSync(path.join(root, 'studio', '.build.lock'))).toBe(true);
    release();
    expect(await studio.done).toEqual({ state: 'ready', dir: path.join(root, 'studio', 'dist') });
    expect(studio.status().state).toBe('ready');
    expect(existsSync(path.join(root, 'studio', '.build.lock'))).toBe(false);
    expect(logLines.some((l) => String(l.msg).includes('studio/dist is missing; building it'))).toBe(true);
    rmSync(root, { recursive: true, force: true });
  });

  it('reports a failed build with what to do, leaving no lock or partial build behind', async () => {
    const root = repo();
    const studio = prepareStudio({ logger, root, build: () => Promise.reject(new Error('Could not resolve "./missing"\n  at line 3')) });
    const final = await studio.done;
    expect(final).toEqual({
      state: 'unavailable',
      message: 'The Studio could not be built: Could not resolve "./missing". Run "npm run build:studio" to see the full error, then restart the server.',
    });
    expect(studio.status()).toEqual(final);
    expect(existsSync(path.join(root, 'studio', 'dist'))).toBe(false);
    expect(existsSync(path.join(root, 'studio', '.build.lock'))).toBe(false);
    rmSync(root, { recursive: true, force: true });
  });

  it('waits for a live process that holds the build lock instead of building twice', async () => {
    const root = repo();
    writeFileSync(path.join(root, 'studio', '.build.lock'), String(process.pid));
    let builds = 0;
    const studio = prepareStudio({ logger, root, build: async () => { builds++; } });
    expect(studio.status()).toEqual({ state: 'building' });
    mkdirSync(path.join(root, 'studio', 'dist'));
    writeFileSync(path.join(root, 'studio', 'dist', 'index.html'), 'theirs');
    expect(studio.status().state).toBe('ready');
    rmSync(path.join(root, 'studio', '.build.lock'));
    expect((await studio.done).state).toBe('ready');
    expect(builds).toBe(0);
    rmSync(root, { recursive: true, force: true });
  });
});
