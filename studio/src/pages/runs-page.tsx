import { useEffect, useState } from 'react';
import { useSession } from '../api/session.js';
import type { Page, Run, RunSummary, Task } from '../api/types.js';
import { useApi, useLoad } from '../api/use-resource.js';
import { AsyncView, Empty, ErrorNotice } from '../components/feedback.js';
import { StartRunForm } from '../components/start-run-form.js';
import { StatusBadge } from '../components/status-badge.js';
import { formatAge, formatCost, formatTime, shortId } from '../lib/format.js';
import { useRunEvents, useRunListEvents } from '../realtime/realtime.js';
import { Link } from '../router/hash-router.js';

const TERMINAL = ['completed', 'failed', 'cancelled'];
const STATUSES = ['queued', 'running', 'waiting_approval', 'paused', 'completed', 'failed', 'cancelled'];

/** A ticking clock so ages stay true without a reload. */
function useNow(everyMs = 15_000): number {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(t);
  }, [everyMs]);
  return now;
}

/** One run of the list: its progress and cost from the run itself, live while it is not finished. */
function RunRow({ summary, taskName, now }: { summary: RunSummary; taskName: string | undefined; now: number }) {
  const detail = useApi<Run>(`/v2/runs/${summary.id}`);
  const r = detail.data ?? null;
  const live = !TERMINAL.includes(r?.status ?? summary.status);
  useRunEvents(live ? summary.id : null, () => detail.reload(), 300);
  const status = r?.status ?? summary.status;
  const round = r?.round ?? 0;
  const current = r?.stages.filter((s) => s.round === round && s.status !== 'skipped') ?? [];
  const done = current.filter((s) => s.status === 'succeeded').length;
  return (
    <tr data-run={summary.id} data-status={status}>
      <th scope="row"><Link to={`/runs/${summary.id}`} aria-label={`Run ${shortId(summary.id)}`}><code>{shortId(summary.id)}</code></Link></th>
      <td>{taskName ?? <code>{shortId(summary.taskId)}</code>}</td>
      <td><StatusBadge status={status} /></td>
      <td>
        {r ? (
          <>
            <progress max={Math.max(current.length, 1)} value={done} aria-label={`stages done of run ${shortId(summary.id)}`} /> {done}/{current.length}
            {round > 0 ? <span className="muted small"> round {round}</span> : null}
          </>
        ) : detail.error ? '?' : '…'}
      </td>
      <td>{formatCost(r?.costUsd ?? summary.costUsd)}</td>
      <td title={formatTime(summary.createdAt)}>{formatAge(summary.createdAt, now)}</td>
      <td className="small">{summary.effectiveMode}, {summary.template.name}</td>
    </tr>
  );
}

/** The tenant's runs, live: status, stage progress, cost and age; start a run for a task. */
export function RunsPage() {
  const session = useSession();
  const [status, setStatus] = useState('');
  const [older, setOlder] = useState<RunSummary[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [moreError, setMoreError] = useState<unknown>(null);
  const runs = useLoad((signal) => session.get<Page<RunSummary>>('/v2/runs', { query: { limit: 20, status }, signal }), [session, status]);
  const tasks = useApi<Page<Task>>('/v2/tasks?limit=100');
  const now = useNow();
  useRunListEvents(() => runs.reload());
  useEffect(() => {
    setOlder([]);
    setCursor(null);
  }, [status]);
  const next = cursor ?? runs.data?.nextCursor ?? null;

  const loadMore = async () => {
    if (!next) return;
    try {
      const page = await session.get<Page<RunSummary>>('/v2/runs', { query: { limit: 20, status, cursor: next } });
      setOlder((o) => [...o, ...page.items]);
      setCursor(page.nextCursor ?? '');
      setMoreError(null);
    } catch (err) {
      setMoreError(err);
    }
  };
  const taskName = (id: string) => tasks.data?.items.find((t) => t.id === id)?.name;

  return (
    <>
      <h1>Runs</h1>
      <section aria-labelledby="start-title" className="panel">
        <h2 id="start-title">Start a run</h2>
        <StartRunForm />
      </section>
      <section aria-labelledby="list-title" className="panel">
        <div className="panel-head">
          <h2 id="list-title">All runs</h2>
          <label htmlFor="run-status-filter">Status</label>
          <select id="run-status-filter" value={status} onChange={(e) => setStatus(e.target.value)}>
            <option value="">any</option>
            {STATUSES.map((s) => <option key={s} value={s}>{s.replace('_', ' ')}</option>)}
          </select>
          <button type="button" className="secondary" onClick={runs.reload}>Refresh</button>
        </div>
        <AsyncView resource={runs} label="the runs">
          {(page) => {
            const items = [...page.items, ...older.filter((o) => !page.items.some((p) => p.id === o.id))];
            if (items.length === 0) return <Empty>{status ? `No ${status.replace('_', ' ')} runs.` : 'No runs yet. Start one above for a task, or create a brand, a campaign and a task first.'}</Empty>;
            return (
              <table className="runs">
                <caption className="sr-only">Runs, newest first</caption>
                <thead>
                  <tr><th scope="col">Run</th><th scope="col">Task</th><th scope="col">Status</th><th scope="col">Stages</th><th scope="col">Cost</th><th scope="col">Age</th><th scope="col">Mode, template</th></tr>
                </thead>
                <tbody>{items.map((r) => <RunRow key={r.id} summary={r} taskName={taskName(r.taskId)} now={now} />)}</tbody>
              </table>
            );
          }}
        </AsyncView>
        {next ? <button type="button" className="secondary" onClick={() => void loadMore()}>Load older runs</button> : null}
        {moreError !== null && <ErrorNotice error={moreError} />}
      </section>
    </>
  );
}
