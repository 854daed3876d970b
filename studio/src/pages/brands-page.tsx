import { useSession } from '../api/session.js';
import type { Brand, Page } from '../api/types.js';
import { useApi } from '../api/use-resource.js';
import { BRAND_FIELDS } from '../components/catalog/record-fields.js';
import { RecordForm } from '../components/catalog/record-form.js';
import { AsyncView, Empty } from '../components/feedback.js';
import { formatTime } from '../lib/format.js';
import { Link, navigate } from '../router/hash-router.js';

/** Brands (each leads to its campaigns and tasks) and a form for a new one. */
export function BrandsPage() {
  const session = useSession();
  const brands = useApi<Page<Brand>>('/v2/brands?limit=100');
  const create = async (content: Record<string, unknown>) => {
    const { data } = await session.call<Brand>('/v2/brands', { method: 'POST', body: content });
    navigate(`/brands/${data.id}`);
  };
  return (
    <>
      <h1>Brands, campaigns and tasks</h1>
      <p className="muted">A brand holds the identity, voice and rules; its campaigns and their tasks inherit them and may override what the brand's policy allows.</p>
      <section aria-labelledby="brands-title" className="panel">
        <h2 id="brands-title">Brands</h2>
        <AsyncView resource={brands} label="the brands">
          {(page) => page.items.length === 0 ? <Empty>No brands yet: create the first one below.</Empty> : (
            <table>
              <caption className="sr-only">Brands</caption>
              <thead><tr><th scope="col">Brand</th><th scope="col">Tone</th><th scope="col">Version</th><th scope="col">Changed</th></tr></thead>
              <tbody>
                {page.items.map((b) => (
                  <tr key={b.id}>
                    <th scope="row"><Link to={`/brands/${b.id}`}>{b.identity.name}</Link></th>
                    <td>{b.voice.tone ?? '–'}</td>
                    <td>{b.version}</td>
                    <td className="small">{formatTime(b.updatedAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </AsyncView>
      </section>
      <section aria-labelledby="new-brand-title" className="panel">
        <h2 id="new-brand-title">New brand</h2>
        <RecordForm fields={BRAND_FIELDS} initial={{}} submitLabel="Create brand" onSubmit={create} label="New brand" />
      </section>
    </>
  );
}
