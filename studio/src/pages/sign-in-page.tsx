import { useState, type FormEvent } from 'react';
import { useSessionState } from '../api/session.js';
import { ErrorNotice } from '../components/feedback.js';

/** Sign-in with an API key; a refused key shows the platform's message. */
export function SignInPage() {
  const { signIn, endedBecause } = useSessionState();
  const [key, setKey] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await signIn(key);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="sign-in" aria-labelledby="sign-in-title">
      <h1 id="sign-in-title">VM Platform Studio</h1>
      <p className="muted">Sign in with an API key of your tenant. After <code>npm start</code>, the demo tenant's admin key is in <code>data/demo-admin.key</code>.</p>
      {endedBecause && !error && <div role="alert" className="notice notice-warn"><p>{endedBecause}</p></div>}
      <form onSubmit={(e) => void submit(e)} aria-label="Sign in">
        <label htmlFor="api-key">API key</label>
        <input
          id="api-key" name="api-key" type="password" autoComplete="off" spellCheck={false} required
          value={key} onChange={(e) => setKey(e.target.value)} placeholder="vmp_…"
        />
        <button type="submit" disabled={busy}>{busy ? 'Signing in…' : 'Sign in'}</button>
      </form>
      {error !== null && <ErrorNotice error={error} title="Sign-in failed" />}
      <p className="muted small">The key stays in this browser tab only (session storage) and is sent to this server as a bearer token.</p>
    </main>
  );
}
