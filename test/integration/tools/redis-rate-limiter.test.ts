import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { RateLimitedError, type ToolError } from '../../../src/contracts/tool-errors.js';
import { ToolResilience } from '../../../src/tools/execution/resilience.js';
import { MemoryToolCallStore } from '../../../src/tools/execution/tool-call-store.js';
import { ToolExecutor } from '../../../src/tools/execution/tool-executor.js';
import { CredentialResolver } from '../../../src/tools/governance/credentials.js';
import { StaticGovernanceSource, type RateLimitRule } from '../../../src/tools/governance/governance-source.js';
import { passRateLimits } from '../../../src/tools/governance/rate-limit-gate.js';
import { RedisRateLimiter } from '../../../src/tools/governance/redis.rate-limiter.js';
import { ToolRegistry } from '../../../src/tools/registry.js';
import type { AnyTool } from '../../../src/tools/tool.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const PREFIX = `vmptest-rl-${randomUUID().slice(0, 8)}`;

/** Two processes' worth of limiters: each on its own connection, sharing the prefix. */
let a: RedisRateLimiter;
let b: RedisRateLimiter;
let admin: Redis;

const keysUnderPrefix = async () => {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await admin.scan(cursor, 'MATCH', `${PREFIX}:*`, 'COUNT', 1000);
    cursor = next;
    found.push(...keys);
  } while (cursor !== '0');
  return found;
};

beforeAll(async () => {
  admin = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await admin.connect();
  } catch (err) {
    throw new Error(`This test needs Redis at ${REDIS_URL} (set TEST_REDIS_URL to use another server): ${(err as Error).message}`, { cause: err });
  }
  a = new RedisRateLimiter(new Redis(REDIS_URL), PREFIX);
  b = new RedisRateLimiter(new Redis(REDIS_URL), PREFIX);
});

afterAll(async () => {
  const keys = await keysUnderPrefix();
  if (keys.length > 0) await admin.del(...keys);
  expect(await keysUnderPrefix()).toEqual([]);
  await a.close();
  await b.close();
  admin.disconnect();
});

/** Redis' clock in ms (the limiter's windows are derived from it). */
async function redisNow(): Promise<number> {
  const [s, us] = await admin.time();
  return Number(s) * 1000 + Math.floor(Number(us) / 1000);
}

/** Waits for the start of a fresh window (plus a few ms), so a test's calls all fall in one window; returns its end. */
async function freshWindow(windowMs: number): Promise<number> {
  const now = await redisNow();
  const next = now - (now % windowMs) + windowMs;
  await new Promise((r) => setTimeout(r, next - now + 5));
  return next + windowMs;
}

let n = 0;
const key = () => `t1:rule-${++n}`;

describe('RedisRateLimiter against Redis', () => {
  it('allows N per window; the N+1th is refused with the time left in the window', async () => {
    const windowMs = 1000;
    const k = key();
    const end = await freshWindow(windowMs);
    for (let i = 0; i < 3; i++) expect(await a.acquire(k, 3, windowMs)).toEqual({ ok: true });
    const refused = await a.acquire(k, 3, windowMs);
    const now = await redisNow();
    expect(refused.ok).toBe(false);
    const retryAfterMs = refused.ok ? 0 : refused.retryAfterMs;
    expect(retryAfterMs).toBeGreaterThan(0);
    expect(retryAfterMs).toBeLessThanOrEqual(windowMs);
    // It is the time until the window ends, by Redis' clock.
    expect(Math.abs(retryAfterMs - (end - now))).toBeLessThan(50);
    // Refusals keep being refused until the window ends.
    expect((await a.acquire(k, 3, windowMs)).ok).toBe(false);
  });

  it('allows again in the next window', async () => {
    const windowMs = 500;
    const k = key();
    await freshWindow(windowMs);
    expect((await a.acquire(k, 1, windowMs)).ok).toBe(true);
    const refused = await a.acquire(k, 1, windowMs);
    if (refused.ok) throw new Error('expected a refusal');
    await new Promise((r) => setTimeout(r, refused.retryAfterMs + 20));
    expect(await a.acquire(k, 1, windowMs)).toEqual({ ok: true });
    expect((await a.acquire(k, 1, windowMs)).ok).toBe(false);
  });

  it('shares the count between two limiters on two connections', async () => {
    const windowMs = 1000;
    const k = key();
    await freshWindow(windowMs);
    expect((await a.acquire(k, 3, windowMs)).ok).toBe(true);
    expect((await b.acquire(k, 3, windowMs)).ok).toBe(true);
    expect((await a.acquire(k, 3, windowMs)).ok).toBe(true);
    expect((await b.acquire(k, 3, windowMs)).ok).toBe(false);
    expect((await a.acquire(k, 3, windowMs)).ok).toBe(false);
  });

  it('counts atomically: of many concurrent acquisitions from both limiters, exactly the limit pass', async () => {
    const windowMs = 1000;
    const k = key();
    await freshWindow(windowMs);
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).acquire(k, 7, windowMs)));
    expect(results.filter((r) => r.ok)).toHaveLength(7);
  });

  it('keeps keys and windows apart, and lets window keys expire with their window', async () => {
    const windowMs = 1000;
    const [k1, k2] = [key(), key()];
    await freshWindow(windowMs);
    expect((await a.acquire(k1, 1, windowMs)).ok).toBe(true);
    expect((await a.acquire(k2, 1, windowMs)).ok).toBe(true);
    // The same key with another window length is another limit.
    expect((await a.acquire(k1, 1, 60_000)).ok).toBe(true);
    expect((await a.acquire(k1, 1, windowMs)).ok).toBe(false);
    const keys = (await keysUnderPrefix()).filter((x) => x.startsWith(`${PREFIX}:ratelimit:${k1}:${windowMs}:`));
    expect(keys).toHaveLength(1);
    const ttl = await admin.pttl(keys[0] as string);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(windowMs + 1000);
  });
});

describe('rate limits shared by two executors through Redis', () => {
  const lookup: AnyTool = {
    name: 'stock.lookup', version: '1.0.0', description: 'Stock level', sideEffect: 'read', policy: { maxAttempts: 1 },
    input: z.object({ sku: z.string() }), output: z.object({ inStock: z.number() }),
    execute: async () => ({ output: { inStock: 4 } }),
  };

  function executor(limiter: RedisRateLimiter, rules: RateLimitRule[]) {
    const registry = new ToolRegistry();
    registry.register(lookup);
    return new ToolExecutor({
      registry, store: new MemoryToolCallStore(), rateLimiter: limiter, resilience: new ToolResilience({ toolCall: () => {}, circuitState: () => {} }),
      governance: new StaticGovernanceSource({ permissions: [], rateLimits: rules, credentialRefs: [] }),
      credentials: new CredentialResolver({ envPrefix: 'VMP_SECRET_', dir: '/nonexistent', env: {} }),
    });
  }

  it('a tenant\'s `fail` limit counts the calls of every process', async () => {
    const rule: RateLimitRule = { id: `limit-${randomUUID().slice(0, 6)}`, tool: 'stock.*', action: '*', limit: 2, windowMs: 1000, onLimit: 'fail', maxWaitMs: 0 };
    const [x, y] = [executor(a, [rule]), executor(b, [rule])];
    await freshWindow(1000);
    const call = (e: ToolExecutor, i: number) => e.invoke({ ref: 'stock.lookup', input: { sku: 'boot' }, tenantId: 't-rl', idempotencyKey: `rl-${rule.id}-${i}` });
    await call(x, 1);
    await call(y, 2);
    const err = await call(x, 3).then(() => null, (e: unknown) => e as ToolError);
    expect(err).toBeInstanceOf(RateLimitedError);
    expect(err).toMatchObject({ code: 'TOOL_RATE_LIMITED', retryable: true });
    expect((err as RateLimitedError).retryAfterMs).toBeGreaterThan(0);
    expect((err as RateLimitedError).retryAfterMs).toBeLessThanOrEqual(1000);
  });

  it('a `wait` limit waits for the next window (within maxWaitMs)', async () => {
    const rule: RateLimitRule = { id: `wait-${randomUUID().slice(0, 6)}`, tool: 'stock.lookup', action: '*', limit: 1, windowMs: 500, onLimit: 'wait', maxWaitMs: 2000 };
    await freshWindow(500);
    expect(await passRateLimits(a, 't-rl', 'stock.lookup', 'call', [rule])).toBe(0);
    const started = Date.now();
    const waited = await passRateLimits(b, 't-rl', 'stock.lookup', 'call', [rule]);
    expect(waited).toBeGreaterThan(0);
    expect(waited).toBeLessThanOrEqual(500);
    expect(Date.now() - started).toBeGreaterThanOrEqual(waited - 5);
  });
});
