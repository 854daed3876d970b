import { useId, useState, type FormEvent } from 'react';
import { ErrorNotice } from '../feedback.js';
import { fromInput, getAt, setAt, toInput, type FieldDef } from './record-fields.js';

/**
 * A form over a record's content: shows `fields` of `initial`, and submits `initial` with those
 * fields replaced (so content the form does not show is kept). The caller sends it.
 */
export function RecordForm({ fields, initial, submitLabel, onSubmit, editing, label }: {
  fields: FieldDef[];
  initial: Record<string, unknown>;
  submitLabel: string;
  onSubmit: (content: Record<string, unknown>) => Promise<void>;
  /** Editing an existing record: immutable fields that are set cannot change. */
  editing?: boolean;
  label: string;
}) {
  const uid = useId();
  const [values, setValues] = useState<Array<string | boolean>>(() => fields.map((f) => toInput(f, getAt(initial, f.path))));
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    let content = initial;
    fields.forEach((f, i) => {
      content = setAt(content, f.path, fromInput(f, values[i] ?? '', getAt(initial, f.path)));
    });
    setBusy(true);
    setError(null);
    try {
      await onSubmit(content);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={(e) => void submit(e)} className="record-form" aria-label={label}>
      <div className="form-grid">
        {fields.map((f, i) => {
          const id = `${uid}-${i}`;
          const locked = Boolean(editing && f.immutable && getAt(initial, f.path) !== undefined);
          const set = (v: string | boolean) => setValues((cur) => cur.map((x, j) => (j === i ? v : x)));
          const value = values[i] ?? '';
          const hintId = f.hint || locked ? `${id}-hint` : undefined;
          const common = { id, disabled: locked, required: f.required, 'aria-describedby': hintId };
          return (
            <div key={f.path.join('/')} className={`field field-${f.kind}`}>
              {f.kind === 'checkbox' ? (
                <label className="check"><input type="checkbox" {...common} checked={value === true} onChange={(e) => set(e.target.checked)} /> {f.label}</label>
              ) : (
                <label htmlFor={id}>{f.label}</label>
              )}
              {f.kind === 'textarea' || f.kind === 'lines' ? (
                <textarea {...common} rows={f.kind === 'lines' ? 3 : 2} value={String(value)} onChange={(e) => set(e.target.value)} />
              ) : f.kind === 'select' ? (
                <select {...common} value={String(value)} onChange={(e) => set(e.target.value)}>
                  <option value="">Choose…</option>
                  {f.options?.map((o) => <option key={o} value={o}>{o}</option>)}
                </select>
              ) : f.kind === 'checkbox' ? null : (
                <input
                  {...common}
                  type={f.kind === 'number' ? 'number' : f.kind === 'date' ? 'date' : 'text'}
                  step={f.step}
                  value={String(value)}
                  onChange={(e) => set(e.target.value)}
                />
              )}
              {hintId && <span id={hintId} className="hint">{locked ? 'Identity: set once, never changes.' : f.hint}</span>}
            </div>
          );
        })}
      </div>
      <button type="submit" disabled={busy}>{busy ? 'Saving…' : submitLabel}</button>
      {error !== null && <ErrorNotice error={error} title="Not saved" />}
    </form>
  );
}

/** Edits the whole content as JSON (every field, including those the form does not show). */
export function JsonEditor({ initial, onSubmit, label }: { initial: Record<string, unknown>; onSubmit: (content: Record<string, unknown>) => Promise<void>; label: string }) {
  const uid = useId();
  const [text, setText] = useState(() => JSON.stringify(initial, null, 2));
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      setError(new Error(`The content is not valid JSON: ${(err as Error).message}`));
      return;
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      setError(new Error('The content must be a JSON object.'));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await onSubmit(parsed as Record<string, unknown>);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form onSubmit={(e) => void submit(e)} aria-label={label}>
      <label htmlFor={`${uid}-json`}>Content (JSON)</label>
      <textarea id={`${uid}-json`} className="code" rows={14} value={text} onChange={(e) => setText(e.target.value)} spellCheck={false} />
      <button type="submit" disabled={busy}>{busy ? 'Saving…' : 'Save JSON as a new version'}</button>
      {error !== null && <ErrorNotice error={error} title="Not saved" />}
    </form>
  );
}
