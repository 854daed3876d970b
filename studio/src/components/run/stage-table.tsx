import type { StageRun } from '../../api/types.js';
import { formatCost, formatDuration, formatTime } from '../../lib/format.js';
import { StatusBadge } from '../status-badge.js';

/** Every StageRun of a run, by round: status, attempts, fallback, timings, cost, last error. */
export function StageTable({ stages }: { stages: StageRun[] }) {
  // Stages the plan left out are named under the DAG; the table lists what runs.
  const shown = stages.filter((s) => s.status !== 'skipped');
  return (
    <table className="stages">
      <caption className="sr-only">Stage runs</caption>
      <thead>
        <tr>
          <th scope="col">Stage</th><th scope="col">Round</th><th scope="col">Status</th><th scope="col">Attempts</th>
          <th scope="col">Started</th><th scope="col">Waited</th><th scope="col">Took</th><th scope="col">Cost</th><th scope="col">Last error</th>
        </tr>
      </thead>
      <tbody>
        {shown.map((s) => (
          <tr key={s.id} data-stage={s.stageId} data-round={s.round} data-status={s.status}>
            <th scope="row"><code>{s.stageId}</code> <span className="muted small">{s.kind}</span></th>
            <td>{s.round}</td>
            <td><StatusBadge status={s.status} /></td>
            <td>{s.attempt}{s.usingFallback ? ' (fallback)' : ''}</td>
            <td className="nowrap small">{formatTime(s.startedAt)}</td>
            <td>{formatDuration(s.queuedAt, s.startedAt)}</td>
            <td>{formatDuration(s.startedAt, s.finishedAt)}</td>
            <td>{formatCost(s.costUsd)}</td>
            <td className="small error-text">{s.lastError ?? ''}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
