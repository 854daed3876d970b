import { useRef, useState, type FormEvent } from 'react';
import { newIdempotencyKey } from '../../api/client.js';
import { useSession } from '../../api/session.js';
import type { Run } from '../../api/types.js';
import { ErrorNotice } from '../feedback.js';

type Command = 'approve' | 'request-rework' | 'cancel' | 'resume';

/**
 * Sends a run command with an Idempotency-Key (kept until it succeeds, so a retried click is the
 * same command) and the run version we show as If-Match (a decision on a stale view is refused).
 */
function useCommand(run: Run, onDone: (message: string) => void) {
  const session = useSession();
  const keys = useRef(new Map<Command, string>());
  const [busy, setBusy] = useState<Command | null>(null);
  const [error, setError] = useState<unknown>(null);
  const send = async (command: Command, body: unknown, done: string): Promise<boolean> => {
    const key = keys.current.get(command) ?? newIdempotencyKey();
    keys.current.set(command, key);
    setBusy(command);
    setError(null);
    try {
      await session.call(`/v2/runs/${run.id}/${command}`, {
        method: 'POST', body, headers: { 'idempotency-key': key, 'if-match': `"${run.version}"` },
      });
      keys.current.delete(command);
      onDone(done);
      return true;
    } catch (err) {
      setError(err);
      return false;
    } finally {
      setBusy(null);
    }
  };
  return { send, busy, error };
}

/** Approve, request rework (feedback and the stages to re-run), cancel, resume: what the run's status allows. */
export function RunActions({ run, onDone }: { run: Run; onDone: (message: string) => void }) {
  const { send, busy, error } = useCommand(run, onDone);
  const [note, setNote] = useState('');
  const [feedback, setFeedback] = useState('');
  const contentStages = run.plan.stages.filter((s) => s.content).map((s) => s.id);
  const [stages, setStages] = useState<string[]>(contentStages);
  const [reason, setReason] = useState('');
  const [showRework, setShowRework] = useState(false);
  const [showCancel, setShowCancel] = useState(false);

  const waiting = run.status === 'waiting_approval';
  const live = ['queued', 'running', 'waiting_approval', 'paused'].includes(run.status);
  if (!live) return null;

  const approve = (e: FormEvent) => {
    e.preventDefault();
    void send('approve', note.trim() ? { note: note.trim() } : {}, 'Approved: the run consolidates and publishes its artifacts.');
  };
  const rework = (e: FormEvent) => {
    e.preventDefault();
    void send('request-rework', { feedback, ...(stages.length ? { stages } : {}) }, 'Rework requested: the selected stages run again, then the run is reviewed again.').then((ok) => {
      if (!ok) return;
      setShowRework(false);
      setFeedback('');
    });
  };
  const cancel = (e: FormEvent) => {
    e.preventDefault();
    void send('cancel', { reason }, 'Cancelled.');
  };

  return (
    <section aria-labelledby="decide-title" className="panel actions">
      <h2 id="decide-title">{waiting ? 'Decision' : 'Actions'}</h2>
      {waiting && <p>This run is waiting for your approval. Read the drafts and the gate report below, then decide.</p>}
      {waiting && (
        <form onSubmit={approve} className="inline-form" aria-label="Approve">
          <label htmlFor="approve-note">Approval note (optional)</label>
          <input id="approve-note" value={note} onChange={(e) => setNote(e.target.value)} maxLength={4000} />
          <button type="submit" disabled={busy !== null}>{busy === 'approve' ? 'Approving…' : 'Approve'}</button>
          <button type="button" className="secondary" aria-expanded={showRework} onClick={() => setShowRework((v) => !v)}>Request rework…</button>
        </form>
      )}
      {waiting && showRework && (
        <form onSubmit={rework} className="stack-form" aria-label="Request rework">
          <label htmlFor="rework-feedback">Feedback for the rework</label>
          <textarea id="rework-feedback" required rows={3} maxLength={4000} value={feedback} onChange={(e) => setFeedback(e.target.value)} placeholder="What should change? e.g. Shorter, more energy" />
          <fieldset>
            <legend>Stages to re-run (their dependents re-run too)</legend>
            {run.plan.stages.map((s) => (
              <label key={s.id} className="check">
                <input
                  type="checkbox" checked={stages.includes(s.id)}
                  onChange={(e) => setStages((cur) => (e.target.checked ? [...cur, s.id] : cur.filter((x) => x !== s.id)))}
                />
                {s.id}{s.content ? ' (content)' : ''}
              </label>
            ))}
          </fieldset>
          <button type="submit" disabled={busy !== null || feedback.trim() === ''}>{busy === 'request-rework' ? 'Sending…' : 'Send back for rework'}</button>
        </form>
      )}
      {run.status === 'paused' && (
        <p>
          The approval deadline passed and the run is paused.{' '}
          <button type="button" disabled={busy !== null} onClick={() => void send('resume', {}, 'Resumed: the run waits for approval again.')}>Resume</button>
        </p>
      )}
      <p>
        <button type="button" className="danger secondary" aria-expanded={showCancel} onClick={() => setShowCancel((v) => !v)}>Cancel run…</button>
      </p>
      {showCancel && (
        <form onSubmit={cancel} className="inline-form" aria-label="Cancel run">
          <label htmlFor="cancel-reason">Reason for cancelling</label>
          <input id="cancel-reason" required value={reason} onChange={(e) => setReason(e.target.value)} maxLength={1000} />
          <button type="submit" className="danger" disabled={busy !== null || reason.trim() === ''}>{busy === 'cancel' ? 'Cancelling…' : 'Confirm cancel'}</button>
        </form>
      )}
      {error !== null && <ErrorNotice error={error} title="The command was refused" />}
    </section>
  );
}
