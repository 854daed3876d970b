/**
 * Durable timers survive a restart of the run host: an approval deadline armed before the restart
 * pauses the run after it, and a retry backoff armed before the restart still re-dispatches the
 * stage. (XState `after` delays are not restored from snapshots; these timers are effects.)
 */
import { describe, expect, it } from 'vitest';
import { ADAPTERS, command, seedTask, startRun, usePlatform, waitForRun } from '../../helpers/test-engine.js';

const fast = { maxAttempts: 3, backoff: { type: 'fixed' as const, initialMs: 1200, maxMs: 1200, multiplier: 1 } };
const templates = [
  {
    name: 'deadline', version: 1, approvalDeadlineMs: 1500,
    stages: [{ id: 'draft', kind: 'echo', content: true }],
    review: { kind: 'gate.pass' }, consolidate: { kind: 'consolidate.noop' }, learn: { kind: 'learn.noop' },
  },
  {
    name: 'backoff', version: 1,
    stages: [{ id: 'draft', kind: 'echo', retry: fast, params: { failAttempts: 1 } }],
    review: { kind: 'gate.pass' }, consolidate: { kind: 'consolidate.noop' }, learn: { kind: 'learn.noop' },
  },
];

describe.each(ADAPTERS)('durable timers across a restart (%s)', (adapter) => {
  const platform = usePlatform({ adapter, templates });

  it('an approval deadline armed before the restart pauses the run after it; resume arms a new one', async () => {
    const p = platform.current;
    const { key } = await p.tenant();
    const runId = await startRun(p, key, { taskId: await seedTask(p, key), mode: 'supervised', template: 'deadline@1' });
    await waitForRun(p, key, runId, (r) => r.status === 'waiting_approval');
    await p.restartEngine();
    const paused = await waitForRun(p, key, runId, (r) => r.status === 'paused', 10_000);
    expect(paused.state).toBe('paused');
    const timeline = (await p.call(key, { method: 'GET', url: `/v2/runs/${runId}/timeline?limit=100` })).json().items as Array<{ type: string; to: string; payload: { timerId?: string } }>;
    const fired = timeline.find((e) => e.type === 'TIMER.FIRED');
    expect(fired).toMatchObject({ to: 'paused', payload: { timerId: `${runId}:approval:1` } });

    expect((await command(p, key, runId, 'resume')).statusCode).toBe(202);
    await waitForRun(p, key, runId, (r) => r.status === 'waiting_approval');
    // The new deadline fires too (after another restart), with its own timer id.
    await p.restartEngine();
    await waitForRun(p, key, runId, (r) => r.status === 'paused', 10_000);
    const again = (await p.call(key, { method: 'GET', url: `/v2/runs/${runId}/timeline?limit=100` })).json().items as Array<{ type: string; payload: { timerId?: string } }>;
    expect(again.filter((e) => e.type === 'TIMER.FIRED').map((e) => e.payload.timerId)).toEqual([`${runId}:approval:1`, `${runId}:approval:2`]);
    expect((await command(p, key, runId, 'approve')).statusCode).toBe(202);
    await waitForRun(p, key, runId, (r) => r.status === 'completed');
  });

  it('a retry backoff armed before the restart re-dispatches the stage after it', async () => {
    const p = platform.current;
    const { key } = await p.tenant();
    const runId = await startRun(p, key, { taskId: await seedTask(p, key), mode: 'autopilot', template: 'backoff@1' });
    await waitForRun(p, key, runId, (r) => r.stages.some((s) => s.stageId === 'draft' && s.status === 'retry_wait'));
    await p.restartEngine();
    const done = await waitForRun(p, key, runId, (r) => r.status === 'completed', 10_000);
    expect(done.stages.find((s) => s.stageId === 'draft')).toMatchObject({ status: 'succeeded', attempt: 2 });
    const results = (await p.db.orm.em.getKnex().raw("select attempt, ok from stage_result where run_id = ? and stage_id = 'draft' order by attempt", [runId])).rows;
    expect(results).toEqual([{ attempt: 1, ok: false }, { attempt: 2, ok: true }]);
  });
});
