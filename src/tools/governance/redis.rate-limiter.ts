import type { Redis } from 'ioredis';
import type { RateLimiter } from './rate-limiter.js';

/**
 * One round trip: count the call in the current window's key (which expires with the window) and
 * refuse it past the limit, answering how long until the window ends. The window is derived from
 * Redis' clock so every process agrees on it.
 */
const ACQUIRE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[2])
local start = now - (now % window)
local key = KEYS[1] .. ':' .. start
local n = redis.call('INCR', key)
if n == 1 then redis.call('PEXPIRE', key, window + 1000) end
if n > tonumber(ARGV[1]) then return start + window - now end
return -1
`;

/** The Redis-backed limiter: fixed windows shared by every process of the platform. */
export class RedisRateLimiter implements RateLimiter {
  constructor(private readonly redis: Redis, private readonly prefix: string) {}

  async acquire(key: string, limit: number, windowMs: number): Promise<{ ok: true } | { ok: false; retryAfterMs: number }> {
    const wait = Number(await this.redis.eval(ACQUIRE, 1, `${this.prefix}:ratelimit:${key}:${windowMs}`, limit, windowMs));
    return wait < 0 ? { ok: true } : { ok: false, retryAfterMs: Math.max(1, wait) };
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}
