import { describe, expect, it } from 'vitest';
import { seedAgencyTask } from '../../helpers/agency-seed.js';
import { ADAPTERS, startRun, usePlatform, waitForRun, type TestPlatform } from '../../helpers/test-engine.js';

type Output = { stageId: string; round: number; output: Record<string, unknown> };
type Citation = { marker: string; chunkId: string; source: string; sourceKey: string; sourceVersion: number; runId: string | null; score: number };

async function outputs(p: TestPlatform, key: string, runId: string): Promise<Output[]> {
  const res = await p.call(key, { method: 'GET', url: `/v2/runs/${runId}/outputs` });
  expect(res.statusCode).toBe(200);
  return (res.json() as { items: Output[] }).items;
}

describe.each(ADAPTERS)('agents retrieve the brand\'s knowledge and cite it (%s)', (adapter) => {
  const p = usePlatform({ adapter, tools: {} });

  it('the researcher and the copywriters call rag.retrieve for the run\'s brand only, and the stage outputs carry the citations', async () => {
    const platform = p.current;
    const indexer = platform.knowledge?.indexer;
    if (!indexer) throw new Error('knowledge layer expected on the test platform');
    const { id: tenantId, key } = await platform.tenant();
    const seed = await seedAgencyTask(platform, key, { channels: ['linkedin'] });
    const other = await seedAgencyTask(platform, key, { channels: ['linkedin'] });
    const doc = (brandId: string, campaignId: string | null, sourceKey: string, text: string) => indexer.index({
      tenantId, brandId, campaignId, taskType: 'social_post', stage: 'copy', source: 'artifact', sourceKey, sourceVersion: 1,
      runId: null, learningId: null, qualityScore: 0.9, negative: false, format: 'text', text,
    });
    const own = await doc(seed.brandId, seed.campaignId, 'artifact:own:v1', 'Our single-origin espresso roast launch post: tasting notes of cherry and cocoa drove pre-orders on LinkedIn.');
    const foreign = await doc(other.brandId, other.campaignId, 'artifact:other:v1', 'Espresso roast launch post for the other brand: cherry and cocoa pre-orders on LinkedIn, never to be seen by the first brand.');

    const runId = await startRun(platform, key, { taskId: seed.taskId, mode: 'supervised' });
    await waitForRun(platform, key, runId, (r) => r.status === 'waiting_approval', 30_000);
    const items = await outputs(platform, key, runId);
    for (const stageId of ['research', 'copy-linkedin']) {
      const citations = items.find((i) => i.stageId === stageId)?.output.citations as Citation[] | undefined;
      expect(citations, stageId).toEqual([expect.objectContaining({ marker: 'K1', chunkId: own.chunkIds[0], source: 'artifact', sourceKey: 'artifact:own:v1', sourceVersion: 1, runId: null })]);
      expect(citations?.[0]?.score).toBeGreaterThan(0);
    }
    for (const stageId of ['strategy', 'audience', 'edit-linkedin']) expect(items.find((i) => i.stageId === stageId)?.output.citations, stageId).toEqual([]);
    const all = JSON.stringify(items);
    expect(all).not.toContain(foreign.chunkIds[0]);
    expect(all).not.toContain('never to be seen by the first brand');
    // The offline researcher's notes draw on the retrieved passage.
    expect(String(items.find((i) => i.stageId === 'research')?.output.content)).toMatch(/cherry and cocoa/);

    // Each retrieval is a metered, audited tool call of the run.
    const usage = await platform.call(key, { method: 'GET', url: `/v2/tool-usage?runId=${runId}` });
    expect((usage.json() as { items?: Array<{ tool: string; calls: number }> }).items ?? usage.json()).toEqual(expect.arrayContaining([expect.objectContaining({ tool: 'rag.retrieve@1.0.0', calls: 2 })]));
  });
});
