import type { GateResultEvent } from '@contracts/realtime.js';
import { useCallback, useState } from 'react';
import type { z } from 'zod';
import { ApiError } from '../api/api-error.js';
import type { RunMachineView } from '../api/machine-types.js';
import { useSession } from '../api/session.js';
import type { Page, Run, RunArtifacts, RunOutputs, Task, Timeline, ToolUsage } from '../api/types.js';
import { useApi, type Resource } from '../api/use-resource.js';
import { AsyncView, Empty, ErrorNotice, Loading } from '../components/feedback.js';
import { RunActions } from '../components/run/run-actions.js';
import { GateReport, StageOutputs } from '../components/run/run-outputs.js';
import { RunTimeline } from '../components/run/run-timeline.js';
import { StageDag } from '../components/run/stage-dag.js';
import { StageTable } from '../components/run/stage-table.js';
import { Statechart } from '../components/run/statechart.js';
import { StatusBadge } from '../components/status-badge.js';
import { formatAge, formatCost, formatTime, shortId } from '../lib/format.js';
import { useRunEvents } from '../realtime/realtime.js';
import { Link } from '../router/hash-router.js';

function RunHeader({ run }: { run: Run }) {
  const task = useApi<Task>(`/v2/tasks/${run.taskId}`);
  const done = run.stages.filter((s) => s.round === run.round && s.status === 'succeeded').length;
  const total = run.stages.filter((s) => s.round === run.round && s.status !== 'skipped').length;
  return (
    <>
      <h1>
        Run <code>{shortId(run.id)}</code> <StatusBadge status={run.status} />
      </h1>
      <dl className="facts">
        <div><dt>Task</dt><dd><Link to={`/tasks/${run.taskId}`}>{task.data?.name ?? shortId(run.taskId)}</Link></dd></div>
        <div><dt>State</dt><dd><code data-testid="run-state">{run.state}</code></dd></div>
        <div><dt>Mode</dt><dd>{run.effectiveMode}{run.requestedMode !== run.effectiveMode ? ` (asked ${run.requestedMode}: ${run.modeReason})` : ''}</dd></div>
        <div><dt>Template</dt><dd>{run.template.name}@{run.template.version}</dd></div>
        <div><dt>Stages (round {run.round})</dt><dd>{done} of {total} done</dd></div>
        <div><dt>Cost</dt><dd data-testid="run-cost">{formatCost(run.costUsd)}</dd></div>
        <div><dt>Started</dt><dd title={formatTime(run.createdAt)}>{formatAge(run.createdAt)}</dd></div>
        <div><dt>Version</dt><dd>{run.version}</dd></div>
        <div><dt>Context</dt><dd><code title={run.contextSnapshot.hash}>{run.contextSnapshot.hash.slice(0, 12)}</code></dd></div>
      </dl>
      {run.diagnosis && (
        <div role="alert" className="notice notice-error">
          <p><strong>Why it failed:</strong> {run.diagnosis.message}</p>
          {run.diagnosis.errors?.length ? <ul className="small">{run.diagnosis.errors.map((e, i) => <li key={i}>{e}</li>)}</ul> : null}
        </div>
      )}
    </>
  );
}

function MachineSection({ machine }: { machine: Resource<RunMachineView> }) {
  if (machine.error instanceof ApiError && machine.error.code === 'ROUTE_NOT_FOUND') {
    return <Empty>This server does not offer the machine view (GET /v2/runs/:id/machine).</Empty>;
  }
  return <AsyncView resource={machine} label="the statechart">{(m) => <Statechart view={m} />}</AsyncView>;
}

/** A run, live: header, decision, DAG, StageRuns, statechart, gates and drafts, timeline, cost, artifacts. */
export function RunPage({ id }: { id: string }) {
  const session = useSession();
  const run = useApi<Run>(`/v2/runs/${id}`);
  const machine = useApi<RunMachineView>(`/v2/runs/${id}/machine`);
  const timeline = useApi<Page<Timeline>>(`/v2/runs/${id}/timeline?limit=100`);
  const outputs = useApi<RunOutputs>(`/v2/runs/${id}/outputs`);
  const artifacts = useApi<RunArtifacts>(`/v2/runs/${id}/artifacts`);
  const usage = useApi<ToolUsage>(`/v2/tool-usage?runId=${id}`);
  const [more, setMore] = useState<Timeline[]>([]);
  const [notice, setNotice] = useState<string | null>(null);
  const [liveGate, setLiveGate] = useState<z.infer<typeof GateResultEvent> | null>(null);
  const [moreError, setMoreError] = useState<unknown>(null);

  const refresh = useCallback((what: { artifacts?: boolean; usage?: boolean } = {}) => {
    run.reload();
    machine.reload();
    timeline.reload();
    outputs.reload();
    if (what.artifacts) artifacts.reload();
    if (what.usage) usage.reload();
  }, [run, machine, timeline, outputs, artifacts, usage]);

  useRunEvents(id, (events) => {
    const gate = [...events].reverse().find((e) => e.type === 'gate.result');
    if (gate?.type === 'gate.result') setLiveGate(gate);
    refresh({
      artifacts: events.length === 0 || events.some((e) => e.type === 'artifact.created' || (e.type === 'run.transition' && e.to === 'completed')),
      usage: events.length === 0 || events.some((e) => e.type === 'run.cost'),
    });
  });

  const loadMore = async () => {
    const cursor = timeline.data?.nextCursor;
    if (!cursor) return;
    try {
      const page = await session.get<Page<Timeline>>(`/v2/runs/${id}/timeline`, { query: { limit: 100, cursor } });
      setMore((m) => [...m, ...page.items]);
      setMoreError(null);
    } catch (err) {
      setMoreError(err);
    }
  };

  if (run.data === undefined) {
    return run.error ? (
      <>
        <h1>Run <code>{shortId(id)}</code></h1>
        <ErrorNotice error={run.error} onRetry={run.reload} title="Could not load the run" />
      </>
    ) : <Loading label="Loading the run…" />;
  }
  const r = run.data;
  return (
    <>
      <RunHeader run={r} />
      {run.error !== null && <ErrorNotice error={run.error} onRetry={run.reload} title="Could not refresh the run" />}
      {notice && <div role="status" className="notice notice-ok"><p>{notice}</p></div>}
      <RunActions key={`${r.status}-${r.version}`} run={r} onDone={(m) => { setNotice(m); refresh({ artifacts: true, usage: true }); }} />

      <section aria-labelledby="dag-title" className="panel">
        <h2 id="dag-title">Stages</h2>
        <StageDag run={r} />
        <StageTable stages={r.stages} />
      </section>

      <section aria-labelledby="chart-title" className="panel">
        <h2 id="chart-title">Statechart</h2>
        <MachineSection machine={machine} />
      </section>

      <section aria-labelledby="gates-title" className="panel">
        <h2 id="gates-title">Quality gates</h2>
        <GateReport run={r} outputs={outputs.data} live={liveGate} />
      </section>

      <section aria-labelledby="outputs-title" className="panel">
        <h2 id="outputs-title">Drafts and stage outputs</h2>
        <AsyncView resource={outputs} label="the outputs">{(o) => <StageOutputs outputs={o} />}</AsyncView>
      </section>

      <section aria-labelledby="artifacts-title" className="panel">
        <h2 id="artifacts-title">Artifacts</h2>
        <AsyncView resource={artifacts} label="the artifacts">
          {(a) => a.items.length === 0 ? <Empty>No artifacts yet: they are published when the run is approved and consolidated.</Empty> : (
            <ul className="artifact-list">
              {a.items.map((x) => (
                <li key={x.id}>
                  <Link to={`/artifacts/${x.id}`}>{x.slot}</Link> <span className="muted small">{x.kind}{x.channel ? `, ${x.channel}` : ''}, version {x.version.version}{x.version.lineage.offline ? ', offline draft' : ''}</span>
                </li>
              ))}
            </ul>
          )}
        </AsyncView>
      </section>

      <section aria-labelledby="cost-title" className="panel">
        <h2 id="cost-title">Cost</h2>
        <p>Run total: <strong>{formatCost(r.costUsd)}</strong></p>
        <AsyncView resource={usage} label="the tool usage">
          {(u) => u.items.length === 0 ? <Empty>No metered tool calls.</Empty> : (
            <table>
              <caption className="sr-only">Tool calls and cost of this run</caption>
              <thead><tr><th scope="col">Tool</th><th scope="col">Calls</th><th scope="col">Input tokens</th><th scope="col">Output tokens</th><th scope="col">Cost</th></tr></thead>
              <tbody>{u.items.map((i) => <tr key={i.tool}><td><code>{i.tool}</code></td><td>{i.calls}</td><td>{i.inputTokens}</td><td>{i.outputTokens}</td><td>{formatCost(i.costUsd)}</td></tr>)}</tbody>
            </table>
          )}
        </AsyncView>
      </section>

      <section aria-labelledby="timeline-title" className="panel">
        <h2 id="timeline-title">Timeline</h2>
        <AsyncView resource={timeline} label="the timeline">
          {(t) => (
            <>
              <RunTimeline entries={[...t.items, ...more.filter((m) => !t.items.some((x) => x.seq === m.seq))]} />
              {t.nextCursor && <button type="button" className="secondary" onClick={() => void loadMore()}>Load more events</button>}
              {moreError !== null && <ErrorNotice error={moreError} />}
            </>
          )}
        </AsyncView>
      </section>
    </>
  );
}
