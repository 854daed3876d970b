import { describe, expect, it } from 'vitest';
import { seedAgencyTask } from '../../helpers/agency-seed.js';
import { ADAPTERS, command, startRun, usePlatform, waitForRun, type TestPlatform } from '../../helpers/test-engine.js';

/**
 * The learning loop end to end, on the offline provider with the default knowledge layer (local
 * embedder, embedded vector store): an agency run is approved, its learn stage indexes what was
 * approved, and a second run for the same brand retrieves it: the researcher's and copywriters'
 * outputs cite the first run's artifact chunks, and never its rejected draft.
 */
type Citation = { marker: string; chunkId: string; source: string; sourceKey: string; runId: string | null; score: number };
type Output = { stageId: string; round: number; output: Record<string, unknown> };

async function outputs(p: TestPlatform, key: string, runId: string): Promise<Output[]> {
  const res = await p.call(key, { method: 'GET', url: `/v2/runs/${runId}/outputs` });
  expect(res.statusCode, res.body).toBe(200);
  return (res.json() as { items: Output[] }).items;
}

describe.each(ADAPTERS)('a second run for the same brand (%s)', (adapter) => {
  const p = usePlatform({ adapter, tools: {} });

  it("cites the first run's approved content in its research and copy, and not the draft a reviewer sent back", async () => {
    const { id: tenantId, key } = await p.current.tenant();
    const seed = await seedAgencyTask(p.current, key, { channels: ['linkedin', 'x'] });

    // Run 1: the X copy is sent back once, then everything is approved.
    const run1 = await startRun(p.current, key, { taskId: seed.taskId, mode: 'supervised' });
    await waitForRun(p.current, key, run1, (r) => r.status === 'waiting_approval', 30_000);
    expect((await command(p.current, key, run1, 'request-rework', { feedback: 'Lead with the tasting notes.', stages: ['copy-x'] })).statusCode).toBe(202);
    await waitForRun(p.current, key, run1, (r) => r.status === 'waiting_approval' && r.round === 1, 30_000);
    expect((await command(p.current, key, run1, 'approve', { note: 'Great launch copy.' })).statusCode).toBe(202);
    const done1 = await waitForRun(p.current, key, run1, (r) => r.status === 'completed', 30_000);
    expect(done1.stages.find((s) => s.stageId === '$learn')?.status).toBe('succeeded');

    const learn1 = (await outputs(p.current, key, run1)).find((o) => o.stageId === '$learn')?.output as { indexed: number; negatives: number; learnings: Array<{ kind: string; sourceKey: string; indexed: boolean }> };
    const approvedKeys = learn1.learnings.filter((l) => l.kind === 'approved_artifact' && l.indexed).map((l) => l.sourceKey);
    expect(approvedKeys.length).toBe(2);
    expect(learn1.negatives).toBe(1);
    const artifacts = (await p.current.call(key, { method: 'GET', url: `/v2/runs/${run1}/artifacts` })).json() as { items: Array<{ id: string; version: { version: number } }> };
    expect(approvedKeys.sort()).toEqual(artifacts.items.map((a) => `artifact:${a.id}:v${a.version.version}`).sort());
    const run1Chunks = await p.current.db.orm.em.fork().getConnection().execute<Array<{ id: string; source_key: string; negative: boolean }>>(
      'select id, source_key, negative from knowledge_chunk where tenant_id = ? and run_id = ?', [tenantId, run1]);
    const artifactChunkIds = new Set(run1Chunks.filter((c) => approvedKeys.includes(c.source_key)).map((c) => c.id));
    const negativeChunkIds = new Set(run1Chunks.filter((c) => c.negative).map((c) => c.id));
    expect(artifactChunkIds.size).toBeGreaterThan(0);
    expect(negativeChunkIds.size).toBeGreaterThan(0);

    // Retrieval: a search with the rejected draft's own words gets positives only, unless it asks for negatives.
    const draftText = (await p.current.db.orm.em.fork().getConnection().execute<Array<{ text: string }>>(
      'select text from knowledge_chunk where tenant_id = ? and run_id = ? and negative limit 1', [tenantId, run1]))[0]?.text ?? '';
    const search = async (includeNegative: boolean) => {
      const res = await p.current.call(key, { method: 'POST', url: '/v2/knowledge/search', payload: { brandId: seed.brandId, query: draftText.slice(0, 500), k: 50, includeNegative } });
      expect(res.statusCode, res.body).toBe(200);
      return (res.json() as { results: Array<{ chunkId: string; provenance: { negative: boolean } }> }).results;
    };
    const positives = await search(false);
    expect(positives.length).toBeGreaterThan(0);
    expect(positives.some((r) => r.provenance.negative || negativeChunkIds.has(r.chunkId))).toBe(false);
    const negatives = await search(true);
    expect(negatives.length).toBeGreaterThan(0);
    expect(negatives.every((r) => r.provenance.negative && negativeChunkIds.has(r.chunkId))).toBe(true);

    // Run 2: another task of the same campaign (same brand).
    const task2 = await p.current.call(key, {
      method: 'POST', url: '/v2/tasks',
      payload: { campaignId: seed.campaignId, name: 'Autumn Harvest reminder', deliverableType: 'social_post', specs: { lengthWords: { max: 60 }, callToAction: 'Pre-order at northwind.example/autumn' } },
    });
    expect(task2.statusCode, task2.body).toBe(201);
    const run2 = await startRun(p.current, key, { taskId: (task2.json() as { id: string }).id, mode: 'autopilot' });
    await waitForRun(p.current, key, run2, (r) => r.status === 'completed', 30_000);

    const out2 = await outputs(p.current, key, run2);
    const citing = out2.filter((o) => ['research', 'copy-linkedin', 'copy-x'].includes(o.stageId));
    expect(citing.map((o) => o.stageId).sort()).toEqual(['copy-linkedin', 'copy-x', 'research']);
    const all = citing.flatMap((o) => (o.output.citations as Citation[] | undefined) ?? []);
    expect(all.length).toBeGreaterThan(0);
    const fromRun1 = all.filter((c) => c.runId === run1 && c.source === 'artifact' && approvedKeys.includes(c.sourceKey));
    expect(fromRun1.length, JSON.stringify(all.map((c) => [c.sourceKey, c.runId]))).toBeGreaterThan(0);
    expect(fromRun1.every((c) => artifactChunkIds.has(c.chunkId))).toBe(true);
    // The research stage itself cites run 1's approved work.
    const research = (citing.find((o) => o.stageId === 'research')?.output.citations as Citation[]);
    expect(research.some((c) => c.runId === run1 && approvedKeys.includes(c.sourceKey))).toBe(true);
    // A rejected draft is never given as context.
    expect(all.some((c) => negativeChunkIds.has(c.chunkId) || c.sourceKey.startsWith('draft:'))).toBe(false);
  });
});
