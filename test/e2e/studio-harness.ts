import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { issueApiKey } from '../../src/persistence/repositories/api-key.repository.js';
import { createTenant } from '../../src/persistence/repositories/tenant.repository.js';
import { createScope } from '../../src/persistence/scope.js';
import { ROOT, spawnMain, stop, waitForOutput } from '../helpers/processes.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db.js';

/** Where the browser tests save screenshots of the main pages (git-ignored). */
export const SCREENSHOTS = path.join(ROOT, 'test-output', 'screenshots');

/** The Chromium the tests drive (Debian's package; `.ci/run` installs it when missing). */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** A real platform server (the `npm start` entry point) on a test database, serving the built Studio. */
export interface StudioServer {
  base: string;
  db: TestDatabase;
  /** A new tenant with an admin key. */
  tenant: (name: string) => Promise<{ id: string; key: string }>;
  /** Calls the API as a client would (outside the browser). */
  api: <T>(key: string, method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<T>;
  browser: Browser;
  /** A new browser context (its own session storage) with a page sized like a laptop screen. */
  newPage: () => Promise<Page>;
  output: () => string;
}

/**
 * Starts, for one test file, a database of its own, the real server process on it (in-process
 * execution, offline model, artifacts in a temporary folder) and a headless Chromium; stops all after.
 */
export function useStudioServer(): { readonly current: StudioServer } {
  let db: TestDatabase | undefined;
  let server: ChildProcess | undefined;
  let browser: Browser | undefined;
  let dataDir: string | undefined;
  let out = '';
  let current: StudioServer | undefined;
  beforeAll(async () => {
    db = await createTestDatabase();
    dataDir = mkdtempSync(path.join(tmpdir(), 'vmp-e2e-'));
    const [child, launched] = [
      spawnMain('server', [], { DATABASE_URL: db.url, DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'info', STAGE_CONCURRENCY: '8' }),
      chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] }),
    ] as const;
    server = child;
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    const [{ match }, b] = await Promise.all([waitForOutput(child, /listening on (http:\/\/[0-9.:]+)/, 60_000), launched]);
    browser = b;
    const base = match[1] ?? '';
    const database = db;
    const actor = { type: 'system', id: null, role: 'admin' } as const;
    mkdirSync(SCREENSHOTS, { recursive: true });
    current = {
      base, db: database, browser: b,
      output: () => out,
      tenant: async (name) => {
        const { tenant } = await createTenant(database.orm.em.fork(), `${name}-${Date.now().toString(36)}`, actor);
        const { key } = await issueApiKey(createScope(database.orm, tenant.id, actor), { role: 'admin', name: `${name} admin` });
        return { id: tenant.id, key };
      },
      api: async <T>(key: string, method: string, p: string, body?: unknown, headers: Record<string, string> = {}) => {
        const res = await fetch(`${base}${p}`, {
          method,
          headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
          ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        });
        const text = await res.text();
        if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${text}`);
        return (text ? JSON.parse(text) : undefined) as T;
      },
      newPage: async () => {
        const context = await b.newContext({ viewport: { width: 1366, height: 768 }, baseURL: base });
        return context.newPage();
      },
    };
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    if (server) await stop(server);
    await db?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });
  return {
    get current() {
      if (!current) throw new Error('useStudioServer: only inside tests and hooks');
      return current;
    },
  };
}

/** Signs in on the Studio's sign-in page with a key and waits for the Runs page. */
export async function signIn(page: Page, key: string): Promise<void> {
  await page.goto('/');
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { level: 1, name: 'Runs' }).waitFor();
}

/** Saves a full-page screenshot under test-output/screenshots. */
export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** Marks the page so a later check can prove it was not reloaded (a reload clears the mark). */
export async function markPage(page: Page): Promise<void> {
  await page.evaluate(() => {
    (globalThis as unknown as { __vmpMark?: number }).__vmpMark = 42;
  });
}

/** True when the page still carries the mark of {@link markPage}. */
export async function stillMarked(page: Page): Promise<boolean> {
  return page.evaluate(() => (globalThis as unknown as { __vmpMark?: number }).__vmpMark === 42);
}
