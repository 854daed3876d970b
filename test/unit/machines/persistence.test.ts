/**
 * Persistence of a WorkflowRun: the persisted snapshot is JSON-safe and only carries live StageRuns,
 * and an actor restored from it (through JSON, as the host stores it) continues where the run was,
 * without asking for the effects of the past again: restore is not replay.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createActor, type Snapshot } from 'xstate';
import { expectNoActorErrors, isDispatch, recorder, startRun, type RunHarness } from './_harness.js';
import { campaign, diamond, fanOut, plan, retry, single, stage } from './_plans.js';

afterEach(expectNoActorErrors);

/** The ids of the children in a persisted snapshot. */
function persistedChildren(snapshot: Snapshot<unknown>): string[] {
  return Object.keys((snapshot as unknown as { children: Record<string, unknown> }).children).sort();
}

describe('WorkflowRun persistence: the snapshot', () => {
  it('is JSON-safe at every step of a supervised run with retries, rework, a pause and approval', () => {
    const h = startRun(campaign({ stages: campaign().stages.map((s) => (s.id === 'draft' ? { ...s, retry: retry(2), timeoutMs: 5_000 } : s)) }), { mode: 'supervised' });
    const steps: Array<() => void> = [
      () => h.start(),
      () => h.ok('research'),
      () => h.stageStarted('draft'),
      () => h.fail('draft', 'flaky', { retryable: true, costUsd: 0.1 }),
      () => h.fire(`${h.sid('draft')}:1:retry`),
      () => h.ok('draft', { attempt: 2 }),
      () => h.ok('edit'),
      () => h.ok('images'),
      () => h.ok('publish'),
      () => h.gate(true, { notes: 'fine' }),
      () => h.fire('r1:approval:1'),
      () => h.resume(),
      () => h.rework('shorter', ['edit']),
      () => h.ok('edit'),
      () => h.ok('publish'),
      () => h.gate(true),
      () => h.approve(),
      () => h.ok('$consolidate'),
      () => h.ok('$learn'),
    ];
    for (const step of steps) {
      step();
      const snap = h.actor.getPersistedSnapshot();
      expect(JSON.parse(JSON.stringify(snap))).toEqual(snap);
    }
    expect(h.value).toBe('completed');
  });

  it('only holds live StageRuns: completed children are removed', () => {
    const h = startRun(fanOut(), { mode: 'supervised' });
    h.start();
    expect(persistedChildren(h.persisted())).toEqual([h.sid('a')]);
    h.ok('a');
    expect(persistedChildren(h.persisted())).toEqual([h.sid('b'), h.sid('c')].sort());
    h.ok('b');
    expect(persistedChildren(h.persisted())).toEqual([h.sid('c')]);
    h.ok('c');
    expect(persistedChildren(h.persisted())).toEqual([h.sid('$review')]);
    h.gate(true);
    expect(persistedChildren(h.persisted())).toEqual([]);
  });

  it('holds no children once the run has failed or been cancelled', () => {
    const failed = startRun(fanOut());
    failed.start();
    failed.ok('a');
    failed.fail('b', 'fatal');
    expect(persistedChildren(failed.persisted())).toEqual([]);

    const cancelled = startRun(fanOut());
    cancelled.start();
    cancelled.ok('a');
    cancelled.cancel('stop');
    expect(persistedChildren(cancelled.persisted())).toEqual([]);
  });

  it('persists a live child with its own state and context', () => {
    const h = startRun(single({ stages: [stage('a', { retry: retry(3) })] }));
    h.start();
    h.fail('a', 'flaky', { retryable: true });
    const child = (h.persisted() as unknown as { children: Record<string, { src: string; snapshot: { value: string; context: { attempt: number; errors: string[] } } }> }).children[h.sid('a')];
    expect(child?.src).toBe('stageRun');
    expect(child?.snapshot.value).toBe('retry_wait');
    expect(child?.snapshot.context).toMatchObject({ attempt: 1, kindAttempt: 1, usingFallback: false, errors: ['flaky'] });
    expect(child?.snapshot.context).not.toHaveProperty('attemptsTotal');
  });
});

describe('WorkflowRun persistence: restoring', () => {
  /** Restores `h` and checks that restoring asked for nothing. */
  function restoreQuietly(h: RunHarness): RunHarness {
    const restored = h.restore();
    expect(restored.take()).toEqual([]);
    expect(restored.status).toBe('active');
    return restored;
  }

  it('restores mid-DAG without re-dispatching the stages already dispatched, then continues', () => {
    const h = startRun(diamond(), { mode: 'supervised' });
    h.start();
    h.ok('a');
    h.stageStarted('b');
    const r = restoreQuietly(h);
    expect(r.value).toBe('running.executing');
    expect(r.live()).toEqual(['b', 'c']);
    expect(r.childState('b')).toBe('running');
    expect(r.childState('c')).toBe('queued');
    r.ok('b');
    expect(r.take()).toEqual([]);
    r.ok('c');
    expect(r.takeDispatched()).toEqual(['d']);
    r.ok('d');
    expect(r.value).toBe('running.reviewing');
    r.gate(true);
    expect(r.value).toBe('waiting_approval');
  });

  it('restores the same snapshot it was saved from', () => {
    const h = startRun(campaign(), { mode: 'supervised' });
    h.start();
    h.ok('research');
    h.stageStarted('draft');
    const before = h.persisted();
    const r = restoreQuietly(h);
    expect(r.persisted()).toEqual(before);
  });

  it('restores with the raw API: createActor(machine, { snapshot }) emits no effect', () => {
    const h = startRun(fanOut());
    h.start();
    h.ok('a');
    const snapshot = JSON.parse(JSON.stringify(h.actor.getPersistedSnapshot())) as Snapshot<unknown>;
    h.actor.stop();
    const { effects, runLogic } = recorder();
    const actor = createActor(runLogic, { id: 'r1', snapshot } as { id: string; snapshot: Snapshot<unknown>; input: never });
    actor.start();
    expect(effects).toEqual([]);
    expect(actor.getSnapshot().value).toEqual({ running: 'executing' });
    expect(Object.keys(actor.getSnapshot().children).sort()).toEqual([h.sid('b'), h.sid('c')].sort());
    actor.stop();
  });

  it('restores a StageRun waiting out a backoff: its retry timer dispatches attempt 2 after the restore', () => {
    const h = startRun(single({ stages: [stage('a', { retry: retry(2), timeoutMs: 1_000 })] }));
    h.start(10_000);
    h.fail('a', 'flaky', { retryable: true, at: 10_500 });
    const r = restoreQuietly(h);
    expect(r.childState('a')).toBe('retry_wait');
    r.fire(`${r.sid('a')}:1:retry`, 11_500);
    expect(r.take()).toEqual([
      expect.objectContaining({ type: 'dispatch', stageId: 'a', attempt: 2 }),
      { type: 'armTimer', runId: 'r1', timerId: `${r.sid('a')}:2:timeout`, fireAt: 12_500, purpose: 'timeout' },
    ]);
  });

  it('restores a running StageRun whose timeout then fires: abort and retry', () => {
    const h = startRun(single({ stages: [stage('a', { retry: retry(2), timeoutMs: 1_000 })] }));
    h.start(10_000);
    h.stageStarted('a');
    const r = restoreQuietly(h);
    r.fire(`${r.sid('a')}:1:timeout`, 11_000);
    expect(r.take()).toEqual([
      { type: 'abort', runId: 'r1', stageRunId: r.sid('a'), attempt: 1 },
      expect.objectContaining({ type: 'armTimer', timerId: `${r.sid('a')}:1:retry`, purpose: 'retry' }),
    ]);
  });

  it('restores a StageRun on its fallback with its global attempt: the primary attempt stays stale, the fallback settles it', () => {
    const h = startRun(single({ stages: [stage('a', { kind: 'llm.big', fallbackKind: 'llm.small', retry: retry(2), timeoutMs: 1_000 })] }));
    h.start(10_000);
    h.fail('a', 'e1', { retryable: true, at: 10_500 });
    h.fire(`${h.sid('a')}:1:retry`, 11_500);
    h.fail('a', 'e2', { attempt: 2, retryable: true, at: 12_000 });
    const r = restoreQuietly(h);
    expect(r.childState('a')).toBe('queued');
    expect(r.child('a')?.getSnapshot().context).toMatchObject({ usingFallback: true, attempt: 3, kindAttempt: 1, errors: ['e1', 'e2'] });
    r.ok('a', { attempt: 2 });
    r.fire(`${r.sid('a')}:2:timeout`);
    expect(r.childState('a')).toBe('queued');
    expect(r.take()).toEqual([]);
    r.ok('a', { attempt: 3 });
    expect(r.value).toBe('running.reviewing');
  });

  it('restores a StageRun on its fallback whose timeout then fires: the fallback attempt is aborted and the run fails', () => {
    const h = startRun(single({ stages: [stage('a', { kind: 'llm.big', fallbackKind: 'llm.small', timeoutMs: 1_000 })] }));
    h.start(10_000);
    h.fire(`${h.sid('a')}:1:timeout`, 11_000);
    const r = restoreQuietly(h);
    r.fire(`${r.sid('a')}:2:timeout`, 12_000);
    expect(r.value).toBe('failed');
    expect(r.take()).toEqual([{ type: 'abort', runId: 'r1', stageRunId: r.sid('a'), attempt: 2 }]);
    expect(r.context.diagnosis).toMatchObject({ stageId: 'a', kind: 'llm.small', attempts: 2 });
  });

  it('restores a run waiting for approval without re-arming its deadline; the deadline still pauses it', () => {
    const h = startRun(single(), { mode: 'supervised' });
    h.start();
    h.ok('a');
    h.gate(true);
    const r = restoreQuietly(h);
    expect(r.value).toBe('waiting_approval');
    r.fire('r1:approval:1');
    expect(r.value).toBe('paused');
    r.resume();
    expect(r.take()).toEqual([expect.objectContaining({ type: 'armTimer', timerId: 'r1:approval:2' })]);
  });

  it('restores a paused run that can be approved and completed', () => {
    const h = startRun(single(), { mode: 'supervised' });
    h.start();
    h.ok('a');
    h.gate(true);
    h.fire('r1:approval:1');
    const r = restoreQuietly(h);
    expect(r.value).toBe('paused');
    r.approve();
    r.ok('$consolidate');
    r.ok('$learn');
    expect(r.value).toBe('completed');
  });

  it('restores a rework round with its round number and StageRun ids', () => {
    const h = startRun(campaign(), { mode: 'supervised' });
    h.start();
    h.runDag();
    h.gate(true);
    h.rework('again', ['images']);
    const r = restoreQuietly(h);
    expect(r.round).toBe(1);
    expect(r.live()).toEqual(['images']);
    r.ok('images');
    expect(r.take().filter(isDispatch)).toEqual([expect.objectContaining({ stageId: 'publish', round: 1 })]);
  });

  it('restores a run that cancel then aborts the restored children', () => {
    const h = startRun(fanOut());
    h.start();
    h.ok('a');
    h.stageStarted('b');
    const r = restoreQuietly(h);
    r.cancel('stop');
    expect(r.take()).toEqual([
      { type: 'abort', runId: 'r1', stageRunId: r.sid('b'), attempt: 1 },
      { type: 'abort', runId: 'r1', stageRunId: r.sid('c'), attempt: 1 },
    ]);
    expect(r.value).toBe('cancelled');
  });

  it('restores twice in a row to the same state', () => {
    const h = startRun(plan([stage('a'), stage('b', { dependsOn: ['a'], retry: retry(3) })]));
    h.start();
    h.ok('a');
    h.fail('b', 'flaky', { retryable: true });
    const once = restoreQuietly(h);
    const before = once.persisted();
    const twice = restoreQuietly(once);
    expect(twice.persisted()).toEqual(before);
    twice.fire(`${twice.sid('b')}:1:retry`);
    expect(twice.takeDispatched()).toEqual(['b']);
  });
});
