import { useState, type FormEvent } from 'react';
import { useSession } from '../api/session.js';
import type { AuditEvent, Page } from '../api/types.js';
import { useLoad } from '../api/use-resource.js';
import { JsonBlock } from '../components/diff-views.js';
import { AsyncView, Empty } from '../components/feedback.js';
import { formatTime, shortId } from '../lib/format.js';

interface Filters { targetType: string; targetId: string; action: string; from: string; to: string }
const EMPTY: Filters = { targetType: '', targetId: '', action: '', from: '', to: '' };
const PAGE_SIZES = [10, 20, 50, 100];

/** `datetime-local` (local time) as ISO 8601 with offset, as the API wants it. */
const toIso = (local: string) => (local ? new Date(local).toISOString() : undefined);

/** The tenant's audit trail (admin keys): filters and pages, newest first. */
export function AuditPage() {
  const session = useSession();
  const [draft, setDraft] = useState<Filters>(EMPTY);
  const [filters, setFilters] = useState<Filters>(EMPTY);
  const [size, setSize] = useState(50);
  // The cursors of the pages before the current one, to go back.
  const [cursors, setCursors] = useState<Array<string | undefined>>([undefined]);
  const cursor = cursors[cursors.length - 1];
  const events = useLoad((signal) => session.get<Page<AuditEvent>>('/v2/audit', {
    query: { limit: size, cursor, targetType: filters.targetType, targetId: filters.targetId, action: filters.action, from: toIso(filters.from), to: toIso(filters.to) },
    signal,
  }), [session, filters, cursor, size]);

  const apply = (e: FormEvent) => {
    e.preventDefault();
    setFilters(draft);
    setCursors([undefined]);
  };
  const field = (k: keyof Filters, label: string, type = 'text') => (
    <div className="field">
      <label htmlFor={`audit-${k}`}>{label}</label>
      <input id={`audit-${k}`} type={type} value={draft[k]} onChange={(e) => setDraft({ ...draft, [k]: e.target.value })} />
    </div>
  );

  return (
    <>
      <h1>Audit log</h1>
      <p className="muted">Who did what to which record, at which version: every change, command, policy change and tool call. Needs an admin key.</p>
      <section className="panel" aria-labelledby="audit-filter-title">
        <h2 id="audit-filter-title">Filters</h2>
        <form onSubmit={apply} className="form-grid" aria-label="Audit filters">
          {field('action', 'Action', 'text')}
          {field('targetType', 'Target type')}
          {field('targetId', 'Target id')}
          {field('from', 'From', 'datetime-local')}
          {field('to', 'To (exclusive)', 'datetime-local')}
          <div className="field field-actions">
            <button type="submit">Apply filters</button>
            <button type="button" className="secondary" onClick={() => { setDraft(EMPTY); setFilters(EMPTY); setCursors([undefined]); }}>Clear</button>
          </div>
        </form>
      </section>
      <section className="panel" aria-labelledby="audit-list-title">
        <h2 id="audit-list-title">Events{cursors.length > 1 ? `, page ${cursors.length}` : ''}</h2>
        <AsyncView resource={events} label="the audit log">
          {(page) => (
            <>
              {page.items.length === 0 ? <Empty>No audit events match these filters.</Empty> : (
                <table className="audit">
                  <caption className="sr-only">Audit events, newest first</caption>
                  <thead><tr><th scope="col">Time</th><th scope="col">Action</th><th scope="col">Actor</th><th scope="col">Target</th><th scope="col">Version</th><th scope="col">Details</th></tr></thead>
                  <tbody>
                    {page.items.map((ev) => (
                      <tr key={ev.id} data-action={ev.action} data-id={ev.id}>
                        <td className="nowrap small">{formatTime(ev.createdAt)}</td>
                        <td><code>{ev.action}</code></td>
                        <td className="small">{ev.actorType}{ev.actorId ? ` ${shortId(ev.actorId)}` : ''}</td>
                        <td className="small">{ev.targetType} <code>{shortId(ev.targetId)}</code></td>
                        <td>{ev.version ?? '–'}</td>
                        <td>{ev.details ? <details><summary>details</summary><JsonBlock value={ev.details} label={`details of ${ev.action}`} /></details> : ''}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
              <div className="pager">
                <label htmlFor="audit-size">Per page</label>
                <select id="audit-size" value={size} onChange={(e) => { setSize(Number(e.target.value)); setCursors([undefined]); }}>
                  {PAGE_SIZES.map((n) => <option key={n} value={n}>{n}</option>)}
                </select>
                <button type="button" className="secondary" disabled={cursors.length < 2} onClick={() => setCursors((c) => c.slice(0, -1))}>Previous page</button>
                <button type="button" className="secondary" disabled={!page.nextCursor} onClick={() => page.nextCursor && setCursors((c) => [...c, page.nextCursor ?? undefined])}>Next page</button>
              </div>
            </>
          )}
        </AsyncView>
      </section>
    </>
  );
}
