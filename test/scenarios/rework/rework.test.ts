import { describe, expect, it } from 'vitest';
import type { StageHandler } from '../../../src/contracts/execution.js';
import type { JsonValue } from '../../../src/domain/canonical-json.js';
import type { WorkflowTemplateInput } from '../../../src/planner/template.js';
import { ADAPTERS, command, seedTask, startRun, usePlatform, waitForRun, type TestPlatform } from '../../helpers/test-engine.js';

/** One call of a recording handler: which attempt of which stage ran, and what it read. */
interface Call {
  runId: string;
  stageId: string;
  round: number;
  attempt: number;
  upstream: Record<string, JsonValue>;
}

/** Handlers that record every call (`rec` for DAG stages, `rec.review` a passing review). */
function recorder() {
  const calls: Call[] = [];
  const record = (input: Parameters<StageHandler['run']>[0]) => {
    calls.push({ runId: input.runId, stageId: input.stageId, round: input.round, attempt: input.attempt, upstream: structuredClone(input.upstream) });
  };
  const handlers: StageHandler[] = [
    {
      kind: 'rec',
      description: 'records its input; outputs which stage, round and attempt produced it',
      async run(input) {
        record(input);
        return { output: { stage: input.stageId, round: input.round, attempt: input.attempt } };
      },
    },
    {
      kind: 'rec.review',
      description: 'records its input; passes the quality gate',
      async run(input) {
        record(input);
        return { output: { passed: true }, summary: { gate: { passed: true, score: 1 } } };
      },
    },
  ];
  return { calls, handlers, of: (runId: string) => calls.filter((c) => c.runId === runId) };
}

/**
 * The campaign-content DAG on recording handlers, plus `caption`: a content stage that does not
 * depend on the draft, so a rework of `draft` and the default rework (every content stage) differ.
 */
const recordingTemplate: WorkflowTemplateInput = {
  name: 'rework-rec',
  version: 1,
  stages: [
    { id: 'brief', kind: 'rec' },
    { id: 'research', kind: 'rec', dependsOn: ['brief'] },
    { id: 'audience', kind: 'rec', dependsOn: ['brief'] },
    { id: 'competitors', kind: 'rec', dependsOn: ['brief'] },
    { id: 'draft', kind: 'rec', dependsOn: ['research', 'audience', 'competitors'], content: true },
    { id: 'visual-brief', kind: 'rec', dependsOn: ['draft'], content: true },
    { id: 'caption', kind: 'rec', dependsOn: ['brief'], content: true },
  ],
  review: { kind: 'rec.review' },
  consolidate: { kind: 'consolidate.noop' },
  learn: { kind: 'learn.noop' },
  maxReworkRounds: 3,
};

/** A one-stage template that allows a single rework round. */
const oneReworkTemplate: WorkflowTemplateInput = {
  name: 'rework-once',
  version: 1,
  stages: [{ id: 'draft', kind: 'echo', content: true }],
  review: { kind: 'gate.pass' },
  consolidate: { kind: 'consolidate.noop' },
  learn: { kind: 'learn.noop' },
  maxReworkRounds: 1,
};

type Row = Record<string, unknown>;

async function rows(p: TestPlatform, sql: string, params: unknown[]): Promise<Row[]> {
  return ((await p.db.orm.em.getKnex().raw(sql, params as never)) as { rows: Row[] }).rows;
}

/**
 * stage_id -> the sorted rounds of its StageRuns that ran (`stage_run`: ended StageRuns, including
 * the succeeded ones recorded by their outcomes) or of its attempts' outcomes (`stage_result`).
 */
async function roundsByStage(p: TestPlatform, table: 'stage_run' | 'stage_result', runId: string): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = {};
  const sql = table === 'stage_run'
    ? 'select distinct stage_id, round from (select stage_id, round from stage_run where run_id = ? union select stage_id, round from stage_result where run_id = ?) x order by stage_id, round'
    : 'select stage_id, round from stage_result where run_id = ? order by stage_id, round';
  for (const r of await rows(p, sql, table === 'stage_run' ? [runId, runId] : [runId])) {
    (out[r.stage_id as string] ??= []).push(r.round as number);
  }
  return out;
}

describe.each(ADAPTERS)('request rework (%s)', (adapter) => {
  const rec = recorder();
  const platform = usePlatform({ adapter, handlers: rec.handlers, templates: [recordingTemplate, oneReworkTemplate] });

  it('re-runs only the named stage and its dependents, keeps earlier outputs and waits for approval again', async () => {
    const p = platform.current;
    const { key } = await p.tenant();
    const runId = await startRun(p, key, { taskId: await seedTask(p, key, { channels: ['instagram'] }), mode: 'supervised' });
    const first = await waitForRun(p, key, runId, (r) => r.status === 'waiting_approval');
    expect(first.round).toBe(0);
    const resultsBefore = await rows(p, 'select key from stage_result where run_id = ?', [runId]);
    expect(resultsBefore).toHaveLength(7); // 6 DAG stages + review

    const res = await command(p, key, runId, 'request-rework', { feedback: 'make it punchier', stages: ['draft'] });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({ id: runId, status: 'running', state: 'running.executing', version: first.version + 1 });

    const again = await waitForRun(p, key, runId, (r) => r.status === 'waiting_approval' && r.round === 1);
    expect(again.state).toBe('waiting_approval');
    const latest = again.stages.filter((s) => s.round === 1).map((s) => `${String(s.stageId)}:${String(s.status)}`).sort();
    expect(latest).toEqual(['$review:succeeded', 'draft:succeeded', 'visual-brief:succeeded']);

    // Round 1 exists only for the draft, its dependent and the review; research & co. were not re-run.
    expect(await roundsByStage(p, 'stage_run', runId)).toEqual({
      $review: [0, 1], audience: [0], brief: [0], competitors: [0], draft: [0, 1], research: [0], 'visual-brief': [0, 1],
    });
    // Earlier outputs are kept: both rounds of the draft have a result.
    expect(await roundsByStage(p, 'stage_result', runId)).toEqual({
      $review: [0, 1], audience: [0], brief: [0], competitors: [0], draft: [0, 1], research: [0], 'visual-brief': [0, 1],
    });
    const drafts = await rows(p, "select round, attempt, ok, output from stage_result where run_id = ? and stage_id = 'draft' order by round", [runId]);
    expect(drafts.map((d) => [d.round, d.attempt, d.ok, (d.output as { round: number }).round])).toEqual([[0, 1, true, 0], [1, 1, true, 1]]);

    const timeline = (await p.call(key, { method: 'GET', url: `/v2/runs/${runId}/timeline?limit=100` })).json().items as Array<{ type: string; payload: Row; from: string; to: string }>;
    const rework = timeline.filter((e) => e.type === 'REQUEST_REWORK');
    expect(rework).toHaveLength(1);
    expect(rework[0]).toMatchObject({ payload: { feedback: 'make it punchier', stages: ['draft'] }, from: 'waiting_approval', to: 'running.executing' });
    const audit = await rows(p, 'select action from audit_event where target_id = ? order by id', [runId]);
    expect(audit.filter((a) => a.action === 'run.request_rework')).toHaveLength(1);

    // And the run can still be approved and completed after the rework.
    expect((await command(p, key, runId, 'approve', {})).statusCode).toBe(202);
    expect((await waitForRun(p, key, runId, (r) => r.status === 'completed')).round).toBe(1);
  });

  it('a re-run stage reads the outputs upstream of it; its dependents and the review read the re-run output', async () => {
    const p = platform.current;
    const { key } = await p.tenant();
    const runId = await startRun(p, key, { taskId: await seedTask(p, key), mode: 'supervised', template: 'rework-rec@1' });
    await waitForRun(p, key, runId, (r) => r.status === 'waiting_approval');
    expect(rec.of(runId)).toHaveLength(8);

    expect((await command(p, key, runId, 'request-rework', { feedback: 'shorter', stages: ['draft'] })).statusCode).toBe(202);
    await waitForRun(p, key, runId, (r) => r.status === 'waiting_approval' && r.round === 1);

    const round1 = rec.of(runId).filter((c) => c.round === 1);
    expect(round1.map((c) => c.stageId).sort()).toEqual(['$review', 'draft', 'visual-brief']);
    const draft = round1.find((c) => c.stageId === 'draft');
    expect(draft?.upstream).toEqual({
      research: { stage: 'research', round: 0, attempt: 1 },
      audience: { stage: 'audience', round: 0, attempt: 1 },
      competitors: { stage: 'competitors', round: 0, attempt: 1 },
    });
  });

  // Regression (in-process adapter, fixed): DbStageInputs.upstream() serves a stage's upstream from the cache of
  // outputs this process saw committed (`remember`), but InProcessExecution.run() calls remember()
  // only after `await callbacks.stageFinished(outcome)` resolves, i.e. after the run host has
  // committed AND delivered the effects of that result. The dependent stage dispatched by that
  // commit starts synchronously inside deliver() and reads the cache before remember() runs: in a
  // rework round the cache still holds the previous round's output (all keys present, so no DB
  // read), and visual-brief / $review of round 1 read the round-0 draft.
  const staleCacheBug = it;
  staleCacheBug('dependents of a re-run stage read its new output, not the previous round\'s', async () => {
    const p = platform.current;
    const { key } = await p.tenant();
    const runId = await startRun(p, key, { taskId: await seedTask(p, key), mode: 'supervised', template: 'rework-rec@1' });
    await waitForRun(p, key, runId, (r) => r.status === 'waiting_approval');
    expect((await command(p, key, runId, 'request-rework', { feedback: 'shorter', stages: ['draft'] })).statusCode).toBe(202);
    await waitForRun(p, key, runId, (r) => r.status === 'waiting_approval' && r.round === 1);

    const round1 = rec.of(runId).filter((c) => c.round === 1);
    expect(round1.find((c) => c.stageId === 'visual-brief')?.upstream).toEqual({ draft: { stage: 'draft', round: 1, attempt: 1 } });
    const review = round1.find((c) => c.stageId === '$review');
    expect(review?.upstream.draft).toEqual({ stage: 'draft', round: 1, attempt: 1 });
    expect(review?.upstream['visual-brief']).toEqual({ stage: 'visual-brief', round: 1, attempt: 1 });
    expect(review?.upstream.research).toEqual({ stage: 'research', round: 0, attempt: 1 });
  });

  it('without stages, a rework re-runs every content stage and their dependents', async () => {
    const p = platform.current;
    const { key } = await p.tenant();
    const runId = await startRun(p, key, { taskId: await seedTask(p, key), mode: 'supervised', template: 'rework-rec@1' });
    await waitForRun(p, key, runId, (r) => r.status === 'waiting_approval');

    // Naming the draft leaves the caption (content, but not downstream of the draft) alone ...
    expect((await command(p, key, runId, 'request-rework', { feedback: 'fix the draft', stages: ['draft'] })).statusCode).toBe(202);
    await waitForRun(p, key, runId, (r) => r.status === 'waiting_approval' && r.round === 1);
    // ... the default rework re-runs all content stages.
    const res = await command(p, key, runId, 'request-rework', { feedback: 'redo all the copy' });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({ status: 'running', state: 'running.executing' });
    const run = await waitForRun(p, key, runId, (r) => r.status === 'waiting_approval' && r.round === 2);

    const byRound = (round: number) => rec.of(runId).filter((c) => c.round === round && !c.stageId.startsWith('$')).map((c) => c.stageId).sort();
    expect(byRound(1)).toEqual(['draft', 'visual-brief']);
    expect(byRound(2)).toEqual(['caption', 'draft', 'visual-brief']);
    expect(run.stages.filter((s) => s.round === 2).map((s) => String(s.stageId)).sort()).toEqual(['$review', 'caption', 'draft', 'visual-brief']);
    expect(await roundsByStage(p, 'stage_result', runId)).toMatchObject({ brief: [0], research: [0], caption: [0, 2], draft: [0, 1, 2], 'visual-brief': [0, 1, 2] });
  });

  it('a rework past maxReworkRounds fails the run with reason rework_limit', async () => {
    const p = platform.current;
    const { key } = await p.tenant();
    const runId = await startRun(p, key, { taskId: await seedTask(p, key), mode: 'supervised', template: 'rework-once@1' });
    await waitForRun(p, key, runId, (r) => r.status === 'waiting_approval');
    expect((await command(p, key, runId, 'request-rework', { feedback: 'once more' })).statusCode).toBe(202);
    const waiting = await waitForRun(p, key, runId, (r) => r.status === 'waiting_approval' && r.round === 1);

    const res = await command(p, key, runId, 'request-rework', { feedback: 'and again' });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({ id: runId, status: 'failed', state: 'failed', version: waiting.version + 1 });
    const failed = await waitForRun(p, key, runId, (r) => r.status === 'failed');
    expect(failed.diagnosis).toEqual({ reason: 'rework_limit', message: 'rework requested after 1 rework round(s); the template allows 1' });
    expect(failed.finishedAt).toBeTruthy();
    expect(failed.round).toBe(1);
    expect(await roundsByStage(p, 'stage_run', runId)).toEqual({ $review: [0, 1], draft: [0, 1] });

    // A failed run accepts no more commands.
    const late = await command(p, key, runId, 'request-rework', { feedback: 'please' });
    expect(late.statusCode).toBe(409);
    expect(late.json().error).toMatchObject({ code: 'INVALID_STATE', details: { status: 'failed' } });
  });

  it('a rework without feedback is refused with 400 and changes nothing', async () => {
    const p = platform.current;
    const { key } = await p.tenant();
    const runId = await startRun(p, key, { taskId: await seedTask(p, key), mode: 'supervised' });
    const waiting = await waitForRun(p, key, runId, (r) => r.status === 'waiting_approval');

    for (const payload of [{}, { feedback: '   ' }, { stages: ['draft'] }, { feedback: 'ok', stages: [] }]) {
      const res = await command(p, key, runId, 'request-rework', payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.json().error.code).toBe('VALIDATION_FAILED');
    }
    expect((await command(p, key, runId, 'request-rework', {})).json().error.message).toMatch(/feedback is required/);

    const after = await waitForRun(p, key, runId, () => true);
    expect(after).toMatchObject({ status: 'waiting_approval', version: waiting.version, round: 0 });
    expect(await rows(p, 'select key from command_record where run_id = ? and command = ?', [runId, 'request_rework'])).toHaveLength(0);
  });

  it('a rework naming a stage that is not in the plan is refused with 422 INVALID_REFERENCE', async () => {
    const p = platform.current;
    const { key } = await p.tenant();
    // Email only: the plan skips visual-brief.
    const runId = await startRun(p, key, { taskId: await seedTask(p, key, { channels: ['email'] }), mode: 'supervised' });
    const waiting = await waitForRun(p, key, runId, (r) => r.status === 'waiting_approval');

    const res = await command(p, key, runId, 'request-rework', { feedback: 'add a visual', stages: ['draft', 'visual-brief', 'nope'] });
    expect(res.statusCode).toBe(422);
    expect(res.json().error).toMatchObject({ code: 'INVALID_REFERENCE', details: { field: 'stages', unknown: ['visual-brief', 'nope'] } });
    expect(res.json().error.details.known).toEqual(['brief', 'research', 'audience', 'competitors', 'draft']);

    const after = await waitForRun(p, key, runId, () => true);
    expect(after).toMatchObject({ status: 'waiting_approval', version: waiting.version, round: 0 });
    // Stage rows are written when a stage finishes: the skipped visual-brief has none (it is in the plan's skipped list).
    expect(await roundsByStage(p, 'stage_run', runId)).toEqual({
      $review: [0], audience: [0], brief: [0], competitors: [0], draft: [0], research: [0],
    });
  });
});
