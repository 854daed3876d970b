import { useSession } from '../api/session.js';
import type { Brand, Campaign, Page } from '../api/types.js';
import { useApi } from '../api/use-resource.js';
import { ContentTable } from '../components/catalog/content-table.js';
import { BRAND_FIELDS, CAMPAIGN_FIELDS, contentOf } from '../components/catalog/record-fields.js';
import { RecordForm } from '../components/catalog/record-form.js';
import { EditPanel, VersionPanel } from '../components/catalog/record-panels.js';
import { AsyncView, Empty, ErrorNotice, Loading } from '../components/feedback.js';
import { Link, navigate } from '../router/hash-router.js';

/** A brand: its content, campaigns (and a new one), edit, versions and diffs. */
export function BrandPage({ id }: { id: string }) {
  const session = useSession();
  const brand = useApi<Brand>(`/v2/brands/${id}`);
  const campaigns = useApi<Page<Campaign>>(`/v2/campaigns?brandId=${id}&limit=100`);
  if (!brand.data) return brand.error ? <><h1>Brand</h1><ErrorNotice error={brand.error} onRetry={brand.reload} title="Could not load the brand" /></> : <Loading label="Loading the brand…" />;
  const b = brand.data;
  const create = async (content: Record<string, unknown>) => {
    const { data } = await session.call<Campaign>('/v2/campaigns', { method: 'POST', body: { ...content, brandId: id } });
    navigate(`/campaigns/${data.id}`);
  };
  return (
    <>
      <nav aria-label="Breadcrumb" className="crumbs"><Link to="/brands">Brands</Link> › <span aria-current="page">{b.identity.name}</span></nav>
      <h1>{b.identity.name} <span className="muted small">brand, version {b.version}</span></h1>
      <section aria-labelledby="campaigns-title" className="panel">
        <h2 id="campaigns-title">Campaigns</h2>
        <AsyncView resource={campaigns} label="the campaigns">
          {(page) => page.items.length === 0 ? <Empty>No campaigns for this brand yet.</Empty> : (
            <ul className="link-list">
              {page.items.map((c) => <li key={c.id}><Link to={`/campaigns/${c.id}`}>{c.name}</Link> <span className="muted small">{c.channels.join(', ') || 'no channels'}, version {c.version}</span></li>)}
            </ul>
          )}
        </AsyncView>
        <details>
          <summary>New campaign</summary>
          <RecordForm fields={CAMPAIGN_FIELDS} initial={{}} submitLabel="Create campaign" onSubmit={create} label="New campaign" />
        </details>
      </section>
      <section aria-labelledby="brand-content-title" className="panel">
        <h2 id="brand-content-title">Content</h2>
        <ContentTable content={contentOf(b)} caption="Brand content" />
      </section>
      <EditPanel kind="brands" record={b} fields={BRAND_FIELDS} noun="brand" onSaved={() => brand.reload()} />
      <VersionPanel kind="brands" id={id} currentVersion={b.version} />
    </>
  );
}
