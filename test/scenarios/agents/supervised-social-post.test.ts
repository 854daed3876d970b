import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { seedAgencyTask } from '../../helpers/agency-seed.js';
import { ADAPTERS, command, startRun, usePlatform, waitForRun, type TestPlatform } from '../../helpers/test-engine.js';

type Output = { stageId: string; round: number; output: Record<string, unknown> };

async function outputs(p: TestPlatform, key: string, runId: string): Promise<Output[]> {
  const res = await p.call(key, { method: 'GET', url: `/v2/runs/${runId}/outputs` });
  expect(res.statusCode).toBe(200);
  return (res.json() as { items: Output[] }).items;
}

const draftOf = (items: Output[], stageId: string) => String(items.find((i) => i.stageId === stageId)?.output.content ?? '');

describe.each(ADAPTERS)('a supervised social_post run on the offline provider (%s)', (adapter) => {
  const p = usePlatform({ adapter, tools: {} });

  it('passes the gates, waits, reworks with a changed draft, is approved and ends with downloadable artifacts', async () => {
    const { key } = await p.current.tenant();
    const seed = await seedAgencyTask(p.current, key, { channels: ['linkedin', 'x'] });
    const runId = await startRun(p.current, key, { taskId: seed.taskId, mode: 'supervised' });

    const waiting = await waitForRun(p.current, key, runId, (r) => r.status === 'waiting_approval', 30_000);
    expect(waiting.gate).toMatchObject({ passed: true });
    const stageIds = waiting.stages.filter((s) => s.status === 'succeeded').map((s) => s.stageId);
    expect(stageIds).toEqual(expect.arrayContaining(['strategy', 'research', 'audience', 'copy-linkedin', 'edit-linkedin', 'copy-x', 'edit-x', '$review']));
    expect(waiting.stages.find((s) => s.stageId === 'copy-instagram')?.status).toBe('skipped');
    const round0 = await outputs(p.current, key, runId);
    const review = round0.find((o) => o.stageId === '$review')?.output as { passed: boolean; drafts: Array<{ channel: string; passed: boolean }> };
    expect(review.passed).toBe(true);
    expect(review.drafts.map((d) => d.channel).sort()).toEqual(['linkedin', 'x']);
    const firstDraft = draftOf(round0, 'edit-x');
    expect(firstDraft).toContain(seed.disclaimer);
    expect(firstDraft).toContain('[offline draft]');

    const rework = await command(p.current, key, runId, 'request-rework', { feedback: 'Shorter, and lead with the tasting notes.', stages: ['copy-x'] });
    expect(rework.statusCode).toBe(202);
    await waitForRun(p.current, key, runId, (r) => r.status === 'waiting_approval' && r.round === 1, 30_000);
    const round1 = await outputs(p.current, key, runId);
    expect(round1.find((o) => o.stageId === 'edit-x')?.round).toBe(1);
    expect(round1.find((o) => o.stageId === 'edit-linkedin')?.round).toBe(0);
    const reworked = draftOf(round1, 'edit-x');
    expect(reworked).not.toEqual(firstDraft);
    expect(reworked).toContain(seed.disclaimer);

    expect((await command(p.current, key, runId, 'approve', { note: 'ship it' })).statusCode).toBe(202);
    const done = await waitForRun(p.current, key, runId, (r) => r.status === 'completed', 30_000);
    expect(done.status).toBe('completed');

    const res = await p.current.call(key, { method: 'GET', url: `/v2/runs/${runId}/artifacts` });
    expect(res.statusCode).toBe(200);
    const artifacts = (res.json() as { items: Array<{ id: string; slot: string; version: { version: number; sha256: string; contentUrl: string; lineage: Record<string, unknown> } }> }).items;
    expect(artifacts.map((a) => a.slot).sort()).toEqual(['social_post/linkedin', 'social_post/x']);
    const x = artifacts.find((a) => a.slot === 'social_post/x');
    expect(x?.version.lineage).toMatchObject({ runId, template: { id: 'social_post', version: 1 }, offline: true });
    const content = await p.current.call(key, { method: 'GET', url: x?.version.contentUrl ?? '' });
    expect(content.statusCode).toBe(200);
    expect(content.headers['content-type']).toContain('text/markdown');
    expect(content.body).toContain(reworked.split('\n')[0]);
    expect(createHash('sha256').update(content.rawPayload).digest('hex')).toBe(x?.version.sha256);

    const audit = await p.current.call(key, { method: 'GET', url: '/v2/audit?action=tool.invoke&limit=100' });
    const invocations = (audit.json() as { items: Array<{ details: Record<string, unknown> }> }).items;
    expect(invocations.some((e) => e.details.tool === 'llm.complete' && e.details.runId === runId && e.details.outcome === 'ok')).toBe(true);
    expect(invocations.some((e) => e.details.tool === 'brand.knowledge' && e.details.agent === 'researcher')).toBe(true);
  });
});
