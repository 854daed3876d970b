import { useSession } from '../api/session.js';
import type { Artifact, Page, RunArtifacts, RunSummary, Task } from '../api/types.js';
import { useApi, useLoad } from '../api/use-resource.js';
import { AsyncView, Empty } from '../components/feedback.js';
import { formatTime, shortId } from '../lib/format.js';
import { Link } from '../router/hash-router.js';

/** The artifacts published by the tenant's completed runs (the latest 50 runs), newest first. */
export function ArtifactsPage() {
  const session = useSession();
  const tasks = useApi<Page<Task>>('/v2/tasks?limit=100');
  const artifacts = useLoad(async (signal) => {
    const runs = await session.get<Page<RunSummary>>('/v2/runs', { query: { status: 'completed', limit: 50 }, signal });
    const lists = await Promise.all(runs.items.map((r) => session.get<RunArtifacts>(`/v2/runs/${r.id}/artifacts`, { signal })));
    const byId = new Map<string, Artifact>();
    for (const list of lists) for (const a of list.items) if ((byId.get(a.id)?.latestVersion ?? 0) <= a.latestVersion) byId.set(a.id, a);
    return [...byId.values()].sort((x, y) => y.updatedAt.localeCompare(x.updatedAt));
  }, [session]);
  const taskName = (id: string) => tasks.data?.items.find((t) => t.id === id)?.name ?? shortId(id);
  return (
    <>
      <h1>Artifacts</h1>
      <p className="muted">Approved deliverables: versioned, content-addressed, each version with its lineage.</p>
      <section className="panel" aria-labelledby="artifacts-list-title">
        <h2 id="artifacts-list-title">Published artifacts</h2>
        <AsyncView resource={artifacts} label="the artifacts">
          {(items) => items.length === 0 ? <Empty>No artifacts yet: a run publishes its deliverables when it is approved.</Empty> : (
            <table>
              <caption className="sr-only">Artifacts</caption>
              <thead><tr><th scope="col">Artifact</th><th scope="col">Kind</th><th scope="col">Channel</th><th scope="col">Latest version</th><th scope="col">Task</th><th scope="col">Updated</th></tr></thead>
              <tbody>
                {items.map((a) => (
                  <tr key={a.id}>
                    <th scope="row"><Link to={`/artifacts/${a.id}`}>{a.slot}</Link></th>
                    <td>{a.kind}</td><td>{a.channel ?? '–'}</td><td>{a.latestVersion}</td>
                    <td><Link to={`/tasks/${a.taskId}`}>{taskName(a.taskId)}</Link></td>
                    <td className="small">{formatTime(a.updatedAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </AsyncView>
      </section>
    </>
  );
}
