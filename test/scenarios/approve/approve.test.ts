import { describe, expect, it } from 'vitest';
import { ADAPTERS, command, seedTask, startRun, usePlatform, waitForRun } from '../../helpers/test-engine.js';

describe.each(ADAPTERS)('approve path (%s)', (adapter) => {
  const platform = usePlatform({ adapter });

  it('runs the DAG in parallel, stops for approval, then consolidates, learns and completes', async () => {
    const p = platform.current;
    const { key } = await p.tenant();
    const taskId = await seedTask(p, key, { channels: ['instagram'] });
    const runId = await startRun(p, key, { taskId, mode: 'supervised' });

    const waiting = await waitForRun(p, key, runId, (r) => r.status === 'waiting_approval');
    expect(waiting.effectiveMode).toBe('supervised');
    const stages = Object.fromEntries(waiting.stages.map((s) => [s.stageId, s.status]));
    expect(stages).toEqual({
      brief: 'succeeded', research: 'succeeded', audience: 'succeeded', competitors: 'succeeded', draft: 'succeeded', 'visual-brief': 'succeeded', $review: 'succeeded',
    });

    // research, audience and competitors were dispatched together, after brief succeeded.
    const timeline = (await p.call(key, { method: 'GET', url: `/v2/runs/${runId}/timeline?limit=100` })).json().items as Array<{ type: string; stages: Array<{ stageId: string; to: string }> }>;
    const briefDone = timeline.find((e) => e.stages.some((s) => s.stageId === 'brief' && s.to === 'succeeded'));
    expect(briefDone?.stages.filter((s) => s.to === 'queued').map((s) => s.stageId).sort()).toEqual(['audience', 'competitors', 'research']);

    const approved = await command(p, key, runId, 'approve', { note: 'ship it' });
    expect(approved.statusCode).toBe(202);
    expect(approved.json()).toMatchObject({ id: runId, status: 'running', state: 'running.consolidating' });
    const done = await waitForRun(p, key, runId, (r) => r.status === 'completed');
    expect(done.finishedAt).toBeTruthy();
    expect(done.stages.filter((s) => String(s.stageId).startsWith('$')).map((s) => s.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);

    const knex = p.db.orm.em.getKnex();
    const results = (await knex.raw('select stage_id, ok, output from stage_result where run_id = ?', [runId])).rows as Array<{ stage_id: string; ok: boolean; output: { text?: string } }>;
    expect(results).toHaveLength(9);
    expect(results.every((r) => r.ok)).toBe(true);
    expect(results.find((r) => r.stage_id === 'draft')?.output.text).toContain('[offline draft]');
    const audit = (await knex.raw("select action, details from audit_event where target_id = ? order by id", [String(runId)])).rows as Array<{ action: string; details: { from?: string; to?: string } }>;
    expect(audit.map((a) => a.action)).toContain('run.approve');
    expect(audit.filter((a) => a.action === 'run.transition').map((a) => `${a.details.from}->${a.details.to}`)).toEqual([
      'queued->running.executing', 'running.executing->running.reviewing', 'running.reviewing->waiting_approval',
      'waiting_approval->running.consolidating', 'running.consolidating->running.learning', 'running.learning->completed',
    ]);
  });

  it('an autopilot run completes without stopping; a brand that requires approval makes it supervised', async () => {
    const p = platform.current;
    const { key } = await p.tenant();
    const free = await startRun(p, key, { taskId: await seedTask(p, key), mode: 'autopilot' });
    expect((await waitForRun(p, key, free, (r) => r.status === 'completed')).effectiveMode).toBe('autopilot');

    const strict = await startRun(p, key, { taskId: await seedTask(p, key, { requireApproval: true }), mode: 'autopilot' });
    const run = await waitForRun(p, key, strict, (r) => r.status === 'waiting_approval');
    expect(run).toMatchObject({ requestedMode: 'autopilot', effectiveMode: 'supervised' });
    expect(run.modeReason).toMatch(/requires human approval/);
  });
});
