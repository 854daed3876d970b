/**
 * The Studio for `npm start`: serves studio/dist when it is built; when it is missing, builds it in
 * the background with Vite (the API starts at once; `/` says the Studio is being built, then serves
 * it). One build at a time across processes (a lock file with the builder's pid), into a temporary
 * folder renamed to studio/dist when complete, so a half-written build is never served.
 */
import { existsSync, mkdirSync, openSync, closeSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeSync, type Dirent } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StudioSource, StudioState } from '../api/routes/studio.routes.js';
import type { Logger } from '../observability/logger.js';

/** The repository folder holding studio/ (the source tree or, for the compiled server, above dist/). */
export function findStudioRoot(from = path.dirname(fileURLToPath(import.meta.url))): string | null {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'studio', 'index.html')) && existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) return null;
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** Takes the build lock; false when a live process holds it (a dead holder's lock is taken over). */
function takeLock(file: string): boolean {
  for (let i = 0; i < 2; i++) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number.parseInt(readFileSync(file, 'utf8'), 10);
      const age = Date.now() - statSync(file).mtimeMs;
      if (Number.isFinite(holder) && alive(holder) && age < 10 * 60_000) return false;
      rmSync(file, { force: true });
    }
  }
  return false;
}

function describe(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.split('\n').find((l) => l.trim() !== '')?.trim().slice(0, 500) ?? 'unknown error';
}

/** Runs Vite's build of the Studio into `outDir` (Vite is a dev dependency, imported only here). */
async function viteBuild(root: string, outDir: string): Promise<void> {
  const { build } = await import('vite');
  await build({ configFile: path.join(root, 'studio', 'vite.config.ts'), logLevel: 'warn', build: { outDir, emptyOutDir: true } });
}

/** Options of {@link prepareStudio}. */
export interface StudioOptions {
  logger: Logger;
  /** The repository root holding studio/ (default: found from this file). */
  root?: string | null;
  /** The build (default: Vite); a test may replace it. */
  build?: (root: string, outDir: string) => Promise<void>;
}

/**
 * The Studio source the API serves: ready when studio/dist is there; otherwise starts the build in
 * the background (or waits for another process's) and reports `building`, then `ready`, or
 * `unavailable` with what to do.
 */
export function prepareStudio(opts: StudioOptions): StudioSource & { done: Promise<StudioState> } {
  const root = opts.root === undefined ? findStudioRoot() : opts.root;
  if (!root) {
    const state: StudioState = { state: 'unavailable', message: 'The Studio sources (studio/) are not part of this installation.' };
    return { status: () => state, done: Promise.resolve(state) };
  }
  const dist = path.join(root, 'studio', 'dist');
  const index = path.join(dist, 'index.html');
  const ready: StudioState = { state: 'ready', dir: dist };
  let current: StudioState = existsSync(index) ? ready : { state: 'building' };
  const removed: StudioState = { state: 'unavailable', message: 'studio/dist was removed. Run "npm run build:studio", then reload this page.' };
  const source = { status: () => (existsSync(index) ? ready : current.state === 'ready' ? removed : current) };
  if (current.state === 'ready') return { ...source, done: Promise.resolve(current) };

  const lock = path.join(root, 'studio', '.build.lock');
  const run = async (): Promise<StudioState> => {
    if (!takeLock(lock)) {
      opts.logger.info('Studio: another process is building it; waiting');
      while (existsSync(lock) && !existsSync(index)) await new Promise((r) => setTimeout(r, 500));
      return existsSync(index) ? ready : { state: 'unavailable', message: 'The Studio could not be built by another process. Run "npm run build:studio" to see why, then restart the server.' };
    }
    const tmp = path.join(root, 'studio', `.dist-${process.pid}`);
    const started = Date.now();
    opts.logger.info('Studio: studio/dist is missing; building it (npm run build:studio)');
    try {
      mkdirSync(tmp, { recursive: true });
      await (opts.build ?? viteBuild)(root, tmp);
      if (!existsSync(path.join(tmp, 'index.html'))) throw new Error('the build wrote no index.html');
      try {
        renameSync(tmp, dist);
      } catch (err) {
        // Someone built it meanwhile (npm run build:studio by hand): keep theirs.
        if (!existsSync(index)) throw err;
      }
      opts.logger.info({ ms: Date.now() - started }, 'Studio: built; serving it at /');
      return ready;
    } catch (err) {
      opts.logger.error({ err }, 'Studio: the build failed; the API is running without it');
      return { state: 'unavailable', message: `The Studio could not be built: ${describe(err)}. Run "npm run build:studio" to see the full error, then restart the server.` };
    } finally {
      rmSync(tmp, { recursive: true, force: true });
      rmSync(lock, { force: true });
    }
  };
  const done = run().then((state) => (current = state));
  return { ...source, done };
}

/** The newest modification time under `dir` (files only; 0 when it does not exist). */
function newestMtime(dir: string): number {
  let newest = 0;
  let entries: Dirent[];
  try {
    if (!statSync(dir).isDirectory()) return statSync(dir).mtimeMs;
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const full = path.join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
  }
  return newest;
}

/** True when studio/dist is missing or older than a source it is built from (studio/, src/contracts, src/domain). */
export function studioBuildIsStale(root: string): boolean {
  const index = path.join(root, 'studio', 'dist', 'index.html');
  if (!existsSync(index)) return true;
  const built = statSync(index).mtimeMs;
  const sources = ['studio/src', 'studio/index.html', 'studio/vite.config.ts', 'studio/tsconfig.app.json', 'src/contracts', 'src/domain'];
  return sources.some((s) => newestMtime(path.join(root, s)) > built);
}

/**
 * Builds studio/dist again (for tests and tools that need the current sources): under the build
 * lock, into a temporary folder that replaces studio/dist only once complete.
 */
export async function rebuildStudio(root: string, build: (root: string, outDir: string) => Promise<void> = viteBuild): Promise<void> {
  const lock = path.join(root, 'studio', '.build.lock');
  const deadline = Date.now() + 5 * 60_000;
  while (!takeLock(lock)) {
    if (Date.now() > deadline) throw new Error(`the Studio build lock ${lock} is held for too long`);
    await new Promise((r) => setTimeout(r, 250));
  }
  const tmp = path.join(root, 'studio', `.dist-${process.pid}`);
  const old = path.join(root, 'studio', `.dist-old-${process.pid}`);
  const dist = path.join(root, 'studio', 'dist');
  try {
    mkdirSync(tmp, { recursive: true });
    await build(root, tmp);
    if (!existsSync(path.join(tmp, 'index.html'))) throw new Error('the build wrote no index.html');
    if (existsSync(dist)) renameSync(dist, old);
    renameSync(tmp, dist);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
    rmSync(old, { recursive: true, force: true });
    rmSync(lock, { force: true });
  }
}
