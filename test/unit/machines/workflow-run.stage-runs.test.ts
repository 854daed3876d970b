/**
 * StageRuns driven through their run: the run forwards worker reports and stage timers sent to the
 * root actor to the live StageRun child they name, and ignores everything for StageRuns that are
 * gone, unknown, or of an earlier round.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { backoffDelay, stageRunId } from '../../../src/domain/run.js';
import { expectNoActorErrors, isAbort, isArmTimer, isDispatch, startRun } from './_harness.js';
import { EXPONENTIAL, fanOut, linear, plan, retry, single, stage } from './_plans.js';

afterEach(expectNoActorErrors);

describe('StageRun through the run: forwarding', () => {
  it('forwards STAGE.STARTED to the child it names', () => {
    const h = startRun(fanOut());
    h.start();
    h.ok('a');
    h.stageStarted('b');
    expect(h.childState('b')).toBe('running');
    expect(h.childState('c')).toBe('queued');
  });

  it('forwards STAGE.RESULT: a success completes the stage and the run moves on', () => {
    const h = startRun(linear());
    h.start();
    h.stageStarted('a');
    h.ok('a', { summary: { gate: { passed: true } }, costUsd: 0.5 });
    expect(h.live()).toEqual(['b']);
    expect(h.context.costUsd).toBe(0.5);
  });

  it('dispatches every attempt with the run id, StageRun id and round', () => {
    const h = startRun(single(), { runId: 'run-7' });
    h.start();
    expect(h.take().filter(isDispatch)).toEqual([
      { type: 'dispatch', runId: 'run-7', stageRunId: stageRunId('run-7', 'a', 0), stageId: 'a', kind: 'echo', attempt: 1, round: 0, timeoutMs: null },
    ]);
  });

  it('retries a stage: retry_wait with a retry timer, then attempt 2 when the timer is sent to the run', () => {
    const h = startRun(plan([stage('a', { retry: EXPONENTIAL }), stage('b', { dependsOn: ['a'] })]));
    h.start();
    h.take();
    h.fail('a', '503', { retryable: true, at: 2_000_000 });
    expect(h.childState('a')).toBe('retry_wait');
    expect(h.take()).toEqual([
      { type: 'armTimer', runId: 'r1', timerId: `${h.sid('a')}:1:retry`, fireAt: 2_000_000 + backoffDelay(EXPONENTIAL, 1), purpose: 'retry' },
    ]);
    h.fire(`${h.sid('a')}:1:retry`);
    expect(h.childState('a')).toBe('queued');
    expect(h.take()).toEqual([expect.objectContaining({ type: 'dispatch', stageId: 'a', attempt: 2 })]);
    h.ok('a', { attempt: 2 });
    expect(h.live()).toEqual(['b']);
  });

  it('times a stage out: abort, retry timer, then attempt 2 with its own timeout', () => {
    const h = startRun(single({ stages: [stage('a', { retry: retry(2, { initialMs: 500 }), timeoutMs: 10_000 })] }));
    h.start(100_000);
    expect(h.take().filter(isArmTimer)).toEqual([
      { type: 'armTimer', runId: 'r1', timerId: `${h.sid('a')}:1:timeout`, fireAt: 110_000, purpose: 'timeout' },
    ]);
    h.stageStarted('a', { at: 100_500 });
    h.fire(`${h.sid('a')}:1:timeout`, 110_000);
    expect(h.take()).toEqual([
      { type: 'abort', runId: 'r1', stageRunId: h.sid('a'), attempt: 1 },
      { type: 'armTimer', runId: 'r1', timerId: `${h.sid('a')}:1:retry`, fireAt: 110_500, purpose: 'retry' },
    ]);
    h.fire(`${h.sid('a')}:1:retry`, 110_500);
    expect(h.take()).toEqual([
      expect.objectContaining({ type: 'dispatch', attempt: 2 }),
      { type: 'armTimer', runId: 'r1', timerId: `${h.sid('a')}:2:timeout`, fireAt: 120_500, purpose: 'timeout' },
    ]);
  });

  it('fails the run when the last attempt times out, aborting that attempt once', () => {
    const h = startRun(fanOut({ stages: [stage('a'), stage('b', { dependsOn: ['a'], timeoutMs: 1_000 }), stage('c', { dependsOn: ['a'] })] }));
    h.start();
    h.ok('a');
    h.take();
    h.fire(`${h.sid('b')}:1:timeout`);
    expect(h.value).toBe('failed');
    expect(h.take()).toEqual([
      { type: 'abort', runId: 'r1', stageRunId: h.sid('b'), attempt: 1 },
      { type: 'abort', runId: 'r1', stageRunId: h.sid('c'), attempt: 1 },
    ]);
    expect(h.context.diagnosis).toMatchObject({ stageId: 'b', errors: ['attempt 1 timed out after 1000 ms'] });
  });

  it('falls back: the fallback kind is dispatched as the next attempt and its success completes the stage', () => {
    const h = startRun(single({ stages: [stage('a', { kind: 'llm.big', fallbackKind: 'llm.small' })] }));
    h.start();
    h.take();
    h.fail('a', 'context too long');
    expect(h.take()).toEqual([
      { type: 'dispatch', runId: 'r1', stageRunId: h.sid('a'), stageId: 'a', kind: 'llm.small', attempt: 2, round: 0, timeoutMs: null },
    ]);
    h.ok('a', { attempt: 2 });
    expect(h.value).toBe('running.reviewing');
  });

  it('ignores a late result of the primary attempt sent to the run while the fallback is outstanding', () => {
    const h = startRun(single({ stages: [stage('a', { kind: 'llm.big', fallbackKind: 'llm.small', timeoutMs: 1_000 })] }));
    h.start(10_000);
    h.fire(`${h.sid('a')}:1:timeout`, 11_000);
    expect(h.childState('a')).toBe('queued');
    h.take();
    h.ok('a', { attempt: 1 });
    h.fire(`${h.sid('a')}:1:timeout`);
    expect(h.value).toBe('running.executing');
    expect(h.childState('a')).toBe('queued');
    expect(h.take()).toEqual([]);
    h.stageStarted('a', { attempt: 2 });
    h.ok('a', { attempt: 2 });
    expect(h.value).toBe('running.reviewing');
  });

  it('fails the run when the fallback fails too, with a diagnosis naming the fallback kind', () => {
    const h = startRun(single({ stages: [stage('a', { fallbackKind: 'echo.fallback' })] }));
    h.start();
    h.fail('a', 'first');
    h.fail('a', 'second', { attempt: 2 });
    expect(h.value).toBe('failed');
    expect(h.context.diagnosis).toMatchObject({
      stageId: 'a', kind: 'echo.fallback', attempts: 2, errors: ['first', 'second'], message: expect.stringContaining('(fallback echo.fallback also failed)'),
    });
  });
});

describe('StageRun through the run: stale and foreign events', () => {
  it('ignores results for a StageRun the run does not have', () => {
    const h = startRun(single());
    h.start();
    h.take();
    const before = h.persisted();
    h.send({ type: 'STAGE.RESULT', at: 1, stageRunId: 'not-a-stage-run', attempt: 1, ok: true });
    h.send({ type: 'STAGE.STARTED', at: 1, stageRunId: stageRunId('other-run', 'a', 0), attempt: 1 });
    h.send({ type: 'STAGE.RESULT', at: 1, stageRunId: stageRunId('other-run', 'a', 0), attempt: 1, ok: true });
    expect(h.persisted()).toEqual(before);
    expect(h.take()).toEqual([]);
  });

  it('ignores results that arrive before START', () => {
    const h = startRun(single());
    h.ok('a');
    h.stageStarted('a');
    expect(h.value).toBe('queued');
    h.start();
    expect(h.childState('a')).toBe('queued');
  });

  it('ignores a duplicate result of a stage that already completed', () => {
    const h = startRun(linear());
    h.start();
    h.ok('a', { costUsd: 1 });
    const before = h.persisted();
    h.take();
    h.ok('a', { costUsd: 1 });
    h.fail('a', 'late failure');
    expect(h.persisted()).toEqual(before);
    expect(h.take()).toEqual([]);
    expect(h.value).toBe('running.executing');
  });

  it('ignores results of an earlier round after a rework', () => {
    const h = startRun(single(), { mode: 'supervised' });
    h.start();
    h.ok('a');
    h.gate(true);
    h.rework('again');
    h.take();
    h.ok('a', { round: 0 });
    h.fail('a', 'round 0 failure', { round: 0 });
    expect(h.value).toBe('running.executing');
    expect(h.childState('a')).toBe('queued');
    expect(h.take()).toEqual([]);
  });

  it('ignores a result of an earlier attempt', () => {
    const h = startRun(single({ stages: [stage('a', { retry: retry(2) })] }));
    h.start();
    h.fail('a', 'flaky', { retryable: true });
    h.fire(`${h.sid('a')}:1:retry`);
    h.ok('a', { attempt: 1 });
    expect(h.value).toBe('running.executing');
    expect(h.childState('a')).toBe('queued');
  });

  it('ignores stage timers of StageRuns that are gone, and timers of other runs', () => {
    const h = startRun(plan([stage('a', { timeoutMs: 1_000 }), stage('b', { dependsOn: ['a'] })]));
    h.start();
    const aId = h.sid('a');
    h.ok('a');
    h.take();
    h.fire(`${aId}:1:timeout`);
    h.fire(`${stageRunId('other-run', 'b', 0)}:1:timeout`);
    h.fire('garbage');
    h.fire('');
    expect(h.take().filter(isAbort)).toEqual([]);
    expect(h.live()).toEqual(['b']);
    expect(h.childState('b')).toBe('queued');
  });

  it('ignores a result for the review stage of an earlier round', () => {
    const h = startRun(single(), { mode: 'autopilot' });
    h.start();
    h.ok('a');
    h.gate(false);
    h.ok('a');
    expect(h.value).toBe('running.reviewing');
    h.gate(true, { round: 0 });
    expect(h.value).toBe('running.reviewing');
    h.gate(true);
    expect(h.value).toBe('running.consolidating');
  });
});
