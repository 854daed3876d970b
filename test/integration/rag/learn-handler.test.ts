import { describe, expect, it } from 'vitest';
import type { StageHandlerInput } from '../../../src/contracts/execution.js';
import type { KnowledgeIndexer } from '../../../src/rag/knowledge/knowledge-indexer.js';
import { learnHandler } from '../../../src/rag/learning/learn.handler.js';
import type { Orm } from '../../../src/persistence/orm.js';
import { seedAgencyTask } from '../../helpers/agency-seed.js';
import { LEARNING_SOCIAL_POST, SOCIAL_POST_NO_LEARNING, useLearningStack, type LearningStack } from '../../helpers/learning-stack.js';
import { command, startRun, waitForRun } from '../../helpers/test-engine.js';

type LearningRow = { id: string; kind: string; source_key: string; indexed: boolean; negative: boolean; quality_score: number; threshold: number; reason: string; chunk_count: number; signals: Record<string, unknown> };
type ChunkRow = { id: string; source: string; source_key: string; negative: boolean; learning_id: string | null; quality_score: number; campaign_id: string | null; task_type: string | null; stage: string | null };

const learnings = (orm: Orm, runId: string) => orm.em.fork().getConnection().execute<LearningRow[]>(
  'select id, kind, source_key, indexed, negative, quality_score, threshold, reason, chunk_count, signals from learning where run_id = ? order by source_key', [runId]);
const chunksOf = (orm: Orm, tenantId: string) => orm.em.fork().getConnection().execute<ChunkRow[]>(
  'select id, source, source_key, negative, learning_id, quality_score, campaign_id, task_type, stage from knowledge_chunk where tenant_id = ? order by source_key, chunk_index', [tenantId]);

/** Every vector id of a brand in the store (positives and negatives), by a search that matches everything. */
async function vectorIds(s: LearningStack, tenantId: string, brandId: string): Promise<string[]> {
  const probe = new Float32Array(s.vectors.dimension).fill(1 / Math.sqrt(s.vectors.dimension));
  const q = { tenantId, brandId, vector: probe, k: 1000 };
  const hits = [...await s.vectors.search(q), ...await s.vectors.search({ ...q, filter: { negative: true } })];
  return hits.map((h) => h.id).sort();
}

/** The input the engine gives the learn stage of a run (only tenant, run and signal matter to it). */
function learnInput(tenantId: string, runId: string, attempt = 1): StageHandlerInput {
  return {
    key: `${runId}:learn:${attempt}`, tenantId, runId, stageId: '$learn', stageRunId: runId, round: 0, attempt, kind: 'learn.index', params: {},
    context: {}, contextHash: '', upstream: {}, signal: new AbortController().signal,
  };
}

async function approvedRun(s: LearningStack, key: string, template: string, channels = ['linkedin', 'x']) {
  const p = s.platform;
  const seed = await seedAgencyTask(p, key, { channels });
  const runId = await startRun(p, key, { taskId: seed.taskId, mode: 'supervised', template });
  await waitForRun(p, key, runId, (r) => r.status === 'waiting_approval', 30_000);
  expect((await command(p, key, runId, 'request-rework', { feedback: 'Shorter, and lead with the tasting notes.', stages: ['copy-x'] })).statusCode).toBe(202);
  await waitForRun(p, key, runId, (r) => r.status === 'waiting_approval' && r.round === 1, 30_000);
  expect((await command(p, key, runId, 'approve', { note: 'Lovely tone, ship it.' })).statusCode).toBe(202);
  return { seed, runId };
}

describe('the learn stage (learn.index) on an approved agency run', () => {
  const s = useLearningStack();

  it('turns artifacts, feedback and the sent-back draft into learnings, indexes them with their metadata, and shows a summary on the run', async () => {
    const p = s.current.platform;
    const { id: tenantId, key } = await p.tenant();
    const { seed, runId } = await approvedRun(s.current, key, LEARNING_SOCIAL_POST.name);
    const done = await waitForRun(p, key, runId, (r) => r.status === 'completed', 30_000);
    expect(done.stages.find((st) => st.stageId === '$learn')?.status).toBe('succeeded');

    const rows = await learnings(s.current.db.orm, runId);
    const kinds = rows.map((r) => r.kind).sort();
    expect(kinds).toEqual(['approved_artifact', 'approved_artifact', 'campaign_history', 'feedback', 'feedback', 'rejected_draft']);
    const rejected = rows.find((r) => r.kind === 'rejected_draft');
    expect(rejected).toMatchObject({ source_key: `draft:${runId}:edit-x:r0`, indexed: true, negative: true });
    expect(rejected?.reason).toMatch(/sent back by a reviewer in round 0: "Shorter, and lead with the tasting notes\."/);
    const x = rows.find((r) => r.kind === 'approved_artifact' && r.signals.slot === 'social_post/x');
    expect(x?.signals).toMatchObject({ reworkRounds: 1, gatePassed: true, firstDraftRound: 0, approvedRound: 1 });
    expect(Number(x?.signals.editDistance)).toBeGreaterThan(0);
    const li = rows.find((r) => r.kind === 'approved_artifact' && r.signals.slot === 'social_post/linkedin');
    expect(li?.signals).toMatchObject({ reworkRounds: 0, editDistance: 0 });
    expect(Number(li?.quality_score)).toBeGreaterThan(Number(x?.quality_score));
    for (const r of rows) expect(Number(r.threshold)).toBe(0.7);

    const chunks = await chunksOf(s.current.db.orm, tenantId);
    for (const r of rows.filter((l) => l.indexed)) {
      const own = chunks.filter((c) => c.source_key === r.source_key);
      expect(own.length, r.source_key).toBe(r.chunk_count);
      expect(own.length, r.source_key).toBeGreaterThan(0);
      expect(own.every((c) => c.learning_id === r.id && c.negative === r.negative)).toBe(true);
    }
    for (const r of rows.filter((l) => !l.indexed)) expect(chunks.some((c) => c.source_key === r.source_key)).toBe(false);
    const artifactChunk = chunks.find((c) => c.source === 'artifact' && !c.negative);
    expect(artifactChunk).toMatchObject({ campaign_id: seed.campaignId, task_type: 'social_post' });
    expect(['edit-linkedin', 'edit-x']).toContain(artifactChunk?.stage);
    expect(chunks.filter((c) => c.source === 'feedback').length).toBeGreaterThanOrEqual(2);
    expect(chunks.some((c) => c.source === 'brand_rules' && c.source_key === `brand:${seed.brandId}:v1` && c.learning_id === null)).toBe(true);
    expect(chunks.some((c) => c.source === 'campaign_history')).toBe(true);
    // Every chunk row has its vector, and nothing else is in the store for the brand.
    expect(await vectorIds(s.current, tenantId, seed.brandId)).toEqual(chunks.map((c) => c.id).sort());

    const out = await p.call(key, { method: 'GET', url: `/v2/runs/${runId}/outputs` });
    const learn = (out.json() as { items: Array<{ stageId: string; output: Record<string, unknown> }> }).items.find((i) => i.stageId === '$learn')?.output;
    expect(learn).toMatchObject({ threshold: 0.7, thresholdSource: 'default', negatives: 1, created: 6 });
    expect(Number(learn?.indexed) + Number(learn?.skipped)).toBe(5);
    expect((learn?.learnings as unknown[]).length).toBe(6);
  });

  it('creates nothing twice when the approval is processed again', async () => {
    const p = s.current.platform;
    const { id: tenantId, key } = await p.tenant();
    const { seed, runId } = await approvedRun(s.current, key, LEARNING_SOCIAL_POST.name);
    await waitForRun(p, key, runId, (r) => r.status === 'completed', 30_000);
    const beforeRows = await learnings(s.current.db.orm, runId);
    const beforeChunks = await chunksOf(s.current.db.orm, tenantId);
    const beforeVectors = await vectorIds(s.current, tenantId, seed.brandId);

    const again = await s.current.learn.run(learnInput(tenantId, runId, 2));
    const out = again.output as { created: number; learnings: Array<{ created: boolean }> };
    expect(out.created).toBe(0);
    expect(out.learnings.every((l) => !l.created)).toBe(true);
    expect(await learnings(s.current.db.orm, runId)).toEqual(beforeRows);
    expect(await chunksOf(s.current.db.orm, tenantId)).toEqual(beforeChunks);
    expect(await vectorIds(s.current, tenantId, seed.brandId)).toEqual(beforeVectors);
  });

  it('completes after a crash mid-indexing, on retry, with the same result as one clean pass', async () => {
    const p = s.current.platform;
    const { id: tenantId, key } = await p.tenant();
    const { seed, runId } = await approvedRun(s.current, key, SOCIAL_POST_NO_LEARNING.name);
    await waitForRun(p, key, runId, (r) => r.status === 'completed', 30_000);
    expect(await learnings(s.current.db.orm, runId)).toEqual([]);

    // The first attempt dies after two documents were indexed (the process crashed).
    let calls = 0;
    const crashing: Pick<KnowledgeIndexer, 'index' | 'deleteBySourceKeys'> = {
      index: async (doc, signal) => {
        if (++calls > 2) throw new Error('simulated crash while indexing');
        return s.current.indexer.index(doc, signal);
      },
      deleteBySourceKeys: (t, k) => s.current.indexer.deleteBySourceKeys(t, k),
    };
    const first = learnHandler({ orm: s.current.db.orm, store: s.current.artifacts, indexer: crashing, defaultMinQualityScore: 0.7 });
    await expect(first.run(learnInput(tenantId, runId, 1))).rejects.toThrow(/simulated crash/);
    const afterCrash = await learnings(s.current.db.orm, runId);
    expect(afterCrash.length).toBe(6);

    const retry = await s.current.learn.run(learnInput(tenantId, runId, 2));
    const rows = await learnings(s.current.db.orm, runId);
    expect(rows.map((r) => r.id)).toEqual(afterCrash.map((r) => r.id));
    const chunks = await chunksOf(s.current.db.orm, tenantId);
    for (const r of rows.filter((l) => l.indexed)) {
      expect(r.chunk_count).toBeGreaterThan(0);
      expect(chunks.filter((c) => c.source_key === r.source_key).length).toBe(r.chunk_count);
    }
    expect(new Set(chunks.map((c) => c.id)).size).toBe(chunks.length);
    expect(await vectorIds(s.current, tenantId, seed.brandId)).toEqual(chunks.map((c) => c.id).sort());
    expect((retry.output as { learnings: unknown[] }).learnings.length).toBe(6);

    // A third pass finds everything in place.
    const third = await s.current.learn.run(learnInput(tenantId, runId, 3));
    expect((third.output as { created: number }).created).toBe(0);
    expect((await chunksOf(s.current.db.orm, tenantId)).length).toBe(chunks.length);
  });

  it('removes what it indexed when the brand is deleted while the run is learning', async () => {
    const p = s.current.platform;
    const { id: tenantId, key } = await p.tenant();
    const { seed, runId } = await approvedRun(s.current, key, SOCIAL_POST_NO_LEARNING.name);
    await waitForRun(p, key, runId, (r) => r.status === 'completed', 30_000);

    // The brand is deleted (deleted_at set) after the first document was indexed.
    let calls = 0;
    const deletingMidway: Pick<KnowledgeIndexer, 'index' | 'deleteBySourceKeys'> = {
      index: async (doc, signal) => {
        const res = await s.current.indexer.index(doc, signal);
        if (++calls === 1) await s.current.db.orm.em.fork().getConnection().execute('update brand set deleted_at = now() where id = ?', [seed.brandId]);
        return res;
      },
      deleteBySourceKeys: (t, k) => s.current.indexer.deleteBySourceKeys(t, k),
    };
    const handler = learnHandler({ orm: s.current.db.orm, store: s.current.artifacts, indexer: deletingMidway, defaultMinQualityScore: 0.7 });
    const res = await handler.run(learnInput(tenantId, runId));
    expect(calls).toBeGreaterThan(1);
    expect(res.output).toMatchObject({ skipped: expect.stringMatching(/was deleted while the run was learning/), indexed: 0, learnings: [] });
    expect(await learnings(s.current.db.orm, runId)).toEqual([]);
    expect(await chunksOf(s.current.db.orm, tenantId)).toEqual([]);
    expect(await vectorIds(s.current, tenantId, seed.brandId)).toEqual([]);
  });

  it('does not index a low-score output: a draft a person approved over failed gates stays out of retrieval', async () => {
    const p = s.current.platform;
    const { id: tenantId, key } = await p.tenant();
    const seed = await seedAgencyTask(p, key, { channels: ['linkedin'] });
    // The brand demands 0.9 and the task 150+ words: the offline drafts (short) fail the gates in every round.
    expect((await p.call(key, { method: 'PATCH', url: `/v2/brands/${seed.brandId}`, headers: { 'if-match': '"1"' }, payload: { rules: { minQualityScore: 0.9 } } })).statusCode).toBe(200);
    expect((await p.call(key, { method: 'PATCH', url: `/v2/tasks/${seed.taskId}`, headers: { 'if-match': '"1"' }, payload: { specs: { lengthWords: { min: 150, max: 300 } } } })).statusCode).toBe(200);
    const runId = await startRun(p, key, { taskId: seed.taskId, mode: 'supervised', template: LEARNING_SOCIAL_POST.name });
    const waiting = await waitForRun(p, key, runId, (r) => r.status === 'waiting_approval', 30_000);
    expect(waiting.gate).toMatchObject({ passed: false });
    expect((await command(p, key, runId, 'approve', { note: 'Publishing anyway for the launch date.' })).statusCode).toBe(202);
    await waitForRun(p, key, runId, (r) => r.status === 'completed', 30_000);

    const rows = await learnings(s.current.db.orm, runId);
    const approved = rows.filter((r) => r.kind === 'approved_artifact');
    expect(approved.length).toBe(1);
    expect(approved[0]?.signals).toMatchObject({ gatePassed: false, reworkRounds: 2 });
    expect(Number(approved[0]?.quality_score)).toBeLessThanOrEqual(0.5);
    expect(approved[0]).toMatchObject({ indexed: false, threshold: 0.7 });
    expect(approved[0]?.reason).toMatch(/below the threshold 0\.700 \(platform default\): not indexed/);
    expect(rows.find((r) => r.kind === 'campaign_history')?.indexed).toBe(false);
    const rejected = rows.filter((r) => r.kind === 'rejected_draft');
    expect(rejected.map((r) => r.source_key)).toEqual([`draft:${runId}:edit-linkedin:r0`, `draft:${runId}:edit-linkedin:r1`]);
    expect(rejected.every((r) => /failed the quality gates/.test(r.reason))).toBe(true);

    const chunks = await chunksOf(s.current.db.orm, tenantId);
    expect(chunks.filter((c) => c.source === 'campaign_history' || (c.source === 'artifact' && !c.negative))).toEqual([]);
    expect(chunks.filter((c) => c.negative).length).toBeGreaterThanOrEqual(2);
    expect(await vectorIds(s.current, tenantId, seed.brandId)).toEqual(chunks.map((c) => c.id).sort());
  });

  it('applies the brand override of the threshold: the reworked deliverable is kept out, the one approved as written is indexed', async () => {
    const p = s.current.platform;
    const { id: tenantId, key } = await p.tenant();
    const seed = await seedAgencyTask(p, key, { channels: ['linkedin', 'x'] });
    const put = await s.current.callKnowledge(key, { method: 'PUT', url: `/v2/brands/${seed.brandId}/knowledge-policy`, payload: { minQualityScore: 0.99 } });
    expect(put.statusCode).toBe(201);
    const runId = await startRun(p, key, { taskId: seed.taskId, mode: 'supervised', template: LEARNING_SOCIAL_POST.name });
    await waitForRun(p, key, runId, (r) => r.status === 'waiting_approval', 30_000);
    expect((await command(p, key, runId, 'request-rework', { feedback: 'More energy.', stages: ['copy-x'] })).statusCode).toBe(202);
    await waitForRun(p, key, runId, (r) => r.status === 'waiting_approval' && r.round === 1, 30_000);
    expect((await command(p, key, runId, 'approve')).statusCode).toBe(202);
    await waitForRun(p, key, runId, (r) => r.status === 'completed', 30_000);

    const rows = await learnings(s.current.db.orm, runId);
    const x = rows.find((r) => r.kind === 'approved_artifact' && r.signals.slot === 'social_post/x');
    const li = rows.find((r) => r.kind === 'approved_artifact' && r.signals.slot === 'social_post/linkedin');
    expect(Number(x?.quality_score)).toBeLessThan(0.99);
    expect(x).toMatchObject({ indexed: false, threshold: 0.99 });
    expect(x?.reason).toMatch(/below the threshold 0\.990 \(brand override\): not indexed/);
    expect(li).toMatchObject({ indexed: true, threshold: 0.99 });
    const chunks = await chunksOf(s.current.db.orm, tenantId);
    expect(chunks.some((c) => c.source_key === x?.source_key)).toBe(false);
    expect(chunks.some((c) => c.source_key === li?.source_key)).toBe(true);
  });

  it('keeps rejected drafts out of normal retrieval: only an explicit negative search returns them', async () => {
    const p = s.current.platform;
    const { id: tenantId, key } = await p.tenant();
    const { seed, runId } = await approvedRun(s.current, key, LEARNING_SOCIAL_POST.name);
    await waitForRun(p, key, runId, (r) => r.status === 'completed', 30_000);
    const chunks = await chunksOf(s.current.db.orm, tenantId);
    const negatives = new Set(chunks.filter((c) => c.negative).map((c) => c.id));
    expect(negatives.size).toBeGreaterThan(0);
    const probe = new Float32Array(s.current.vectors.dimension).fill(1 / Math.sqrt(s.current.vectors.dimension));
    const normal = await s.current.vectors.search({ tenantId, brandId: seed.brandId, vector: probe, k: 1000 });
    expect(normal.length).toBeGreaterThan(0);
    expect(normal.some((h) => negatives.has(h.id))).toBe(false);
    const explicit = await s.current.vectors.search({ tenantId, brandId: seed.brandId, vector: probe, k: 1000, filter: { negative: true } });
    expect(new Set(explicit.map((h) => h.id))).toEqual(negatives);
  });

  it('learns nothing for a brand deleted before its learn stage ran', async () => {
    const p = s.current.platform;
    const { id: tenantId, key } = await p.tenant();
    const { seed, runId } = await approvedRun(s.current, key, SOCIAL_POST_NO_LEARNING.name);
    await waitForRun(p, key, runId, (r) => r.status === 'completed', 30_000);
    const del = await s.current.callKnowledge(key, { method: 'DELETE', url: `/v2/brands/${seed.brandId}`, headers: { 'if-match': '"1"' } });
    expect(del.statusCode).toBe(200);
    const res = await s.current.learn.run(learnInput(tenantId, runId));
    expect((res.output as { skipped: string }).skipped).toMatch(/was deleted/);
    expect(await learnings(s.current.db.orm, runId)).toEqual([]);
    expect(await chunksOf(s.current.db.orm, tenantId)).toEqual([]);
  });
  it("keeps only the newest brand rules searchable: a new brand version supersedes the old rules, and a run pinned to the old version does not bring them back", async () => {
    // Bug this pins: every brand version's rules stayed indexed, so retrieval could cite a term banned since or a tone changed since.
    const p = s.current.platform;
    const { id: tenantId, key } = await p.tenant();
    const seed = await seedAgencyTask(p, key, { channels: ['linkedin'] });
    const approve = async (runId: string) => {
      await waitForRun(p, key, runId, (r) => r.status === 'waiting_approval', 30_000);
      expect((await command(p, key, runId, 'approve', {})).statusCode).toBe(202);
      await waitForRun(p, key, runId, (r) => r.status === 'completed', 30_000);
    };
    const rulesKeys = async () => [...new Set((await chunksOf(s.current.db.orm, tenantId)).filter((c) => c.source === 'brand_rules').map((c) => c.source_key))];

    const run1 = await startRun(p, key, { taskId: seed.taskId, mode: 'supervised', template: LEARNING_SOCIAL_POST.name });
    await approve(run1);
    expect(await rulesKeys()).toEqual([`brand:${seed.brandId}:v1`]);

    expect((await p.call(key, { method: 'PATCH', url: `/v2/brands/${seed.brandId}`, headers: { 'if-match': '"1"' }, payload: { voice: { tone: 'bold and playful' } } })).statusCode).toBe(200);
    const run2 = await startRun(p, key, { taskId: seed.taskId, mode: 'supervised', template: LEARNING_SOCIAL_POST.name });
    await approve(run2);
    expect(await rulesKeys()).toEqual([`brand:${seed.brandId}:v2`]);
    const rulesChunks = (await chunksOf(s.current.db.orm, tenantId)).filter((c) => c.source === 'brand_rules');
    expect((await vectorIds(s.current, tenantId, seed.brandId)).filter((id) => rulesChunks.some((c) => c.id === id)).length).toBe(rulesChunks.length);

    // Re-processing run 1 (pinned to version 1) indexes its learnings again idempotently but not the superseded rules.
    const again = await s.current.learn.run(learnInput(tenantId, run1, 2));
    expect((again.output as { brandRules: { supersededBy: number | null; chunks: number } }).brandRules).toMatchObject({ supersededBy: 2, chunks: 0 });
    expect(await rulesKeys()).toEqual([`brand:${seed.brandId}:v2`]);
  });
});
