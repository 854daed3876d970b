import { useState } from 'react';
import { useSession } from '../api/session.js';
import type { Artifact, ArtifactVersion, ArtifactVersions } from '../api/types.js';
import { useApi, useLoad } from '../api/use-resource.js';
import { LineDiffView } from '../components/diff-views.js';
import { AsyncView, Empty, ErrorNotice, Loading } from '../components/feedback.js';
import { formatTime, shortId } from '../lib/format.js';
import { Link } from '../router/hash-router.js';

function Lineage({ v }: { v: ArtifactVersion }) {
  const l = v.lineage;
  return (
    <dl className="facts" aria-label={`lineage of version ${v.version}`}>
      <div><dt>Run</dt><dd><Link to={`/runs/${l.runId}`}>{shortId(l.runId)}</Link>, stage <code>{l.stageId}</code></dd></div>
      <div><dt>Template</dt><dd>{l.template.id}@{l.template.version}</dd></div>
      <div><dt>Context</dt><dd><code title={l.contextHash}>{l.contextHash.slice(0, 12)}</code> (snapshot {shortId(l.contextSnapshotId)})</dd></div>
      <div><dt>Models</dt><dd>{l.providers.map((p) => `${p.provider}/${p.model}`).join(', ') || '–'}{l.offline ? ' (offline draft)' : ''}</dd></div>
      <div><dt>Tools</dt><dd>{l.tools.join(', ') || '–'}</dd></div>
      <div><dt>Built from</dt><dd>{l.sources.map((s) => `${s.stageId}`).join(', ') || '–'}</dd></div>
      <div><dt>SHA-256</dt><dd><code title={v.sha256}>{v.sha256.slice(0, 16)}</code>, {v.size} bytes, {v.contentType}</dd></div>
    </dl>
  );
}

/** An artifact: its versions, the content of one, the diff between two, and each version's lineage. */
export function ArtifactPage({ id }: { id: string }) {
  const session = useSession();
  const artifact = useApi<Artifact>(`/v2/artifacts/${id}`);
  const versions = useApi<ArtifactVersions>(`/v2/artifacts/${id}/versions`);
  const [selected, setSelected] = useState<number | null>(null);
  const [compare, setCompare] = useState<[number, number] | null>(null);
  const latest = artifact.data?.latestVersion ?? 0;
  const shown = selected ?? latest;
  const text = (n: number, signal?: AbortSignal) =>
    session.get<unknown>(`/v2/artifacts/${id}/content`, { query: { version: n }, ...(signal ? { signal } : {}) }).then((d) => (typeof d === 'string' ? d : JSON.stringify(d, null, 2)));
  const content = useLoad(shown > 0 ? (signal) => text(shown, signal) : null, [id, shown]);
  const pair = compare ?? (latest > 1 ? [latest - 1, latest] as [number, number] : null);
  const diff = useLoad(pair ? async (signal) => Promise.all([text(pair[0], signal), text(pair[1], signal)]) : null, [id, pair?.[0], pair?.[1]]);

  if (!artifact.data) return artifact.error ? <><h1>Artifact</h1><ErrorNotice error={artifact.error} onRetry={artifact.reload} title="Could not load the artifact" /></> : <Loading label="Loading the artifact…" />;
  const a = artifact.data;
  const current = versions.data?.items.find((v) => v.version === shown);
  const numbers = Array.from({ length: latest }, (_, i) => latest - i);

  const download = () => {
    if (content.data === undefined) return;
    const url = URL.createObjectURL(new Blob([content.data], { type: current?.contentType ?? 'text/plain' }));
    const link = document.createElement('a');
    link.href = url;
    link.download = `${a.slot}-v${shown}.${current?.contentType.includes('json') ? 'json' : current?.contentType.includes('markdown') ? 'md' : 'txt'}`;
    link.click();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  };

  return (
    <>
      <nav aria-label="Breadcrumb" className="crumbs"><Link to="/artifacts">Artifacts</Link> › <span aria-current="page">{a.slot}</span></nav>
      <h1>{a.slot} <span className="muted small">{a.kind}{a.channel ? `, ${a.channel}` : ''}, {latest} version{latest === 1 ? '' : 's'}</span></h1>
      <p className="small">Task <Link to={`/tasks/${a.taskId}`}>{shortId(a.taskId)}</Link>, campaign <Link to={`/campaigns/${a.campaignId}`}>{shortId(a.campaignId)}</Link>, brand <Link to={`/brands/${a.brandId}`}>{shortId(a.brandId)}</Link></p>
      <section className="panel" aria-labelledby="art-versions-title">
        <h2 id="art-versions-title">Versions</h2>
        <AsyncView resource={versions} label="the versions">
          {(vs) => (
            <table>
              <caption className="sr-only">Artifact versions, newest first</caption>
              <thead><tr><th scope="col">Version</th><th scope="col">Run</th><th scope="col">Created</th><th scope="col">Size</th><th scope="col"><span className="sr-only">Show</span></th></tr></thead>
              <tbody>
                {vs.items.map((v) => (
                  <tr key={v.version} aria-current={v.version === shown ? 'true' : undefined}>
                    <td>{v.version}</td>
                    <td><Link to={`/runs/${v.runId}`}>{shortId(v.runId)}</Link></td>
                    <td className="small">{formatTime(v.createdAt)}</td>
                    <td>{v.size} B</td>
                    <td><button type="button" className="secondary" disabled={v.version === shown} onClick={() => setSelected(v.version)}>Show version {v.version}</button></td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </AsyncView>
      </section>
      <section className="panel" aria-labelledby="art-content-title">
        <div className="panel-head">
          <h2 id="art-content-title">Content of version {shown}</h2>
          <button type="button" className="secondary" onClick={download} disabled={content.data === undefined}>Download version {shown}</button>
        </div>
        <AsyncView resource={content} label="the content">{(t) => <pre className="output-text" aria-label={`content of version ${shown}`}>{t}</pre>}</AsyncView>
        <h3>Lineage</h3>
        {current ? <Lineage v={current} /> : <Loading />}
      </section>
      <section className="panel" aria-labelledby="art-diff-title">
        <h2 id="art-diff-title">Diff between versions</h2>
        {latest < 2 || !pair ? <Empty>Only one version: a later approved run of the same task makes version 2.</Empty> : (
          <>
            <div className="inline-form" role="group" aria-label="Compare versions">
              <label htmlFor="art-from">Compare version</label>
              <select id="art-from" value={pair[0]} onChange={(e) => setCompare([Number(e.target.value), pair[1]])}>{numbers.map((n) => <option key={n} value={n}>{n}</option>)}</select>
              <label htmlFor="art-to">with version</label>
              <select id="art-to" value={pair[1]} onChange={(e) => setCompare([pair[0], Number(e.target.value)])}>{numbers.map((n) => <option key={n} value={n}>{n}</option>)}</select>
            </div>
            <AsyncView resource={diff} label="the diff">{([x, y]) => <LineDiffView before={x} after={y} label={`Changes from version ${pair[0]} to version ${pair[1]}`} />}</AsyncView>
          </>
        )}
      </section>
    </>
  );
}
