import { useState, type FormEvent } from 'react';
import { ApiError } from '../api/api-error.js';
import { useSession } from '../api/session.js';
import type { Brand, Page } from '../api/types.js';
import { useApi } from '../api/use-resource.js';
import { Empty, ErrorNotice, Loading } from '../components/feedback.js';
import { formatValue } from '../lib/format.js';

/** One search hit: the chunk's text, its score and where it came from; other fields are shown as metadata. */
interface Hit {
  text: string;
  score: number;
  source?: unknown;
  [key: string]: unknown;
}

function describeSource(source: unknown): string {
  if (source === undefined || source === null) return 'unknown source';
  if (typeof source === 'string') return source;
  if (typeof source === 'object') {
    const s = source as Record<string, unknown>;
    const parts = ['type', 'kind', 'key', 'sourceKey', 'artifactId', 'runId', 'stage', 'version'].filter((k) => s[k] !== undefined).map((k) => `${k} ${formatValue(s[k])}`);
    return parts.length ? parts.join(', ') : JSON.stringify(source);
  }
  return String(source);
}

/** Searches a brand's knowledge (approved artifacts, brand rules, feedback, history) like the agents do. */
export function KnowledgePage() {
  const session = useSession();
  const brands = useApi<Page<Brand>>('/v2/brands?limit=100');
  const [brandId, setBrandId] = useState('');
  const [query, setQuery] = useState('');
  const [k, setK] = useState(8);
  const [hits, setHits] = useState<Hit[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const search = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const { data } = await session.call<{ results?: Hit[]; items?: Hit[] }>('/v2/knowledge/search', { method: 'POST', body: { brandId, query, k } });
      setHits(data.results ?? data.items ?? []);
    } catch (err) {
      setHits(null);
      setError(err instanceof ApiError && err.code === 'ROUTE_NOT_FOUND' ? new Error('This server does not offer knowledge search yet (POST /v2/knowledge/search).') : err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <h1>Knowledge search</h1>
      <p className="muted">What the agents retrieve for a brand: approved content, brand rules, human feedback and campaign history, filtered by brand and ranked.</p>
      <section className="panel" aria-labelledby="ks-title">
        <h2 id="ks-title">Search</h2>
        <form onSubmit={(e) => void search(e)} className="inline-form" aria-label="Knowledge search">
          <label htmlFor="ks-brand">Brand</label>
          <select id="ks-brand" required value={brandId} onChange={(e) => setBrandId(e.target.value)}>
            <option value="">{brands.loading ? 'Loading brands…' : 'Choose a brand'}</option>
            {brands.data?.items.map((b) => <option key={b.id} value={b.id}>{b.identity.name}</option>)}
          </select>
          <label htmlFor="ks-query">Query</label>
          <input id="ks-query" required maxLength={2000} value={query} onChange={(e) => setQuery(e.target.value)} placeholder="e.g. spring hiking launch" />
          <label htmlFor="ks-k">Results</label>
          <input id="ks-k" type="number" min={1} max={50} value={k} onChange={(e) => setK(Number(e.target.value))} className="narrow" />
          <button type="submit" disabled={busy}>{busy ? 'Searching…' : 'Search'}</button>
        </form>
        {brands.error !== null && brands.error !== undefined && <ErrorNotice error={brands.error} title="Could not load the brands" />}
      </section>
      <section className="panel" aria-labelledby="ks-results-title" aria-busy={busy}>
        <h2 id="ks-results-title">Results</h2>
        {busy && <Loading label="Searching…" />}
        {error !== null && <ErrorNotice error={error} title="Search failed" />}
        {hits === null && !busy && error === null && <Empty>Choose a brand and search.</Empty>}
        {hits !== null && hits.length === 0 && <Empty>Nothing found for this brand. Knowledge grows as runs are approved.</Empty>}
        {hits !== null && hits.length > 0 && (
          <ol className="hits">
            {hits.map((h, i) => {
              const { text, score, source, ...meta } = h;
              return (
                <li key={i}>
                  <p className="hit-head"><strong>{typeof score === 'number' ? score.toFixed(3) : '–'}</strong> <span className="muted small">{describeSource(source)}</span></p>
                  <blockquote>{text}</blockquote>
                  {Object.keys(meta).length > 0 && (
                    <details><summary>Metadata</summary><dl className="facts small">{Object.entries(meta).map(([mk, mv]) => <div key={mk}><dt>{mk}</dt><dd>{formatValue(mv)}</dd></div>)}</dl></details>
                  )}
                </li>
              );
            })}
          </ol>
        )}
      </section>
    </>
  );
}
