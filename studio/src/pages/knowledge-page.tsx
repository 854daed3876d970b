import { useState, type FormEvent } from 'react';
import { ApiError } from '../api/api-error.js';
import { useSession } from '../api/session.js';
import type { Brand, Campaign, KnowledgeHit, KnowledgeSearch, KnowledgeStats, Page } from '../api/types.js';
import { useApi } from '../api/use-resource.js';
import { AsyncView, Empty, ErrorNotice, Loading } from '../components/feedback.js';
import { formatCost, formatTime, shortId } from '../lib/format.js';
import { Link } from '../router/hash-router.js';

const SOURCES = ['artifact', 'brand_rules', 'feedback', 'campaign_history'] as const;

const num = (n: number | null) => (n === null ? '–' : n.toFixed(3));

function Hit({ hit }: { hit: KnowledgeHit }) {
  const p = hit.provenance;
  const b = hit.breakdown;
  return (
    <li data-source={p.source}>
      <p className="hit-head">
        <strong>{hit.score.toFixed(3)}</strong> {hit.heading ? <span>{hit.heading}</span> : null}{' '}
        <span className="muted small">
          {p.source.replace('_', ' ')} <code>{p.sourceKey}</code> v{p.sourceVersion}
          {p.runId ? <> from run <Link to={`/runs/${p.runId}`}>{shortId(p.runId)}</Link></> : null}
          {p.stage ? `, stage ${p.stage}` : ''}{p.taskType ? `, ${p.taskType}` : ''}, quality {p.qualityScore.toFixed(2)}{p.negative ? ', rejected draft' : ''}, {formatTime(p.createdAt)}
        </span>
      </p>
      <blockquote>{hit.text}</blockquote>
      <details>
        <summary>Why this score</summary>
        <dl className="facts small">
          <div><dt>Vector</dt><dd>{num(b.vector)}</dd></div>
          <div><dt>Full text</dt><dd>{num(b.lexical)}</dd></div>
          <div><dt>Fused</dt><dd>{num(b.fused)}</dd></div>
          <div><dt>Boosts</dt><dd>campaign {b.boosts.campaign}, task type {b.boosts.taskType}, similar campaign {b.boosts.similarCampaign}</dd></div>
          <div><dt>Rerank</dt><dd>{num(b.rerank)}</dd></div>
          <div><dt>LLM</dt><dd>{num(b.llm)}</dd></div>
        </dl>
      </details>
    </li>
  );
}

/** What is indexed for the brand (or the tenant): chunks by source, learnings indexed or held back. */
function Stats({ brandId }: { brandId: string }) {
  const stats = useApi<KnowledgeStats>(`/v2/knowledge/stats${brandId ? `?brandId=${brandId}` : ''}`);
  if (stats.error instanceof ApiError && stats.error.code === 'ROUTE_NOT_FOUND') return null;
  return (
    <AsyncView resource={stats} label="the knowledge counts">
      {(s) => (
        <p className="small muted" data-testid="knowledge-stats">
          {brandId ? 'This brand' : 'This tenant'}: {s.totals.chunks} chunks ({SOURCES.map((k) => `${s.totals.sources[k]} ${k.replace('_', ' ')}`).join(', ')}),
          {' '}{s.totals.negativeChunks} rejected drafts; learnings {s.totals.learnings.indexed} indexed, {s.totals.learnings.notIndexed} held back. {s.embedder}, {s.vectorStore}.
        </p>
      )}
    </AsyncView>
  );
}

/** Searches a brand's knowledge (approved artifacts, brand rules, feedback, campaign history) as the agents do. */
export function KnowledgePage() {
  const session = useSession();
  const brands = useApi<Page<Brand>>('/v2/brands?limit=100');
  const [brandId, setBrandId] = useState('');
  const campaigns = useApi<Page<Campaign>>(brandId ? `/v2/campaigns?brandId=${brandId}&limit=100` : null);
  const [query, setQuery] = useState('');
  const [k, setK] = useState(8);
  const [campaignId, setCampaignId] = useState('');
  const [sources, setSources] = useState<string[]>([]);
  const [negative, setNegative] = useState(false);
  const [answer, setAnswer] = useState<KnowledgeSearch | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const search = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const body = {
        brandId, query, k,
        ...(campaignId ? { campaignId } : {}),
        ...(sources.length ? { filters: { sources } } : {}),
        ...(negative ? { includeNegative: true } : {}),
      };
      setAnswer((await session.call<KnowledgeSearch>('/v2/knowledge/search', { method: 'POST', body })).data);
    } catch (err) {
      setAnswer(null);
      setError(err instanceof ApiError && err.code === 'ROUTE_NOT_FOUND' ? new Error('This server does not offer knowledge search (POST /v2/knowledge/search).') : err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <h1>Knowledge search</h1>
      <p className="muted">What the agents retrieve for a brand: approved content, brand rules, human feedback and campaign history, always filtered by brand, then boosted and reranked.</p>
      <section className="panel" aria-labelledby="ks-title">
        <h2 id="ks-title">Search</h2>
        <form onSubmit={(e) => void search(e)} aria-label="Knowledge search">
          <div className="inline-form">
            <label htmlFor="ks-brand">Brand</label>
            <select id="ks-brand" required value={brandId} onChange={(e) => { setBrandId(e.target.value); setCampaignId(''); }}>
              <option value="">{brands.loading ? 'Loading brands…' : 'Choose a brand'}</option>
              {brands.data?.items.map((b) => <option key={b.id} value={b.id}>{b.identity.name}</option>)}
            </select>
            <label htmlFor="ks-query">Query</label>
            <input id="ks-query" required maxLength={2000} value={query} onChange={(e) => setQuery(e.target.value)} placeholder="e.g. spring hiking launch" />
            <label htmlFor="ks-k">Results</label>
            <input id="ks-k" type="number" min={1} max={50} value={k} onChange={(e) => setK(Number(e.target.value))} className="narrow" />
            <button type="submit" disabled={busy}>{busy ? 'Searching…' : 'Search'}</button>
          </div>
          <div className="inline-form">
            <label htmlFor="ks-campaign">For campaign (boosted)</label>
            <select id="ks-campaign" value={campaignId} onChange={(e) => setCampaignId(e.target.value)} disabled={!brandId}>
              <option value="">any</option>
              {campaigns.data?.items.map((c) => <option key={c.id} value={c.id}>{c.name}</option>)}
            </select>
            <fieldset className="inline-fieldset">
              <legend className="sr-only">Sources</legend>
              {SOURCES.map((s) => (
                <label key={s} className="check">
                  <input type="checkbox" checked={sources.includes(s)} onChange={(e) => setSources((cur) => (e.target.checked ? [...cur, s] : cur.filter((x) => x !== s)))} />
                  {s.replace('_', ' ')}
                </label>
              ))}
            </fieldset>
            <label className="check"><input type="checkbox" checked={negative} onChange={(e) => setNegative(e.target.checked)} /> rejected drafts only</label>
          </div>
        </form>
        {brands.error !== null && brands.error !== undefined && <ErrorNotice error={brands.error} title="Could not load the brands" />}
        <Stats brandId={brandId} />
      </section>
      <section className="panel" aria-labelledby="ks-results-title" aria-busy={busy}>
        <h2 id="ks-results-title">Results</h2>
        {busy && <Loading label="Searching…" />}
        {error !== null && <ErrorNotice error={error} title="Search failed" />}
        {answer === null && !busy && error === null && <Empty>Choose a brand and search.</Empty>}
        {answer !== null && (
          <>
            <p className="small muted">
              {answer.results.length} of {answer.candidates.vector} vector and {answer.candidates.lexical} full-text candidates; ranked by {answer.reranker}, embedded by {answer.embedder}; cost {formatCost(answer.costUsd)}.
              {answer.similarCampaigns.length > 0 ? ` Similar campaigns boosted: ${answer.similarCampaigns.map((c) => `${shortId(c.campaignId)} (${c.similarity.toFixed(2)})`).join(', ')}.` : ''}
            </p>
            {answer.results.length === 0 ? <Empty>Nothing found for this brand. Knowledge grows as runs are approved.</Empty> : (
              <ol className="hits">{answer.results.map((h) => <Hit key={h.chunkId} hit={h} />)}</ol>
            )}
          </>
        )}
      </section>
    </>
  );
}
