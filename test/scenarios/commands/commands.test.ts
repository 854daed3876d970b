/**
 * Command idempotency and optimistic concurrency on both execution adapters: a repeated command
 * (same Idempotency-Key, same request) replays the first answer and changes nothing; a reused key
 * with another request is refused; a stale If-Match is 409 and changes nothing.
 */
import { describe, expect, it } from 'vitest';
import { ADAPTERS, seedTask, startRun, usePlatform, waitForRun } from '../../helpers/test-engine.js';

describe.each(ADAPTERS)('duplicate commands and stale versions (%s)', (adapter) => {
  const platform = usePlatform({ adapter });

  it('a duplicate approve replays the first answer; the run is approved once', async () => {
    const p = platform.current;
    const { key } = await p.tenant();
    const runId = await startRun(p, key, { taskId: await seedTask(p, key), mode: 'supervised' });
    const waiting = await waitForRun(p, key, runId, (r) => r.status === 'waiting_approval');
    const approve = () => p.call(key, { method: 'POST', url: `/v2/runs/${runId}/approve`, payload: { note: 'ok' }, headers: { 'idempotency-key': `approve-${runId}` } });
    const [first, second] = await Promise.all([approve(), approve()]);
    expect(first.statusCode).toBe(202);
    expect(second.statusCode).toBe(202);
    expect(second.json()).toEqual(first.json());
    expect([first.headers['idempotent-replayed'], second.headers['idempotent-replayed']].filter(Boolean)).toEqual(['true']);
    const third = await approve();
    expect(third.json()).toEqual(first.json());
    expect(third.headers['idempotent-replayed']).toBe('true');
    await waitForRun(p, key, runId, (r) => r.status === 'completed');
    const timeline = (await p.call(key, { method: 'GET', url: `/v2/runs/${runId}/timeline?limit=100` })).json().items as Array<{ type: string }>;
    expect(timeline.filter((e) => e.type === 'APPROVE')).toHaveLength(1);
    expect(first.json().version).toBe(waiting.version + 1);

    const reused = await p.call(key, { method: 'POST', url: `/v2/runs/${runId}/cancel`, payload: { reason: 'x' }, headers: { 'idempotency-key': `approve-${runId}` } });
    expect(reused.statusCode).toBe(422);
    expect(reused.json().error.code).toBe('IDEMPOTENCY_KEY_REUSED');
  });

  it('a command with a stale If-Match is refused with 409 and changes nothing', async () => {
    const p = platform.current;
    const { key } = await p.tenant();
    const runId = await startRun(p, key, { taskId: await seedTask(p, key), mode: 'supervised' });
    const waiting = await waitForRun(p, key, runId, (r) => r.status === 'waiting_approval');
    const stale = await p.call(key, {
      method: 'POST', url: `/v2/runs/${runId}/approve`, payload: {}, headers: { 'idempotency-key': `stale-${runId}`, 'if-match': `"${waiting.version - 1}"` },
    });
    expect(stale.statusCode).toBe(409);
    expect(stale.json().error).toMatchObject({ code: 'VERSION_CONFLICT', details: { currentVersion: waiting.version } });
    const after = await waitForRun(p, key, runId, () => true);
    expect(after).toMatchObject({ status: 'waiting_approval', version: waiting.version });
    const fresh = await p.call(key, {
      method: 'POST', url: `/v2/runs/${runId}/approve`, payload: {}, headers: { 'idempotency-key': `fresh-${runId}`, 'if-match': `"${waiting.version}"` },
    });
    expect(fresh.statusCode).toBe(202);
  });
});
