import type { Server as HttpServer } from 'node:http';
import { Server } from 'socket.io';
import type { RunHost } from '../actors/run-host.js';
import type { Logger } from '../observability/logger.js';
import type { Orm } from '../persistence/orm.js';
import { redisFanout, type RedisFanoutOptions } from './redis-fanout.js';
import { RunEventPublisher, type RealtimeTarget } from './run-event-publisher.js';
import { socketAuth } from './socket-auth.js';
import { handleSubscriptions } from './subscription.handler.js';

/** The default Socket.IO path (what clients connect to on the platform's port). */
export const REALTIME_PATH = '/socket.io';

/** What realtime needs. */
export interface RealtimeOptions {
  /** The platform's HTTP server (Fastify's `app.server`); Socket.IO shares its port. */
  server: HttpServer;
  orm: Orm;
  /** The run host whose commits are published. */
  host: Pick<RunHost, 'onCommit'>;
  logger: Logger;
  /** Share rooms with the other instances through Redis (set with `REDIS_URL`); default: this process only. */
  redis?: RedisFanoutOptions;
}

/** Socket.IO attached to the platform, publishing the run host's commits. */
export interface Realtime {
  io: Server;
  publisher: RunEventPublisher;
  /** Stops publishing, disconnects every client and closes the Redis connections (the HTTP server stays up). */
  close(): Promise<void>;
}

/** A target on a Socket.IO server's rooms. */
export function socketTarget(io: Server, localOnly: boolean): RealtimeTarget {
  const rooms = io.of('/').adapter.rooms;
  return {
    emit: (room, event, payload) => io.to(room).emit(event, payload),
    // With Redis, other instances may have the room: always publish.
    hasListeners: localOnly ? (room) => rooms.has(room) : () => true,
  };
}

/**
 * Attaches Socket.IO to the platform's HTTP server (by hand: STACK.md §9) at {@link REALTIME_PATH}:
 * the handshake authenticates the API key (`auth.token` or `Authorization: Bearer`), clients
 * `subscribe` to their tenant's runs and run list (see subscription.handler.ts), and every commit
 * of the run host is published to the rooms after it is durable. With `redis`, the Socket.IO Redis
 * adapter shares the rooms among instances.
 */
export async function attachRealtime(opts: RealtimeOptions): Promise<Realtime> {
  const io = new Server(opts.server, { path: REALTIME_PATH, serveClient: false });
  const fanout = opts.redis ? redisFanout(opts.redis) : null;
  if (fanout) {
    io.adapter(fanout.adapter);
    await fanout.ready();
  }
  const knex = () => opts.orm.em.getKnex();
  io.use(socketAuth(opts.orm, opts.logger));
  io.on('connection', (socket) => handleSubscriptions(socket, { knex, logger: opts.logger }));
  const publisher = new RunEventPublisher({ knex, target: socketTarget(io, fanout === null), logger: opts.logger });
  const stopListening = opts.host.onCommit((batch) => publisher.publish(batch));
  let closed = false;
  return {
    io,
    publisher,
    close: async () => {
      if (closed) return;
      closed = true;
      stopListening();
      await publisher.idle();
      io.disconnectSockets(true);
      io.engine.close();
      await io.of('/').adapter.close();
      await fanout?.close();
    },
  };
}
