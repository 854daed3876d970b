import type { Brand, Campaign, Page, ResolvedContext, RunSummary, Task } from '../api/types.js';
import { useApi } from '../api/use-resource.js';
import { ContentTable, ResolvedContextTable } from '../components/catalog/content-table.js';
import { TASK_FIELDS, contentOf } from '../components/catalog/record-fields.js';
import { EditPanel, VersionPanel } from '../components/catalog/record-panels.js';
import { AsyncView, Empty, ErrorNotice, Loading } from '../components/feedback.js';
import { StartRunForm } from '../components/start-run-form.js';
import { StatusBadge } from '../components/status-badge.js';
import { formatAge, formatCost, shortId } from '../lib/format.js';
import { useRunListEvents } from '../realtime/realtime.js';
import { Link } from '../router/hash-router.js';

/** A task: start a run, its runs, the resolved context with provenance, content, edit, versions. */
export function TaskPage({ id }: { id: string }) {
  const task = useApi<Task>(`/v2/tasks/${id}`);
  const campaign = useApi<Campaign>(task.data ? `/v2/campaigns/${task.data.campaignId}` : null);
  const brand = useApi<Brand>(task.data ? `/v2/brands/${task.data.brandId}` : null);
  const context = useApi<ResolvedContext>(task.data ? `/v2/tasks/${id}/context` : null);
  const runs = useApi<Page<RunSummary>>(`/v2/runs?taskId=${id}&limit=20`);
  useRunListEvents(() => runs.reload());
  if (!task.data) return task.error ? <><h1>Task</h1><ErrorNotice error={task.error} onRetry={task.reload} title="Could not load the task" /></> : <Loading label="Loading the task…" />;
  const t = task.data;
  return (
    <>
      <nav aria-label="Breadcrumb" className="crumbs">
        <Link to="/brands">Brands</Link> › <Link to={`/brands/${t.brandId}`}>{brand.data?.identity.name ?? 'Brand'}</Link> ›{' '}
        <Link to={`/campaigns/${t.campaignId}`}>{campaign.data?.name ?? 'Campaign'}</Link> › <span aria-current="page">{t.name}</span>
      </nav>
      <h1>{t.name} <span className="muted small">{t.deliverableType} task, version {t.version}</span></h1>
      <section aria-labelledby="task-run-title" className="panel">
        <h2 id="task-run-title">Run this task</h2>
        <StartRunForm taskId={id} />
        <AsyncView resource={runs} label="the runs of this task">
          {(page) => page.items.length === 0 ? <Empty>This task has not run yet.</Empty> : (
            <ul className="link-list" aria-label="Runs of this task">
              {page.items.map((r) => (
                <li key={r.id}><Link to={`/runs/${r.id}`}>Run {shortId(r.id)}</Link> <StatusBadge status={r.status} /> <span className="muted small">{formatCost(r.costUsd)}, {formatAge(r.createdAt)}</span></li>
              ))}
            </ul>
          )}
        </AsyncView>
      </section>
      <section aria-labelledby="context-title" className="panel">
        <h2 id="context-title">Resolved context</h2>
        <p className="muted small">What a run of this task works from: brand, campaign and task merged, and which level set each field.</p>
        <AsyncView resource={context} label="the resolved context">{(ctx) => <ResolvedContextTable ctx={ctx} />}</AsyncView>
      </section>
      <section aria-labelledby="task-content-title" className="panel">
        <h2 id="task-content-title">Content</h2>
        <ContentTable content={contentOf(t)} caption="Task content" />
      </section>
      <EditPanel kind="tasks" record={t} fields={TASK_FIELDS} noun="task" onSaved={() => { task.reload(); context.reload(); }} />
      <VersionPanel kind="tasks" id={id} currentVersion={t.version} />
    </>
  );
}
