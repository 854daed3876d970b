import { REALTIME_EVENTS, type RealtimeEvent, type RunListEvent, type SubscribeAck } from '@contracts/realtime.js';
import { createContext, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { io, type Socket } from 'socket.io-client';

/** The state of the realtime connection, shown in the header. */
export interface RealtimeStatus {
  state: 'connecting' | 'connected' | 'disconnected';
  /** Why it is not connected (refused key, server without realtime…). */
  reason: string | null;
}

/** An event of the run, or null after a (re)subscription: the page should refetch once. */
type RunHandler = (event: RealtimeEvent | null) => void;
type ListHandler = (event: RunListEvent) => void;

interface RunSubscription {
  handlers: Set<RunHandler>;
  /** The last step (`run.transition` seq) seen; a re-subscribe asks for what came after it. */
  lastSeq: number;
  /** Events of the step in progress, by `n`, so a replayed event is not delivered twice. */
  seen: Set<string>;
}

/** Subscribes to runs and to the tenant's run list over Socket.IO (same origin, path /socket.io). */
export interface Realtime {
  status: RealtimeStatus;
  /** Events of one run (missed ones replayed after a gap or a reconnect); returns the unsubscribe. */
  subscribeRun: (runId: string, handler: RunHandler) => () => void;
  /** `runs.changed` of the tenant's runs; returns the unsubscribe. */
  subscribeRuns: (handler: ListHandler) => () => void;
}

const RealtimeContext = createContext<Realtime | null>(null);

/**
 * One Socket.IO connection per signed-in session: `io({ auth: { token }, transports: ['websocket'] })`.
 * Every run subscription is re-sent with the last seq seen on each (re)connect, and after a gap in
 * the steps, so the server replays what was missed from the run's timeline.
 */
export function RealtimeProvider({ apiKey, children }: { apiKey: string; children: ReactNode }) {
  const [status, setStatus] = useState<RealtimeStatus>({ state: 'connecting', reason: null });
  const socketRef = useRef<Socket | null>(null);
  const runs = useRef(new Map<string, RunSubscription>());
  const lists = useRef(new Set<ListHandler>());

  const api = useMemo(() => {
    const deliver = (sub: RunSubscription, event: RealtimeEvent) => {
      const id = `${event.seq}:${event.n}:${event.type}`;
      if (event.seq <= sub.lastSeq || sub.seen.has(id)) return;
      sub.seen.add(id);
      if (event.type === 'run.transition') {
        sub.lastSeq = event.seq;
        sub.seen.clear();
      }
      for (const h of sub.handlers) h(event);
    };
    const subscribe = (runId: string) => {
      const socket = socketRef.current;
      const sub = runs.current.get(runId);
      if (!socket?.connected || !sub) return;
      // Without a seq seen yet, nothing is replayed: the page loads the run itself, and refetches
      // once subscribed (below) so no step between its load and the subscription is lost.
      socket
        .timeout(10_000)
        .emitWithAck('subscribe', sub.lastSeq > 0 ? { runId, lastSeq: sub.lastSeq } : { runId })
        .then((ack: SubscribeAck) => {
          if (!ack.ok) {
            setStatus({ state: 'connected', reason: `Live updates of run ${runId.slice(-8)} refused: ${ack.error.message}` });
            return;
          }
          for (const e of ack.missed) deliver(sub, e);
          sub.lastSeq = Math.max(sub.lastSeq, ack.lastSeq);
          for (const h of sub.handlers) h(null);
        })
        .catch(() => {
          // No answer in time: the next reconnect subscribes again.
        });
    };
    const subscribeList = () => {
      const socket = socketRef.current;
      if (!socket?.connected || lists.current.size === 0) return;
      socket.timeout(10_000).emitWithAck('subscribe', { runs: true }).catch(() => undefined);
    };
    return { deliver, subscribe, subscribeList };
  }, []);

  useEffect(() => {
    const socket = io({ auth: { token: apiKey }, transports: ['websocket'], reconnectionDelayMax: 5000 });
    socketRef.current = socket;
    socket.on('connect', () => {
      setStatus({ state: 'connected', reason: null });
      for (const runId of runs.current.keys()) api.subscribe(runId);
      api.subscribeList();
    });
    socket.on('connect_error', (err: Error) => setStatus({ state: 'disconnected', reason: err.message }));
    socket.on('disconnect', (reason: string) => setStatus({ state: 'disconnected', reason }));
    for (const name of REALTIME_EVENTS) {
      socket.on(name, (event: RealtimeEvent) => {
        const sub = runs.current.get(event.runId);
        if (!sub) return;
        // A step was skipped (seq jumped): ask for it again; the replay arrives in the ack.
        if (event.seq > sub.lastSeq + 1) api.subscribe(event.runId);
        api.deliver(sub, event);
      });
    }
    socket.on('runs.changed', (event: RunListEvent) => {
      for (const h of lists.current) h(event);
    });
    return () => {
      socket.removeAllListeners();
      socket.disconnect();
      socketRef.current = null;
    };
  }, [apiKey, api]);

  const fns = useMemo<Omit<Realtime, 'status'>>(() => ({
    subscribeRun: (runId, handler) => {
      let sub = runs.current.get(runId);
      const fresh = !sub;
      if (!sub) {
        sub = { handlers: new Set(), lastSeq: 0, seen: new Set() };
        runs.current.set(runId, sub);
      }
      sub.handlers.add(handler);
      if (fresh) api.subscribe(runId);
      return () => {
        sub.handlers.delete(handler);
        if (sub.handlers.size === 0) {
          runs.current.delete(runId);
          socketRef.current?.emit('unsubscribe', { runId });
        }
      };
    },
    subscribeRuns: (handler) => {
      const first = lists.current.size === 0;
      lists.current.add(handler);
      if (first) api.subscribeList();
      return () => {
        lists.current.delete(handler);
        if (lists.current.size === 0) socketRef.current?.emit('unsubscribe', { runs: true });
      };
    },
  }), [api]);
  const value = useMemo<Realtime>(() => ({ status, ...fns }), [status, fns]);

  return <RealtimeContext.Provider value={value}>{children}</RealtimeContext.Provider>;
}

/** The realtime connection of the session. */
export function useRealtime(): Realtime {
  const r = useContext(RealtimeContext);
  if (!r) throw new Error('useRealtime outside RealtimeProvider');
  return r;
}

/**
 * Calls `onChange` (debounced) whenever run `runId` has new events; the page refetches then. The
 * handler receives the events of the burst.
 */
export function useRunEvents(runId: string | null, onChange: (events: RealtimeEvent[]) => void, debounceMs = 150): void {
  const { subscribeRun } = useRealtime();
  const cb = useRef(onChange);
  cb.current = onChange;
  useEffect(() => {
    if (!runId) return undefined;
    let timer: ReturnType<typeof setTimeout> | null = null;
    let batch: RealtimeEvent[] = [];
    const off = subscribeRun(runId, (e) => {
      if (e) batch.push(e);
      if (timer) return;
      timer = setTimeout(() => {
        timer = null;
        const events = batch;
        batch = [];
        cb.current(events);
      }, debounceMs);
    });
    return () => {
      off();
      if (timer) clearTimeout(timer);
    };
  }, [runId, subscribeRun, debounceMs]);
}

/** Calls `onChange` (debounced) when any run of the tenant changes status. */
export function useRunListEvents(onChange: () => void, debounceMs = 300): void {
  const { subscribeRuns } = useRealtime();
  const cb = useRef(onChange);
  cb.current = onChange;
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | null = null;
    const off = subscribeRuns(() => {
      if (timer) return;
      timer = setTimeout(() => {
        timer = null;
        cb.current();
      }, debounceMs);
    });
    return () => {
      off();
      if (timer) clearTimeout(timer);
    };
  }, [subscribeRuns, debounceMs]);
}
