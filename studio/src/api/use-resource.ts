import { useCallback, useEffect, useRef, useState } from 'react';
import { useSession } from './session.js';

/** A resource loaded from the API: the last data, the last error, and whether a load is in flight. */
export interface Resource<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  /** Loads again (keeps showing the previous data meanwhile). */
  reload: () => void;
}

/**
 * Loads `load(session)` when `deps` change, and on `reload()`. A newer load supersedes an older one
 * (its answer is dropped), so a slow answer never overwrites a fresh one. `null` deps key = skip.
 */
export function useLoad<T>(load: ((signal: AbortSignal) => Promise<T>) | null, deps: readonly unknown[]): Resource<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(load !== null);
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  const lastTick = useRef(tick);

  useEffect(() => {
    const fn = loadRef.current;
    // Other deps (another record): never show the previous record's data meanwhile.
    if (lastTick.current === tick) {
      setData(undefined);
      setError(null);
    }
    lastTick.current = tick;
    if (!fn) {
      setLoading(false);
      return undefined;
    }
    const ctrl = new AbortController();
    setLoading(true);
    fn(ctrl.signal).then(
      (d) => {
        if (ctrl.signal.aborted) return;
        setData(d);
        setError(null);
        setLoading(false);
      },
      (err: unknown) => {
        if (ctrl.signal.aborted) return;
        setError(err);
        setLoading(false);
      },
    );
    return () => ctrl.abort();
  }, [...deps, tick]);

  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data, error, loading, reload };
}

/** GET `path` (null: nothing to load) as a {@link Resource}. */
export function useApi<T>(path: string | null): Resource<T> {
  const session = useSession();
  return useLoad<T>(path === null ? null : (signal) => session.get<T>(path, { signal }), [path, session]);
}
