import { useState } from 'react';
import { useSession } from '../../api/session.js';
import type { Page, Version } from '../../api/types.js';
import { useLoad } from '../../api/use-resource.js';
import { mergePatch } from '../../lib/diff.js';
import { formatTime } from '../../lib/format.js';
import { FieldDiffTable } from '../diff-views.js';
import { AsyncView, Empty } from '../feedback.js';
import { contentOf, type FieldDef } from './record-fields.js';
import { JsonEditor, RecordForm } from './record-form.js';

type Kind = 'brands' | 'campaigns' | 'tasks';
type Rec = Record<string, unknown> & { id: string; version: number };

/**
 * Edits a record: the form (or every field as JSON) becomes a JSON merge patch of what changed,
 * sent with If-Match of the version shown, so a concurrent change is refused, not overwritten.
 */
export function EditPanel<T extends Rec>({ kind, record, fields, noun, onSaved }: {
  kind: Kind; record: T; fields: FieldDef[]; noun: string; onSaved: (r: T) => void;
}) {
  const session = useSession();
  const [open, setOpen] = useState(false);
  const [saved, setSaved] = useState<string | null>(null);
  const content = contentOf(record);
  const save = async (next: Record<string, unknown>) => {
    const patch = mergePatch(content, next);
    if (Object.keys(patch).length === 0) throw new Error('Nothing changed: edit a field first.');
    const { data } = await session.call<T>(`/v2/${kind}/${record.id}`, { method: 'PATCH', body: patch, headers: { 'if-match': `"${record.version}"` } });
    setSaved(`Saved as version ${data.version}.`);
    setOpen(false);
    onSaved(data);
  };
  return (
    <section aria-labelledby={`edit-${record.id}`} className="panel">
      <div className="panel-head">
        <h2 id={`edit-${record.id}`}>Edit {noun}</h2>
        <button type="button" className="secondary" aria-expanded={open} onClick={() => { setOpen((v) => !v); setSaved(null); }}>{open ? 'Close editor' : `Edit ${noun}`}</button>
      </div>
      {saved && <p role="status" className="notice notice-ok">{saved}</p>}
      {open && (
        <>
          <p className="muted small">Saving makes version {record.version + 1}; version {record.version} stays as it was.</p>
          <RecordForm key={record.version} fields={fields} initial={content} editing submitLabel="Save changes" onSubmit={save} label={`Edit ${noun}`} />
          <details>
            <summary>Edit every field as JSON</summary>
            <JsonEditor key={record.version} initial={content} onSubmit={save} label={`Edit ${noun} as JSON`} />
          </details>
        </>
      )}
    </section>
  );
}

/** A record's version history and the diff between any two of its versions. */
export function VersionPanel({ kind, id, currentVersion }: { kind: Kind; id: string; currentVersion: number }) {
  const session = useSession();
  const versions = useLoad((signal) => session.get<Page<Version>>(`/v2/${kind}/${id}/versions`, { query: { limit: 100 }, signal }), [session, kind, id, currentVersion]);
  const [from, setFrom] = useState(Math.max(1, currentVersion - 1));
  const [to, setTo] = useState(currentVersion);
  const [picked, setPicked] = useState(false);
  const a = picked ? from : Math.max(1, currentVersion - 1);
  const b = picked ? to : currentVersion;
  const diff = useLoad(
    currentVersion < 2 ? null : async (signal) => {
      const [x, y] = await Promise.all([a, b].map((n) => session.get<Record<string, unknown>>(`/v2/${kind}/${id}/versions/${n}`, { signal })));
      return { before: contentOf(x ?? {}), after: contentOf(y ?? {}) };
    },
    [session, kind, id, a, b, currentVersion],
  );
  const numbers = Array.from({ length: currentVersion }, (_, i) => currentVersion - i);
  return (
    <section aria-labelledby={`versions-${id}`} className="panel">
      <h2 id={`versions-${id}`}>Versions</h2>
      <AsyncView resource={versions} label="the versions">
        {(page) => (
          <table>
            <caption className="sr-only">Version history, newest first</caption>
            <thead><tr><th scope="col">Version</th><th scope="col">Content hash</th><th scope="col">By</th><th scope="col">At</th></tr></thead>
            <tbody>{page.items.map((v) => <tr key={v.version}><td>{v.version}</td><td><code>{v.hash.slice(0, 16)}</code></td><td className="small">{v.createdBy}</td><td className="small">{formatTime(v.createdAt)}</td></tr>)}</tbody>
          </table>
        )}
      </AsyncView>
      {currentVersion < 2 ? <Empty>Only one version so far: edit the record to make another, then compare them here.</Empty> : (
        <>
          <div className="inline-form" role="group" aria-label="Compare versions">
            <label htmlFor={`from-${id}`}>Compare version</label>
            <select id={`from-${id}`} value={a} onChange={(e) => { setPicked(true); setFrom(Number(e.target.value)); setTo(b); }}>
              {numbers.map((n) => <option key={n} value={n}>{n}</option>)}
            </select>
            <label htmlFor={`to-${id}`}>with version</label>
            <select id={`to-${id}`} value={b} onChange={(e) => { setPicked(true); setTo(Number(e.target.value)); setFrom(a); }}>
              {numbers.map((n) => <option key={n} value={n}>{n}</option>)}
            </select>
          </div>
          <AsyncView resource={diff} label="the diff">
            {(d) => <FieldDiffTable before={d.before} after={d.after} beforeLabel={`version ${a}`} afterLabel={`version ${b}`} caption={`Changes from version ${a} to version ${b}`} />}
          </AsyncView>
        </>
      )}
    </section>
  );
}
