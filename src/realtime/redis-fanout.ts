import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import { Server } from 'socket.io';
import type { RealtimeTarget } from './run-event-publisher.js';

/**
 * Fan-out through Redis: the Socket.IO Redis adapter, so every instance's rooms receive what any
 * instance (or emitter) publishes, over Redis pub/sub on channels `<key>#/#…`.
 */

/** Where the instances meet. All instances and emitters of one deployment use the same `url` and `key`. */
export interface RedisFanoutOptions {
  url: string;
  /** The channel prefix (the adapter's `key`); e.g. `<QUEUE_PREFIX>:realtime`. */
  key: string;
}

/** A Redis adapter with its two connections. */
export interface RedisFanout {
  adapter: ReturnType<typeof createAdapter>;
  /** Resolves once the subscriptions are active (what is published after that is received). */
  ready(): Promise<void>;
  close(): Promise<void>;
}

/** Builds the Redis adapter (a publishing and a subscribing connection). */
export function redisFanout(opts: RedisFanoutOptions): RedisFanout {
  const pub = new Redis(opts.url, { maxRetriesPerRequest: null });
  const sub = pub.duplicate();
  return {
    adapter: createAdapter(pub, sub, { key: opts.key }),
    // Commands on one connection run in order: once a PING sent after the adapter's (P)SUBSCRIBEs
    // is answered, the subscriptions are in place.
    ready: async () => {
      await Promise.all([pub.ping(), sub.ping()]);
    },
    close: async () => {
      await Promise.allSettled([pub.quit(), sub.quit()]);
    },
  };
}

/** A publisher-only Socket.IO endpoint: no HTTP server, no clients; it publishes to every instance's rooms. */
export interface RealtimeEmitter {
  target: RealtimeTarget;
  close(): Promise<void>;
}

/**
 * A Redis emitter: lets a process that serves no clients (a worker, a second run host, a script)
 * publish into the rooms of the Socket.IO servers of the deployment. It is a Socket.IO server that
 * is attached to nothing, with the Redis adapter: `io.to(room).emit()` goes out on Redis and every
 * instance delivers it to its sockets in that room. Feed it to a {@link RunEventPublisher} to
 * publish a run host's commits from that process.
 */
export async function createRealtimeEmitter(opts: RedisFanoutOptions): Promise<RealtimeEmitter> {
  const fanout = redisFanout(opts);
  const io = new Server({ serveClient: false });
  io.adapter(fanout.adapter);
  await fanout.ready();
  return {
    target: { emit: (room, event, payload) => io.to(room).emit(event, payload), hasListeners: () => true },
    close: async () => {
      await io.of('/').adapter.close();
      await fanout.close();
    },
  };
}
