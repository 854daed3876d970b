import { RateLimitedError } from '../../contracts/tool-errors.js';
import type { RateLimitRule } from './governance-source.js';
import type { RateLimiter } from './rate-limiter.js';
import { toolPatternMatches } from './permission-rules.js';

/** Sleeps, or rejects when the signal aborts. */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve(); }, ms);
    const onAbort = () => { clearTimeout(t); reject(signal?.reason); };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Passes a call through every limit of the tenant that covers its tool and action. Over a limit,
 * a `wait` rule sleeps until its window ends (at most `maxWaitMs` in all, then fails) and a `fail`
 * rule fails at once; the failure is a {@link RateLimitedError} carrying the retry-after.
 * Returns how long the call waited.
 */
export async function passRateLimits(
  limiter: RateLimiter, tenantId: string, tool: string, action: string, rules: readonly RateLimitRule[], signal?: AbortSignal,
): Promise<number> {
  const applicable = rules.filter((r) => toolPatternMatches(r.tool, tool) && (r.action === '*' || r.action === action));
  let waited = 0;
  for (const rule of applicable) {
    for (;;) {
      const got = await limiter.acquire(`${tenantId}:${rule.id}`, rule.limit, rule.windowMs);
      if (got.ok) break;
      if (rule.onLimit === 'fail' || waited + got.retryAfterMs > rule.maxWaitMs) throw new RateLimitedError(tool, action, got.retryAfterMs);
      await sleep(got.retryAfterMs, signal);
      waited += got.retryAfterMs;
    }
  }
  return waited;
}
