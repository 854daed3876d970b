import { flatten } from '../../lib/diff.js';
import { formatValue } from '../../lib/format.js';
import { Empty } from '../feedback.js';
import type { ResolvedContext } from '../../api/types.js';
import { Link } from '../../router/hash-router.js';

/** A record's content, field by field. */
export function ContentTable({ content, caption }: { content: Record<string, unknown>; caption: string }) {
  const rows = Object.entries(flatten(content));
  if (rows.length === 0) return <Empty>No content.</Empty>;
  return (
    <table className="content-table">
      <caption className="sr-only">{caption}</caption>
      <thead><tr><th scope="col">Field</th><th scope="col">Value</th></tr></thead>
      <tbody>{rows.map(([k, v]) => <tr key={k}><th scope="row"><code>{k}</code></th><td>{formatValue(v)}</td></tr>)}</tbody>
    </table>
  );
}

const levelPath = (level: string, id: string) => `/${level === 'brand' ? 'brands' : level === 'campaign' ? 'campaigns' : 'tasks'}/${id}`;

/** The resolved Brand -> Campaign -> Task context: each field's value and where it came from. */
export function ResolvedContextTable({ ctx }: { ctx: ResolvedContext }) {
  const fields = Object.keys(ctx.provenance).sort();
  return (
    <>
      <p className="small muted">
        Content hash <code>{ctx.hash.slice(0, 16)}</code>, from brand v{ctx.versions.brand}, campaign v{ctx.versions.campaign}, task v{ctx.versions.task}.
      </p>
      <table className="context-table">
        <caption className="sr-only">Resolved context with provenance</caption>
        <thead><tr><th scope="col">Field</th><th scope="col">Value</th><th scope="col">Set by</th><th scope="col">Overrides</th></tr></thead>
        <tbody>
          {fields.map((f) => {
            const p = ctx.provenance[f];
            const value = f.split('.').reduce<unknown>((cur, k) => (cur && typeof cur === 'object' ? (cur as Record<string, unknown>)[k] : undefined), ctx.context);
            return (
              <tr key={f} data-field={f} data-level={p?.level}>
                <th scope="row"><code>{f}</code></th>
                <td>{formatValue(value ?? ctx.context[f])}</td>
                <td>{p ? <Link to={levelPath(p.level, p.id)}>{p.level} v{p.version}</Link> : '–'}</td>
                <td className="small">{p?.overrode ? `overrides ${p.overrode.level} v${p.overrode.version}` : ''}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {ctx.conflicts.length > 0 && (
        <div role="alert" className="notice notice-warn">
          <p>Conflicts (overrides the policy refused):</p>
          <ul>{ctx.conflicts.map((c, i) => <li key={i}><code>{c.field}</code> at {c.level}: {c.message}</li>)}</ul>
        </div>
      )}
    </>
  );
}
