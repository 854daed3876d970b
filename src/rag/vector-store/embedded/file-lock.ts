import { promises as fs } from 'node:fs';
import { hostname } from 'node:os';

/** A lock older than this is considered abandoned (its holder crashed) and is broken. */
export const LOCK_STALE_MS = 30_000;

interface LockInfo {
  pid: number;
  host: string;
  at: number;
}

/**
 * An exclusive lock between processes sharing a directory: the file `path` created with `wx`
 * (O_CREAT|O_EXCL) holding `{pid, host, at}`. A lock is stale when it is older than
 * {@link LOCK_STALE_MS}, or at once when its holder is a process of this host that no longer exists;
 * a stale lock is broken (removed, after checking it is still the same lock) and taken.
 */
export class FileLock {
  constructor(readonly path: string, private readonly staleMs = LOCK_STALE_MS) {}

  /** Takes the lock if free (or stale); false when another holder has it. */
  async tryAcquire(): Promise<boolean> {
    const info: LockInfo = { pid: process.pid, host: hostname(), at: Date.now() };
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        await fs.writeFile(this.path, JSON.stringify(info), { flag: 'wx' });
        return true;
      } catch (err) {
        if (code(err) !== 'EEXIST') throw err;
      }
      if (!(await this.breakIfStale())) return false;
    }
    return false;
  }

  /** Waits for the lock (polling with backoff) up to `timeoutMs`, then throws a clear error. */
  async acquire(timeoutMs = this.staleMs + 5_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let wait = 1;
    while (!(await this.tryAcquire())) {
      if (Date.now() > deadline) throw new Error(`could not lock ${this.path} within ${timeoutMs} ms (held by another process)`);
      await new Promise((r) => setTimeout(r, wait));
      wait = Math.min(50, wait * 2);
    }
  }

  async release(): Promise<void> {
    await fs.rm(this.path, { force: true });
  }

  private async breakIfStale(): Promise<boolean> {
    let text: string;
    let mtime: number;
    try {
      [text, mtime] = await Promise.all([fs.readFile(this.path, 'utf8'), fs.stat(this.path).then((s) => s.mtimeMs)]);
    } catch (err) {
      if (code(err) === 'ENOENT') return true; // released meanwhile: try again
      throw err;
    }
    if (!this.isStale(text, mtime)) return false;
    // Remove it only if it is still the lock judged stale (another breaker may have replaced it).
    const again = await fs.readFile(this.path, 'utf8').catch(() => null);
    if (again === text) await fs.rm(this.path, { force: true });
    return true;
  }

  private isStale(text: string, mtime: number): boolean {
    if (Date.now() - mtime > this.staleMs) return true;
    let info: Partial<LockInfo>;
    try {
      info = JSON.parse(text) as Partial<LockInfo>;
    } catch {
      // A lock file being written right now is empty or partial: not stale unless old (above).
      return false;
    }
    if (info.host === hostname() && typeof info.pid === 'number' && info.pid !== process.pid) {
      try {
        process.kill(info.pid, 0);
      } catch (err) {
        return code(err) === 'ESRCH';
      }
    }
    return false;
  }
}

function code(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}
