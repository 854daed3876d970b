/**
 * The rate limiter port: fixed windows of `windowMs`, at most `limit` acquisitions per window and
 * key. Redis-backed when `REDIS_URL` is set (shared by every process), in-process otherwise.
 */
export interface RateLimiter {
  /** Takes one unit: `{ ok: true }`, or `{ ok: false, retryAfterMs }` until the window ends. */
  acquire(key: string, limit: number, windowMs: number): Promise<{ ok: true } | { ok: false; retryAfterMs: number }>;
  close?(): Promise<void>;
}

/** The in-process limiter (one process; the default without Redis). */
export class MemoryRateLimiter implements RateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  async acquire(key: string, limit: number, windowMs: number): Promise<{ ok: true } | { ok: false; retryAfterMs: number }> {
    const t = this.now();
    const start = t - (t % windowMs);
    const slot = `${key}:${windowMs}`;
    let w = this.windows.get(slot);
    if (!w || w.start !== start) {
      w = { start, count: 0 };
      this.windows.set(slot, w);
      if (this.windows.size > 10_000) this.sweep(t);
    }
    if (w.count >= limit) return { ok: false, retryAfterMs: Math.max(1, start + windowMs - t) };
    w.count += 1;
    return { ok: true };
  }

  private sweep(t: number): void {
    for (const [k, w] of this.windows) if (w.start + 3_600_000 < t) this.windows.delete(k);
  }
}
