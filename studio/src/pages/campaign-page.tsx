import { useSession } from '../api/session.js';
import type { Brand, Campaign, Page, Task } from '../api/types.js';
import { useApi } from '../api/use-resource.js';
import { ContentTable } from '../components/catalog/content-table.js';
import { CAMPAIGN_FIELDS, TASK_FIELDS, contentOf } from '../components/catalog/record-fields.js';
import { RecordForm } from '../components/catalog/record-form.js';
import { EditPanel, VersionPanel } from '../components/catalog/record-panels.js';
import { AsyncView, Empty, ErrorNotice, Loading } from '../components/feedback.js';
import { Link, navigate } from '../router/hash-router.js';

/** A campaign: its tasks (and a new one), content, edit, versions and diffs. */
export function CampaignPage({ id }: { id: string }) {
  const session = useSession();
  const campaign = useApi<Campaign>(`/v2/campaigns/${id}`);
  const brand = useApi<Brand>(campaign.data ? `/v2/brands/${campaign.data.brandId}` : null);
  const tasks = useApi<Page<Task>>(`/v2/tasks?campaignId=${id}&limit=100`);
  if (!campaign.data) return campaign.error ? <><h1>Campaign</h1><ErrorNotice error={campaign.error} onRetry={campaign.reload} title="Could not load the campaign" /></> : <Loading label="Loading the campaign…" />;
  const c = campaign.data;
  const create = async (content: Record<string, unknown>) => {
    const { data } = await session.call<Task>('/v2/tasks', { method: 'POST', body: { ...content, campaignId: id } });
    navigate(`/tasks/${data.id}`);
  };
  return (
    <>
      <nav aria-label="Breadcrumb" className="crumbs">
        <Link to="/brands">Brands</Link> › <Link to={`/brands/${c.brandId}`}>{brand.data?.identity.name ?? 'Brand'}</Link> › <span aria-current="page">{c.name}</span>
      </nav>
      <h1>{c.name} <span className="muted small">campaign, version {c.version}</span></h1>
      <section aria-labelledby="tasks-title" className="panel">
        <h2 id="tasks-title">Tasks</h2>
        <AsyncView resource={tasks} label="the tasks">
          {(page) => page.items.length === 0 ? <Empty>No tasks in this campaign yet.</Empty> : (
            <ul className="link-list">
              {page.items.map((t) => <li key={t.id}><Link to={`/tasks/${t.id}`}>{t.name}</Link> <span className="muted small">{t.deliverableType}, version {t.version}</span></li>)}
            </ul>
          )}
        </AsyncView>
        <details>
          <summary>New task</summary>
          <RecordForm fields={TASK_FIELDS} initial={{}} submitLabel="Create task" onSubmit={create} label="New task" />
        </details>
      </section>
      <section aria-labelledby="campaign-content-title" className="panel">
        <h2 id="campaign-content-title">Content</h2>
        <ContentTable content={contentOf(c)} caption="Campaign content" />
      </section>
      <EditPanel kind="campaigns" record={c} fields={CAMPAIGN_FIELDS} noun="campaign" onSaved={() => campaign.reload()} />
      <VersionPanel kind="campaigns" id={id} currentVersion={c.version} />
    </>
  );
}
