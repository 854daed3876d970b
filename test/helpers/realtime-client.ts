import { io, type Socket } from 'socket.io-client';
import { REALTIME_EVENTS, RUN_LIST_EVENT, type RealtimeEvent, type RunListEvent, type SubscribeAck } from '../../src/contracts/realtime.js';

/** A connected test client and everything it received, in arrival order. */
export interface TestClient {
  socket: Socket;
  /** Run events with the client's receive time (Date.now()). */
  events: Array<RealtimeEvent & { receivedAt: number }>;
  runList: RunListEvent[];
  subscribe: (payload: unknown) => Promise<SubscribeAck>;
  unsubscribe: (payload: unknown) => Promise<unknown>;
  /** Resolves when an event matching `predicate` has been received (or fails after `timeoutMs`). */
  waitFor: (predicate: (e: RealtimeEvent) => boolean, timeoutMs?: number) => Promise<RealtimeEvent>;
  close: () => void;
}

/** Connection options: the key as `auth.token` (default) or as an `Authorization` header. */
export interface ConnectOptions {
  token?: string | null;
  authorization?: string;
}

/** Connects a real socket.io-client (websocket transport, no reconnection); rejects with the connect_error. */
export function connectClient(url: string, opts: ConnectOptions): Promise<TestClient> {
  const socket = io(url, {
    transports: ['websocket'], reconnection: false, forceNew: true, timeout: 5000,
    ...(opts.token !== undefined && opts.token !== null ? { auth: { token: opts.token } } : {}),
    ...(opts.authorization ? { extraHeaders: { authorization: opts.authorization } } : {}),
  });
  const events: TestClient['events'] = [];
  const runList: RunListEvent[] = [];
  const waiters: Array<{ predicate: (e: RealtimeEvent) => boolean; resolve: (e: RealtimeEvent) => void }> = [];
  for (const name of REALTIME_EVENTS) {
    socket.on(name, (e: RealtimeEvent) => {
      events.push({ ...e, receivedAt: Date.now() });
      for (const w of [...waiters]) {
        if (w.predicate(e)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(e);
        }
      }
    });
  }
  socket.on(RUN_LIST_EVENT, (e: RunListEvent) => runList.push(e));
  const client: TestClient = {
    socket, events, runList,
    subscribe: (payload) => socket.timeout(5000).emitWithAck('subscribe', payload) as Promise<SubscribeAck>,
    unsubscribe: (payload) => socket.timeout(5000).emitWithAck('unsubscribe', payload) as Promise<unknown>,
    waitFor: (predicate, timeoutMs = 20_000) => {
      const seen = events.find(predicate);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no matching event in ${timeoutMs} ms; got ${events.length}: ${JSON.stringify(events.slice(-5))}`)), timeoutMs);
        waiters.push({ predicate, resolve: (e) => { clearTimeout(timer); resolve(e); } });
      });
    },
    close: () => {
      socket.disconnect();
    },
  };
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(client));
    socket.once('connect_error', (err) => {
      socket.disconnect();
      reject(err);
    });
  });
}

/** The message of the connect_error a connection attempt gets (fails the test if it connects). */
export async function refusalOf(url: string, opts: ConnectOptions): Promise<string> {
  try {
    const c = await connectClient(url, opts);
    c.close();
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('the connection was accepted');
}

/** Events without their timestamps (`at` differs between live and replay; `receivedAt` is the client's). */
export function withoutTimes(events: ReadonlyArray<RealtimeEvent & { receivedAt?: number }>): Array<Record<string, unknown>> {
  return events.map(({ at: _at, receivedAt: _r, ...rest }) => rest);
}
