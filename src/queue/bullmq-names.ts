import { Redis, type RedisOptions } from 'ioredis';

/** BullMQ queue and channel names of the platform, under one prefix. */
export function queueNames(prefix: string) {
  return {
    /** BullMQ's key prefix. */
    bullPrefix: `${prefix}:bull`,
    /** Stage attempts, consumed by worker processes. */
    stages: 'stages',
    /** One queue per run host: its durable timers (delayed jobs). */
    host: (hostId: string) => `host-${hostId.replace(/[^A-Za-z0-9._-]/g, '_')}`,
    /** Pub/sub channel on which attempts in flight are aborted. */
    abortChannel: `${prefix}:abort`,
    /** One Redis stream per run host: stage results and start reports from workers. */
    results: (hostId: string) => `${prefix}:results:${hostId.replace(/[^A-Za-z0-9._-]/g, '_')}`,
  };
}

/** A BullMQ job id from an idempotency key (BullMQ reserves ":" in ids). */
export const jobIdOf = (key: string) => key.replace(/:/g, '_');

/** A Redis connection as BullMQ wants it (no request retry limit, so blocking commands wait). */
export function redisConnection(url: string, extra: RedisOptions = {}): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true, ...extra });
}

/** Deletes every Redis key under a prefix (tests and benchmarks clean up after themselves with it). */
export async function dropRedisPrefix(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
