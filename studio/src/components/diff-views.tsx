import { fieldDiff, lineDiff } from '../lib/diff.js';
import { formatValue } from '../lib/format.js';
import { Empty } from './feedback.js';

/** The fields that differ between two versions of a record. */
export function FieldDiffTable({ before, after, beforeLabel, afterLabel, caption }: {
  before: unknown; after: unknown; beforeLabel: string; afterLabel: string; caption: string;
}) {
  const rows = fieldDiff(before, after);
  if (rows.length === 0) return <Empty>No differences between {beforeLabel} and {afterLabel}.</Empty>;
  return (
    <table className="diff-table">
      <caption>{caption}</caption>
      <thead>
        <tr><th scope="col">Field</th><th scope="col">Change</th><th scope="col">{beforeLabel}</th><th scope="col">{afterLabel}</th></tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.path} data-change={r.kind}>
            <th scope="row"><code>{r.path}</code></th>
            <td>{r.kind}</td>
            <td className="diff-del">{r.kind === 'added' ? '' : formatValue(r.before)}</td>
            <td className="diff-add">{r.kind === 'removed' ? '' : formatValue(r.after)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** A line diff of two texts. */
export function LineDiffView({ before, after, label }: { before: string; after: string; label: string }) {
  const lines = lineDiff(before, after);
  const changed = lines.filter((l) => l.kind !== 'same').length;
  return (
    <figure className="line-diff">
      <figcaption>{label}: {changed === 0 ? 'identical' : `${lines.filter((l) => l.kind === 'added').length} lines added, ${lines.filter((l) => l.kind === 'removed').length} removed`}</figcaption>
      <pre aria-label={label}>
        {lines.map((l, i) => (
          <div key={i} className={`diff-line diff-${l.kind}`} data-change={l.kind}>
            <span className="diff-sign" aria-hidden="true">{l.kind === 'added' ? '+' : l.kind === 'removed' ? '−' : ' '}</span>
            <span className="sr-only">{l.kind === 'same' ? '' : `${l.kind}: `}</span>
            {l.text || ' '}
          </div>
        ))}
      </pre>
    </figure>
  );
}

/** JSON, pretty-printed. */
export function JsonBlock({ value, label }: { value: unknown; label: string }) {
  return <pre className="json" aria-label={label}>{JSON.stringify(value, null, 2)}</pre>;
}
