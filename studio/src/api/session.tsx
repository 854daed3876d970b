import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';
import { ApiError } from './api-error.js';
import { callApi, type CallOptions, type CallResult } from './client.js';

const STORAGE_KEY = 'vmp.studio.apiKey';

/** The signed-in session: the API key (kept in sessionStorage, so it ends with the tab) and the API bound to it. */
export interface Session {
  key: string;
  /** The non-secret start of the key, for display. */
  keyPrefix: string;
  call: <T>(path: string, opts?: CallOptions) => Promise<CallResult<T>>;
  /** GET and return the JSON body. */
  get: <T>(path: string, opts?: Omit<CallOptions, 'method' | 'body'>) => Promise<T>;
  signOut: (reason?: string) => void;
}

interface SessionState {
  session: Session | null;
  /** Why the last session ended (a refused key), shown on the sign-in page. */
  endedBecause: string | null;
  signIn: (key: string) => Promise<void>;
}

const SessionContext = createContext<SessionState | null>(null);

function readStoredKey(): string | null {
  try {
    return sessionStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

/** Provides the session to the app; checks a key with GET /v2/projects before keeping it. */
export function SessionProvider({ children }: { children: ReactNode }) {
  const [key, setKey] = useState<string | null>(readStoredKey);
  const [endedBecause, setEndedBecause] = useState<string | null>(null);

  const signOut = useCallback((reason?: string) => {
    try {
      sessionStorage.removeItem(STORAGE_KEY);
    } catch {
      // Storage unavailable (private mode): nothing was kept.
    }
    setEndedBecause(reason ?? null);
    setKey(null);
  }, []);

  const signIn = useCallback(async (candidate: string) => {
    const trimmed = candidate.trim();
    if (!trimmed) throw new ApiError(400, 'VALIDATION_FAILED', 'Enter an API key.');
    await callApi(trimmed, '/v2/projects', { query: { limit: 1 } });
    try {
      sessionStorage.setItem(STORAGE_KEY, trimmed);
    } catch {
      // Without storage the session lasts until the page is reloaded.
    }
    setEndedBecause(null);
    setKey(trimmed);
  }, []);

  const session = useMemo<Session | null>(() => {
    if (!key) return null;
    const call = async <T,>(path: string, opts?: CallOptions) => {
      try {
        return await callApi<T>(key, path, opts);
      } catch (err) {
        // The key was revoked while signed in: back to the sign-in page, saying why.
        if (err instanceof ApiError && err.status === 401) signOut(`Signed out: ${err.message}`);
        throw err;
      }
    };
    return {
      key,
      keyPrefix: key.slice(0, 13),
      call,
      get: async <T,>(path: string, opts?: Omit<CallOptions, 'method' | 'body'>) => (await call<T>(path, opts)).data,
      signOut,
    };
  }, [key, signOut]);

  const value = useMemo(() => ({ session, endedBecause, signIn }), [session, endedBecause, signIn]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

/** The session state (signed in or not). */
export function useSessionState(): SessionState {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSessionState outside SessionProvider');
  return s;
}

/** The signed-in session; only inside the signed-in part of the app. */
export function useSession(): Session {
  const { session } = useSessionState();
  if (!session) throw new Error('useSession: not signed in');
  return session;
}
