import { beforeAll, describe, expect, it } from 'vitest';
import { contentHash } from '../../../src/domain/canonical-json.js';
import type { WorkflowTemplateInput } from '../../../src/planner/template.js';
import { seedTask, startRun, usePlatform, waitForRun, type TestPlatform } from '../../helpers/test-engine.js';

/** Two stages that each take 80 ms: long enough to be reported as started. */
const PACED: WorkflowTemplateInput = {
  name: 'paced', version: 1, description: 'two 80 ms stages',
  stages: [
    { id: 'outline', kind: 'echo', params: { delayMs: 80 } },
    { id: 'copy', kind: 'echo', dependsOn: ['outline'], content: true, params: { delayMs: 80 } },
  ],
  review: { kind: 'gate.pass' }, consolidate: null, learn: null, maxReworkRounds: 1, approvalDeadlineMs: null,
};

const platform = usePlatform({ adapter: 'in-process', templates: [PACED] });

let p: TestPlatform;
let key: string;
let keyId: string;
let emailTask: string;
let instagramTask: string;

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const DEFAULT_STAGES = ['brief', 'research', 'audience', 'competitors', 'draft'];

interface StageRun {
  id: string; stageId: string; round: number; kind: string; status: string; attempt: number; usingFallback: boolean;
  lastError: string | null; costUsd: number; queuedAt: string | null; startedAt: string | null; finishedAt: string | null;
}
interface Run {
  id: string; taskId: string; status: string; state: string; version: number; requestedMode: string; effectiveMode: string; modeReason: string;
  tier: string; template: { name: string; version: number; hash: string }; costUsd: number; diagnosis: unknown; createdBy: string;
  createdAt: string; updatedAt: string; finishedAt: string | null;
  contextSnapshot: { id: string; hash: string };
  plan: { stages: Array<{ id: string; kind: string; dependsOn: string[]; content: boolean }>; skipped: string[]; maxReworkRounds: number };
  round: number; gate: { passed: boolean; score?: number } | null; stages: StageRun[];
}
interface Entry {
  seq: number; type: string; payload: Record<string, unknown>; from: string; to: string;
  stages: Array<{ stageRunId: string; stageId: string; from: string | null; to: string }>; actor: string; version: number; at: string;
}
interface Page<T> { items: T[]; nextCursor: string | null }

async function get<T>(url: string): Promise<{ body: T; etag: string | undefined }> {
  const res = await p.call(key, { method: 'GET', url });
  expect(res.statusCode, `${url}: ${res.body}`).toBe(200);
  return { body: res.json() as T, etag: res.headers.etag as string | undefined };
}

async function finished(body: Record<string, unknown>, status = 'completed'): Promise<Run> {
  const id = await startRun(p, key, body);
  await waitForRun(p, key, id, (r) => r.status === status);
  return (await get<Run>(`/v2/runs/${id}`)).body;
}

/** Every page of a paged list, following nextCursor. */
async function allPages<T>(url: string, limit: number): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const sep = url.includes('?') ? '&' : '?';
    const page: Page<T> = (await get<Page<T>>(`${url}${sep}limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`)).body;
    expect(page.items.length).toBeLessThanOrEqual(limit);
    items.push(...page.items);
    cursor = page.nextCursor;
    pages += 1;
    if (cursor) expect(page.items).toHaveLength(limit);
  } while (cursor && pages < 100);
  return { items, pages };
}

beforeAll(async () => {
  p = platform.current;
  key = (await p.tenant()).key;
  const keysList = (await get<Page<{ id: string; name: string }>>('/v2/api-keys')).body.items;
  keyId = keysList.find((k) => k.name === 'test admin')?.id ?? '';
  emailTask = await seedTask(p, key, { channels: ['email'] });
  instagramTask = await seedTask(p, key, { channels: ['instagram'] });
});

describe('GET /v2/runs/:id', () => {
  it('describes a completed autopilot run: status, version = ETag, modes, tier, template, pinned context, plan, stages, cost', async () => {
    const started = Date.now();
    const id = await startRun(p, key, { taskId: emailTask, mode: 'autopilot' });
    await waitForRun(p, key, id, (r) => r.status === 'completed');
    const { body: run, etag } = await get<Run>(`/v2/runs/${id}`);

    expect(run).toMatchObject({
      id, taskId: emailTask, status: 'completed', state: 'completed', requestedMode: 'autopilot', effectiveMode: 'autopilot', modeReason: 'as requested',
      tier: 'standard', costUsd: 0, diagnosis: null, createdBy: `key:${keyId}`, round: 0, gate: { passed: true, score: 1 },
    });
    expect(keyId).toMatch(/^[0-9a-f-]{36}$/);
    expect(etag).toBe(`"${run.version}"`);
    // One version per applied event: START and one result per stage (8 stages) at least.
    expect(run.version).toBeGreaterThanOrEqual(9);

    // The template it was planned from, by name, version and content hash.
    expect(run.template).toEqual({ name: 'campaign-content', version: 1, hash: contentHash(p.engine.templates.resolve('campaign-content@1')) });
    expect(run.template.hash).toMatch(/^sha256:[0-9a-f]{64}$/);

    // The pinned context is the task's resolved context.
    const context = (await get<{ hash: string }>(`/v2/tasks/${emailTask}/context`)).body;
    expect(run.contextSnapshot.hash).toBe(context.hash);
    const snapshot = (await get<{ id: string; hash: string; taskId: string }>(`/v2/context-snapshots/${run.contextSnapshot.id}`)).body;
    expect(snapshot).toMatchObject({ id: run.contextSnapshot.id, hash: context.hash, taskId: emailTask });

    // With channels ['email'] the visual brief is planned out.
    expect(run.plan).toEqual({
      stages: [
        { id: 'brief', kind: 'echo', dependsOn: [], content: false },
        { id: 'research', kind: 'echo', dependsOn: ['brief'], content: false },
        { id: 'audience', kind: 'echo', dependsOn: ['brief'], content: false },
        { id: 'competitors', kind: 'echo', dependsOn: ['brief'], content: false },
        { id: 'draft', kind: 'echo', dependsOn: ['research', 'audience', 'competitors'], content: true },
      ],
      skipped: ['visual-brief'],
      maxReworkRounds: 3,
    });

    const byStage = Object.fromEntries(run.stages.map((s) => [s.stageId, s]));
    expect(Object.keys(byStage).sort()).toEqual([...DEFAULT_STAGES, 'visual-brief', '$review', '$consolidate', '$learn'].sort());
    expect(byStage['visual-brief']).toMatchObject({ status: 'skipped', attempt: 0, round: 0, queuedAt: null, startedAt: null, finishedAt: null });
    const kinds: Record<string, string> = { $review: 'gate.pass', $consolidate: 'consolidate.noop', $learn: 'learn.noop' };
    for (const s of run.stages.filter((st) => st.stageId !== 'visual-brief')) {
      expect(s, s.stageId).toMatchObject({ status: 'succeeded', attempt: 1, round: 0, kind: kinds[s.stageId] ?? 'echo', usingFallback: false, lastError: null, costUsd: 0 });
      expect(s.queuedAt, s.stageId).toMatch(ISO);
      expect(s.finishedAt, s.stageId).toMatch(ISO);
      const [q, f] = [Date.parse(String(s.queuedAt)), Date.parse(String(s.finishedAt))];
      expect(q, `${s.stageId} queued before finished`).toBeLessThanOrEqual(f);
      expect(q).toBeGreaterThanOrEqual(started - 1000);
      if (s.startedAt !== null) {
        expect(Date.parse(s.startedAt), `${s.stageId} started after queued`).toBeGreaterThanOrEqual(q);
        expect(Date.parse(s.startedAt), `${s.stageId} started before finished`).toBeLessThanOrEqual(f);
      }
    }
    // A stage is queued only once everything it depends on has finished.
    for (const planned of run.plan.stages) {
      for (const dep of planned.dependsOn) {
        expect(Date.parse(String(byStage[planned.id]?.queuedAt)), `${planned.id} after ${dep}`).toBeGreaterThanOrEqual(Date.parse(String(byStage[dep]?.finishedAt)));
      }
    }
    expect(Date.parse(String(byStage.$review?.queuedAt))).toBeGreaterThanOrEqual(Date.parse(String(byStage.draft?.finishedAt)));
    expect(Date.parse(String(byStage.$learn?.queuedAt))).toBeGreaterThanOrEqual(Date.parse(String(byStage.$consolidate?.finishedAt)));

    expect(run.createdAt).toMatch(ISO);
    expect(run.finishedAt).toMatch(ISO);
    expect(Date.parse(run.createdAt)).toBeLessThanOrEqual(Date.parse(String(run.finishedAt)));
    expect(Date.parse(String(byStage.$learn?.finishedAt))).toBeLessThanOrEqual(Date.parse(String(run.finishedAt)));
    expect(run.updatedAt).toMatch(ISO);
  });

  it('with channels [instagram] the visual brief runs after the draft', async () => {
    const run = await finished({ taskId: instagramTask, mode: 'autopilot' });
    expect(run.plan.skipped).toEqual([]);
    expect(run.plan.stages.map((s) => s.id)).toEqual([...DEFAULT_STAGES, 'visual-brief']);
    expect(run.plan.stages.find((s) => s.id === 'visual-brief')).toEqual({ id: 'visual-brief', kind: 'echo', dependsOn: ['draft'], content: true });
    expect(run.stages.find((s) => s.stageId === 'visual-brief')).toMatchObject({ status: 'succeeded', attempt: 1 });
    const context = (await get<{ hash: string }>(`/v2/tasks/${instagramTask}/context`)).body;
    expect(run.contextSnapshot.hash).toBe(context.hash);
  });

  it('a stage that runs long enough is reported started: queuedAt <= startedAt <= finishedAt', async () => {
    const run = await finished({ taskId: emailTask, mode: 'autopilot', template: 'paced' });
    expect(run.plan.stages.map((s) => s.id)).toEqual(['outline', 'copy']);
    for (const id of ['outline', 'copy']) {
      const s = run.stages.find((st) => st.stageId === id) as StageRun;
      expect(s.status).toBe('succeeded');
      for (const t of [s.queuedAt, s.startedAt, s.finishedAt]) expect(t, id).toMatch(ISO);
      const [q, st, f] = [Date.parse(String(s.queuedAt)), Date.parse(String(s.startedAt)), Date.parse(String(s.finishedAt))];
      expect(q, `${id}: queuedAt <= startedAt`).toBeLessThanOrEqual(st);
      expect(st, `${id}: startedAt <= finishedAt`).toBeLessThanOrEqual(f);
      expect(f - q, `${id} took its 80 ms`).toBeGreaterThanOrEqual(75);
    }
    const outline = run.stages.find((st) => st.stageId === 'outline') as StageRun;
    const copy = run.stages.find((st) => st.stageId === 'copy') as StageRun;
    expect(Date.parse(String(copy.queuedAt))).toBeGreaterThanOrEqual(Date.parse(String(outline.finishedAt)));
    const timeline = (await get<Page<Entry>>(`/v2/runs/${run.id}/timeline?limit=100`)).body.items;
    expect(timeline.filter((e) => e.type === 'STAGE.STARTED').flatMap((e) => e.stages.map((st) => `${st.stageId}:${st.from}->${st.to}`))).toEqual([
      'outline:queued->running', 'copy:queued->running',
    ]);
  });

  // Regression (fixed): StageRun.startedAt is the time the start *report* was committed, not when the attempt
  // started. The execution adapters report an attempt 25 ms after it started and pass the real start
  // time (`stageStarted(job, at)` in src/queue/in-process.execution.ts and the BullMQ worker), but
  // RunHost's stageStarted callback (src/actors/run-host.ts) drops `at` and the host stamps the
  // event with its own clock, so startedAt is at least 25 ms late (after stage_result.started_at of
  // the same attempt). Fix: carry `at` into the STAGE.STARTED event and use it for the projection.
  it("a stage's startedAt is when its attempt started (not later than the recorded result's started_at)", async () => {
    const run = await finished({ taskId: emailTask, mode: 'autopilot', template: 'paced' });
    const knex = p.db.orm.em.getKnex();
    for (const id of ['outline', 'copy']) {
      const s = run.stages.find((st) => st.stageId === id) as StageRun;
      const result = (await knex.raw<{ rows: Array<{ ms: number }> }>(
        'select (extract(epoch from started_at) * 1000)::float8 as ms from stage_result where stage_run_id = ? and attempt = 1', [s.id],
      )).rows[0];
      expect(result?.ms, id).toEqual(expect.any(Number));
      expect(Date.parse(String(s.startedAt)), id).toBeLessThanOrEqual(Number(result?.ms));
    }
  });

  // Regression guard: at 4feec77 (start reports only after 25 ms) a fast stage was settled straight
  // from `queued` and its StageRun kept `startedAt: null`; 9f7557a takes it from the recorded result.
  it('every succeeded stage has a startedAt, even a fast one (queuedAt <= startedAt <= finishedAt)', async () => {
    const run = await finished({ taskId: emailTask, mode: 'autopilot' });
    for (const s of run.stages.filter((st) => st.status === 'succeeded')) {
      expect(s.startedAt ?? 'null', s.stageId).toMatch(ISO);
      expect(Date.parse(String(s.queuedAt))).toBeLessThanOrEqual(Date.parse(String(s.startedAt)));
      expect(Date.parse(String(s.startedAt))).toBeLessThanOrEqual(Date.parse(String(s.finishedAt)));
    }
  });

  it('a completed run has no stage left pending, queued or running', async () => {
    const run = await finished({ taskId: instagramTask, mode: 'autopilot' });
    expect(run.stages.filter((s) => !['succeeded', 'skipped'].includes(s.status)).map((s) => `${s.stageId}:${s.status}`)).toEqual([]);
    expect(run.stages.map((s) => s.stageId)).toEqual([...DEFAULT_STAGES, 'visual-brief', '$review', '$consolidate', '$learn']);
  });

  // Regression (fixed): a run on a template without a learning step (`learn: null`, allowed since 4feec77) completes
  // but GET /v2/runs/:id lists a phantom `{stageId: '$learn', status: 'pending', attempt: 0}`.
  // The `learning` state's entry action `readyLearn` (src/machines/workflow-run.machine.ts) puts
  // `$learn` into `context.waiting` before its `always` (noLearning) transition leaves, and
  // `spawnReady` skips a stage the plan does not have without deleting it from `waiting`; the
  // persisted snapshot keeps `waiting: {"$learn": 0}` and stageViews (src/api/run-presenters.ts)
  // turns every `waiting` entry into a pending placeholder. Fix: don't ready a null system step
  // (guard readyConsolidate/readyLearn, or delete unknown ids in spawnReady), and/or have
  // stageViews ignore `waiting` once the run is terminal.
  it('a template without consolidation or learning: the run lists only the stages it has, none pending once completed', async () => {
    const run = await finished({ taskId: emailTask, mode: 'autopilot', template: 'paced' });
    expect(run.stages.map((s) => `${s.stageId}:${s.status}`)).toEqual(['outline:succeeded', 'copy:succeeded', '$review:succeeded']);
  });

  it('keeps the requested tier and an explicit template version; a supervised run waits with no approval stages yet', async () => {
    const first = await finished({ taskId: emailTask, mode: 'autopilot' });
    const run = await finished({ taskId: emailTask, mode: 'supervised', tier: 'premium', template: 'campaign-content@1' }, 'waiting_approval');
    expect(run).toMatchObject({ tier: 'premium', requestedMode: 'supervised', effectiveMode: 'supervised', modeReason: 'as requested', finishedAt: null });
    expect(run.template).toEqual(first.template);
    // Same task, unchanged context: the same snapshot is pinned.
    expect(run.contextSnapshot).toEqual(first.contextSnapshot);
    expect(run.stages.filter((s) => s.stageId.startsWith('$')).map((s) => [s.stageId, s.status])).toEqual([['$review', 'succeeded']]);
    for (const tier of ['economy', 'standard'] as const) {
      expect((await finished({ taskId: emailTask, mode: 'autopilot', tier })).tier).toBe(tier);
    }
  });

  it('a brand that requires approval turns autopilot into supervised and says why', async () => {
    const strictTask = await seedTask(p, key, { requireApproval: true });
    const { refs } = (await get<{ refs: { brandId: string } }>(`/v2/tasks/${strictTask}/context`)).body;
    const run = await finished({ taskId: strictTask, mode: 'autopilot' }, 'waiting_approval');
    expect(run).toMatchObject({ requestedMode: 'autopilot', effectiveMode: 'supervised', modeReason: `brand ${refs.brandId} (version 1) requires human approval` });
    const asked = await finished({ taskId: strictTask, mode: 'supervised' }, 'waiting_approval');
    expect(asked).toMatchObject({ requestedMode: 'supervised', effectiveMode: 'supervised', modeReason: 'as requested' });
  });

  it('a new task version changes the pinned context of the next run, not of the earlier one', async () => {
    const task = await seedTask(p, key);
    const before = await finished({ taskId: task, mode: 'autopilot' });
    const patch = await p.call(key, { method: 'PATCH', url: `/v2/tasks/${task}`, headers: { 'if-match': '"1"' }, payload: { name: 'Renamed post' } });
    expect(patch.statusCode).toBe(200);
    const after = await finished({ taskId: task, mode: 'autopilot' });
    const context = (await get<{ hash: string }>(`/v2/tasks/${task}/context`)).body;
    expect(after.contextSnapshot.hash).toBe(context.hash);
    expect(before.contextSnapshot.hash).not.toBe(context.hash);
    expect((await get<Run>(`/v2/runs/${before.id}`)).body.contextSnapshot).toEqual(before.contextSnapshot);
  });
});

describe('GET /v2/runs', () => {
  let listTask: string;
  let otherTask: string;
  let listed: string[];
  let waiting: string;

  beforeAll(async () => {
    listTask = await seedTask(p, key);
    otherTask = await seedTask(p, key);
    listed = [];
    for (let i = 0; i < 5; i++) listed.push((await finished({ taskId: listTask, mode: 'autopilot' })).id);
    waiting = (await finished({ taskId: otherTask, mode: 'supervised' }, 'waiting_approval')).id;
  });

  it('filters by task, newest first', async () => {
    const { body } = await get<Page<Run>>(`/v2/runs?taskId=${listTask}`);
    expect(body.items.map((r) => r.id)).toEqual([...listed].reverse());
    expect(body.nextCursor).toBeNull();
    const created = body.items.map((r) => Date.parse(r.createdAt));
    expect(created).toEqual([...created].sort((x, y) => y - x));
    // A summary: no plan, no stages.
    for (const r of body.items) {
      expect(r).toMatchObject({ taskId: listTask, status: 'completed', template: { name: 'campaign-content', version: 1 } });
      expect(r).not.toHaveProperty('stages');
      expect(r).not.toHaveProperty('plan');
    }
  });

  it('filters by status, alone and with the task', async () => {
    expect((await get<Page<Run>>(`/v2/runs?status=waiting_approval&taskId=${otherTask}`)).body.items.map((r) => r.id)).toEqual([waiting]);
    expect((await get<Page<Run>>(`/v2/runs?status=completed&taskId=${otherTask}`)).body.items).toEqual([]);
    expect((await get<Page<Run>>(`/v2/runs?status=waiting_approval&taskId=${listTask}`)).body.items).toEqual([]);
    const completed = (await allPages<Run>('/v2/runs?status=completed', 100)).items;
    expect(completed.map((r) => r.status)).toEqual(completed.map(() => 'completed'));
    expect(completed.map((r) => r.id)).toEqual(expect.arrayContaining(listed));
    expect(completed.map((r) => r.id)).not.toContain(waiting);
    const waitingAll = (await allPages<Run>('/v2/runs?status=waiting_approval', 100)).items;
    expect(waitingAll.map((r) => r.id)).toContain(waiting);
    expect(waitingAll.every((r) => r.status === 'waiting_approval')).toBe(true);
    expect((await get<Page<Run>>('/v2/runs?status=cancelled')).body).toEqual({ items: [], nextCursor: null });
  });

  it('pages with limit and cursor, newest first, every run once', async () => {
    const p1 = (await get<Page<Run>>(`/v2/runs?taskId=${listTask}&limit=2`)).body;
    expect(p1.items.map((r) => r.id)).toEqual([listed[4], listed[3]]);
    expect(p1.nextCursor).toEqual(expect.any(String));
    const p2 = (await get<Page<Run>>(`/v2/runs?taskId=${listTask}&limit=2&cursor=${p1.nextCursor}`)).body;
    expect(p2.items.map((r) => r.id)).toEqual([listed[2], listed[1]]);
    const p3 = (await get<Page<Run>>(`/v2/runs?taskId=${listTask}&limit=2&cursor=${p2.nextCursor}`)).body;
    expect(p3).toEqual({ items: [expect.objectContaining({ id: listed[0] })], nextCursor: null });

    const everything = (await get<Page<Run>>('/v2/runs?limit=100')).body.items.map((r) => r.id);
    const byOne = await allPages<Run>('/v2/runs', 1);
    expect(byOne.items.map((r) => r.id)).toEqual(everything);
    expect(byOne.pages).toBe(everything.length);
    expect(new Set(everything).size).toBe(everything.length);
    expect(everything).toEqual([...everything].sort().reverse());
  });

  it('a full page followed by nothing ends with an empty last page or a null cursor, never a repeat', async () => {
    const exact = (await get<Page<Run>>(`/v2/runs?taskId=${listTask}&limit=5`)).body;
    expect(exact.items).toHaveLength(5);
    expect(exact.nextCursor).toBeNull();
    const { body: defaults } = await get<Page<Run>>('/v2/runs');
    expect(defaults.items.length).toBeLessThanOrEqual(20);
  });
});

describe('GET /v2/runs/:id/timeline', () => {
  let run: Run;
  let full: Entry[];

  beforeAll(async () => {
    run = await finished({ taskId: emailTask, mode: 'autopilot' });
    full = (await get<Page<Entry>>(`/v2/runs/${run.id}/timeline?limit=100`)).body.items;
  });

  it('lists every event in seq order with from, to, type, actor and version', async () => {
    expect(full.length).toBe(run.version);
    expect(full.map((e) => e.seq)).toEqual(full.map((_, i) => i + 1));
    expect(full.map((e) => e.version)).toEqual(full.map((_, i) => i + 1));
    expect(full[0]).toMatchObject({ seq: 1, type: 'START', from: 'queued', to: 'running.executing', actor: `key:${keyId}`, version: 1, payload: {} });
    expect(full[0]?.stages).toEqual([expect.objectContaining({ stageId: 'brief', from: null, to: 'queued' })]);
    expect(full.at(-1)).toMatchObject({ to: 'completed', version: run.version });
    for (const [i, e] of full.entries()) {
      expect(Object.keys(e).sort()).toEqual(['actor', 'at', 'from', 'payload', 'seq', 'stages', 'to', 'type', 'version']);
      expect(e.at).toMatch(ISO);
      if (i > 0) {
        const prev = full[i - 1] as Entry;
        expect(e.from, `entry ${e.seq} starts where ${prev.seq} ended`).toBe(prev.to);
        expect(Date.parse(e.at)).toBeGreaterThanOrEqual(Date.parse(prev.at));
        expect(e.actor).toBe('system');
        expect(['STAGE.STARTED', 'STAGE.RESULT']).toContain(e.type);
      }
    }
    const transitions = full.filter((e) => e.from !== e.to).map((e) => `${e.from}->${e.to}`);
    expect(transitions).toEqual([
      'queued->running.executing', 'running.executing->running.reviewing', 'running.reviewing->running.consolidating',
      'running.consolidating->running.learning', 'running.learning->completed',
    ]);
  });

  it('pages in seq order: the pages put together are the whole timeline', async () => {
    for (const limit of [1, 3, 7]) {
      const paged = await allPages<Entry>(`/v2/runs/${run.id}/timeline`, limit);
      expect(paged.items).toEqual(full);
      expect(paged.pages).toBe(Math.ceil(full.length / limit));
    }
    const first = (await get<Page<Entry>>(`/v2/runs/${run.id}/timeline?limit=4`)).body;
    expect(first.items.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    const second = (await get<Page<Entry>>(`/v2/runs/${run.id}/timeline?limit=4&cursor=${first.nextCursor}`)).body;
    expect(second.items.map((e) => e.seq)).toEqual([5, 6, 7, 8]);
    expect((await get<Page<Entry>>(`/v2/runs/${run.id}/timeline`)).body.items).toEqual(full.slice(0, 20));
  });
});

describe('GET /v2/templates', () => {
  it('lists campaign-content@1 with its stages, system steps and policies', async () => {
    const { body } = await get<{ items: Array<Record<string, unknown>> }>('/v2/templates');
    expect(body.items.map((t) => `${String(t.name)}@${String(t.version)}`)).toEqual(['campaign-content@1', 'paced@1']);
    expect(body.items[1]).toMatchObject({ name: 'paced', consolidate: null, learn: null, approvalDeadlineMs: null, maxReworkRounds: 1 });
    expect(body.items[0]).toEqual({
      name: 'campaign-content', version: 1, description: expect.stringContaining('Brief') as unknown,
      stages: [
        { id: 'brief', kind: 'echo', dependsOn: [], content: false },
        { id: 'research', kind: 'echo', dependsOn: ['brief'], content: false },
        { id: 'audience', kind: 'echo', dependsOn: ['brief'], content: false },
        { id: 'competitors', kind: 'echo', dependsOn: ['brief'], content: false },
        { id: 'draft', kind: 'echo', dependsOn: ['research', 'audience', 'competitors'], content: true },
        {
          id: 'visual-brief', kind: 'echo', dependsOn: ['draft'], content: true,
          when: { any: [{ path: 'channels', includes: 'instagram' }, { path: 'channels', includes: 'tiktok' }, { path: 'channels', includes: 'youtube' }] },
        },
      ],
      review: { kind: 'gate.pass' }, consolidate: { kind: 'consolidate.noop' }, learn: { kind: 'learn.noop' },
      maxReworkRounds: 3, approvalDeadlineMs: 7 * 86_400_000,
    });
  });
});

describe('GET /metrics', () => {
  /** The value of one sample line, e.g. `vmp_runs{status="completed"}`. */
  const sample = (text: string, name: string): number | undefined => {
    const line = text.split('\n').find((l) => l.startsWith(`${name} `));
    return line === undefined ? undefined : Number(line.slice(name.length + 1));
  };

  it('needs no key and exposes runs by status, commit batches, stage durations, transitions, queue depth and outbox lag', async () => {
    // Make sure some runs exist, finished and waiting.
    await finished({ taskId: emailTask, mode: 'autopilot' });
    await finished({ taskId: emailTask, mode: 'supervised' }, 'waiting_approval');
    const res = await p.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    const text = res.body;

    const knex = p.db.orm.em.getKnex();
    const count = async (sql: string) => Number((await knex.raw<{ rows: Array<{ n: string }> }>(sql)).rows[0]?.n);
    const byStatus = (await knex.raw<{ rows: Array<{ status: string; n: string }> }>('select status, count(*)::text as n from workflow_run group by status')).rows;
    expect(byStatus.length).toBeGreaterThanOrEqual(2);
    for (const { status, n } of byStatus) expect(sample(text, `vmp_runs{status="${status}"}`), status).toBe(Number(n));
    expect(sample(text, 'vmp_runs{status="completed"}')).toBeGreaterThan(0);
    expect(sample(text, 'vmp_runs{status="waiting_approval"}')).toBeGreaterThan(0);

    expect(sample(text, 'vmp_commit_batch_runs_count')).toBeGreaterThan(0);
    expect(sample(text, 'vmp_commit_batch_runs_bucket{le="+Inf"}')).toBe(sample(text, 'vmp_commit_batch_runs_count'));
    // Every committed transition and every recorded attempt was counted.
    expect(sample(text, 'vmp_run_transitions_total')).toBe(await count('select count(*)::text as n from run_event where from_state <> to_state'));
    const echoOk = sample(text, 'vmp_stage_duration_seconds_count{kind="echo",outcome="ok"}');
    expect(echoOk).toBe(await count("select count(*)::text as n from stage_result where kind = 'echo' and ok"));
    expect(sample(text, 'vmp_stage_duration_seconds_count{kind="gate.pass",outcome="ok"}')).toBe(await count("select count(*)::text as n from stage_result where kind = 'gate.pass'"));
    expect(sample(text, 'vmp_queue_depth')).toBe(0);
    expect(sample(text, 'vmp_outbox_lag_seconds_count')).toBeGreaterThan(0);
    expect(text).toContain('# TYPE vmp_outbox_lag_seconds histogram');
  });

  it('is answered with a wrong key too (it is not under /v2)', async () => {
    const res = await p.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer nope' } });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('vmp_runs{status="completed"}');
  });
});
