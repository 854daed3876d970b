/**
 * StageRun on its own: one attempt at a time, retries with durable backoff timers, attempt timeouts,
 * the fallback handler, and the STAGE.DONE it reports to its parent. The effect actions are
 * provided as the run host does; the parent is a recording actor.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { attemptKey, backoffDelay } from '../../../src/domain/run.js';
import { ERROR_CHARS, KEPT_ERRORS, diagnosisOf, keepableError, retryTimerId, timeoutTimerId } from '../../../src/machines/stage-run.machine.js';
import { expectNoActorErrors, isAbort, isArmTimer, isDispatch, startStage } from './_harness.js';
import { EXPONENTIAL, retry, stage } from './_plans.js';

afterEach(expectNoActorErrors);

/** True when a string holds a UTF-16 surrogate without its partner (not storable in Postgres jsonb). */
const hasLoneSurrogate = (s: string) => /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);

describe('StageRun: dispatching an attempt', () => {
  it('starts queued and dispatches attempt 1 of its kind, with the run, round and timeout', () => {
    const s = startStage(stage('draft', { kind: 'copy.draft' }), { runId: 'run-9', stageRunId: 'sr-9', round: 2, at: 5_000 });
    expect(s.value).toBe('queued');
    expect(s.effects).toEqual([
      { type: 'dispatch', runId: 'run-9', stageRunId: 'sr-9', stageId: 'draft', kind: 'copy.draft', attempt: 1, round: 2, timeoutMs: null },
    ]);
    expect(s.context).toMatchObject({ attempt: 1, kindAttempt: 1, usingFallback: false, dispatchedAt: 5_000, errors: [], costUsd: 0, summary: null });
    expect(s.context).not.toHaveProperty('attemptsTotal');
  });

  it('arms no timeout timer when the stage has no timeout', () => {
    const s = startStage(stage('a', { timeoutMs: null }));
    expect(s.effects.filter(isArmTimer)).toEqual([]);
  });

  it('arms a timeout timer for the attempt at dispatch time + timeoutMs when the stage has a timeout', () => {
    const s = startStage(stage('a', { timeoutMs: 30_000 }), { stageRunId: 'sr-t', at: 7_000 });
    expect(s.effects).toEqual([
      expect.objectContaining({ type: 'dispatch', attempt: 1, timeoutMs: 30_000 }),
      { type: 'armTimer', runId: 'run-1', timerId: 'sr-t:1:timeout', fireAt: 37_000, purpose: 'timeout' },
    ]);
  });

  it('names timers after the StageRun and the global attempt number (no primary/fallback marker)', () => {
    expect(timeoutTimerId({ stageRunId: 'x', attempt: 3 })).toBe('x:3:timeout');
    expect(retryTimerId({ stageRunId: 'x', attempt: 1 })).toBe('x:1:retry');
  });

  it('names the timers of a fallback attempt by its global attempt number, like any other attempt', () => {
    const s = startStage(stage('a', { fallbackKind: 'fb', retry: retry(2), timeoutMs: 1_000 }), { stageRunId: 'x' });
    s.fire('x:1:timeout', 2_000);
    s.fire('x:1:retry', 3_000);
    s.fire('x:2:timeout', 4_000);
    expect(s.context).toMatchObject({ usingFallback: true, attempt: 3, kindAttempt: 1 });
    expect(timeoutTimerId(s.context)).toBe('x:3:timeout');
    expect(retryTimerId(s.context)).toBe('x:3:retry');
    expect(s.effects.filter(isArmTimer).map((t) => t.timerId)).toEqual(['x:1:timeout', 'x:1:retry', 'x:2:timeout', 'x:3:timeout']);
  });
});

describe('StageRun: success', () => {
  it('moves to running on STAGE.STARTED of the current attempt', () => {
    const s = startStage(stage('a'));
    s.started(1, 2_000);
    expect(s.value).toBe('running');
    expect(s.effects.filter(isDispatch)).toHaveLength(1);
  });

  it('ignores STAGE.STARTED of another attempt', () => {
    const s = startStage(stage('a'));
    s.started(2, 2_000);
    expect(s.value).toBe('queued');
  });

  it('succeeds with summary and cost, and tells the parent with STAGE.DONE', () => {
    const s = startStage(stage('review', { kind: 'gate.pass' }), { stageRunId: 'sr-r' });
    s.started(1, 2_000);
    s.ok(1, 3_000, { summary: { gate: { passed: true, score: 0.9 } }, costUsd: 0.25 });
    expect(s.value).toBe('succeeded');
    expect(s.status).toBe('done');
    expect(s.context.summary).toEqual({ gate: { passed: true, score: 0.9 } });
    expect(s.context.costUsd).toBe(0.25);
    expect(s.done()).toEqual([
      { type: 'STAGE.DONE', at: 3_000, stageRunId: 'sr-r', stageId: 'review', ok: true, attempts: 1, costUsd: 0.25, summary: { gate: { passed: true, score: 0.9 } } },
    ]);
  });

  it('may succeed straight from queued (the STARTED report is optional)', () => {
    const s = startStage(stage('a'));
    s.ok(1, 2_000);
    expect(s.value).toBe('succeeded');
    expect(s.done()).toEqual([{ type: 'STAGE.DONE', at: 2_000, stageRunId: 'sr-1', stageId: 'a', ok: true, attempts: 1, costUsd: 0 }]);
  });

  it('reports no summary key and a zero cost when the result carries neither', () => {
    const s = startStage(stage('a'));
    s.ok(1, 2_000);
    expect(s.context.summary).toBeNull();
    expect(s.done()[0]).not.toHaveProperty('summary');
    expect(s.done()[0]?.costUsd).toBe(0);
  });

  it('counts the cost of failed attempts into the cost it reports', () => {
    const s = startStage(stage('a', { retry: retry(2) }));
    s.fail(1, 2_000, 'flaky', true, 0.5);
    s.fire(s.timer(1, 'retry'), 3_000);
    s.ok(2, 4_000, { costUsd: 0.25 });
    expect(s.done()[0]).toMatchObject({ ok: true, attempts: 2, costUsd: 0.75 });
  });
});

describe('StageRun: retries', () => {
  it('waits in retry_wait after a retryable failure with attempts left, arming a retry timer at at + backoffDelay', () => {
    const s = startStage(stage('a', { retry: EXPONENTIAL }), { stageRunId: 'sr-x' });
    s.started(1, 2_000);
    s.fail(1, 5_000, 'rate limited', true);
    expect(s.value).toBe('retry_wait');
    expect(s.context.errors).toEqual(['rate limited']);
    expect(s.effects.filter(isArmTimer)).toEqual([
      { type: 'armTimer', runId: 'run-1', timerId: 'sr-x:1:retry', fireAt: 5_000 + backoffDelay(EXPONENTIAL, 1), purpose: 'retry' },
    ]);
    expect(s.done()).toEqual([]);
  });

  it('dispatches attempt 2 when its retry timer fires, from queued again', () => {
    const s = startStage(stage('a', { retry: EXPONENTIAL, timeoutMs: 1_000 }), { stageRunId: 'sr-x' });
    s.fail(1, 2_000, 'e1', true);
    s.effects.length = 0;
    s.fire('sr-x:1:retry', 3_000);
    expect(s.value).toBe('queued');
    expect(s.context).toMatchObject({ attempt: 2, kindAttempt: 2, dispatchedAt: 3_000 });
    expect(s.effects).toEqual([
      expect.objectContaining({ type: 'dispatch', attempt: 2, kind: 'echo' }),
      { type: 'armTimer', runId: 'run-1', timerId: 'sr-x:2:timeout', fireAt: 4_000, purpose: 'timeout' },
    ]);
  });

  it('backs off exponentially between attempts (retry timer of attempt n at at + backoffDelay(policy, kindAttempt n))', () => {
    const s = startStage(stage('a', { retry: retry(4, { type: 'exponential', initialMs: 100, multiplier: 3, maxMs: 500 }) }));
    const fireAts: number[] = [];
    for (let n = 1; n <= 3; n++) {
      const at = n * 10_000;
      s.fail(n, at, `e${n}`, true);
      const armed = s.effects.filter(isArmTimer).at(-1);
      fireAts.push((armed?.fireAt ?? 0) - at);
      s.fire(s.timer(n, 'retry'), at + 1_000);
    }
    expect(fireAts).toEqual([100, 300, 500]);
    expect(s.context).toMatchObject({ attempt: 4, kindAttempt: 4 });
  });

  it('fails when the attempts are spent and there is no fallback', () => {
    const s = startStage(stage('a', { retry: retry(2) }));
    s.fail(1, 2_000, 'e1', true);
    s.fire(s.timer(1, 'retry'), 3_000);
    s.fail(2, 4_000, 'e2', true);
    expect(s.value).toBe('failed');
    expect(s.done()).toEqual([
      expect.objectContaining({ type: 'STAGE.DONE', at: 4_000, ok: false, attempts: 2, diagnosis: expect.objectContaining({ errors: ['e1', 'e2'] }) }),
    ]);
  });

  it('fails at once on a non-retryable failure, attempts left or not', () => {
    const s = startStage(stage('a', { retry: retry(5) }));
    s.started(1, 2_000);
    s.fail(1, 3_000, 'invalid brief', false);
    expect(s.value).toBe('failed');
    expect(s.effects.filter(isArmTimer)).toEqual([]);
    expect(s.done()[0]).toMatchObject({ ok: false, attempts: 1 });
  });

  it('ignores results while waiting out the backoff', () => {
    const s = startStage(stage('a', { retry: retry(3) }));
    s.fail(1, 2_000, 'e1', true);
    s.ok(1, 2_500);
    s.ok(2, 2_600);
    s.fail(1, 2_700, 'again', false);
    s.started(2, 2_800);
    expect(s.value).toBe('retry_wait');
    expect(s.context.errors).toEqual(['e1']);
    expect(s.done()).toEqual([]);
  });
});

describe('StageRun: stale and foreign events', () => {
  it('ignores results of an earlier attempt', () => {
    const s = startStage(stage('a', { retry: retry(3) }));
    s.fail(1, 2_000, 'e1', true);
    s.fire(s.timer(1, 'retry'), 3_000);
    s.ok(1, 3_500);
    s.fail(1, 3_600, 'late', false);
    expect(s.value).toBe('queued');
    expect(s.context).toMatchObject({ attempt: 2, errors: ['e1'] });
    s.ok(2, 4_000);
    expect(s.value).toBe('succeeded');
  });

  it('ignores results of a future attempt', () => {
    const s = startStage(stage('a', { retry: retry(3) }));
    s.ok(2, 2_000);
    expect(s.value).toBe('queued');
  });

  it('ignores the timeout timer of an earlier attempt', () => {
    const s = startStage(stage('a', { retry: retry(3), timeoutMs: 1_000 }));
    s.fail(1, 1_500, 'e1', true);
    s.fire(s.timer(1, 'retry'), 2_500);
    s.fire(s.timer(1, 'timeout'), 2_600);
    expect(s.value).toBe('queued');
    expect(s.effects.filter(isAbort)).toEqual([]);
  });

  it('ignores a retry timer that is not the current one (earlier attempt, or arriving while an attempt is outstanding)', () => {
    const s = startStage(stage('a', { retry: retry(3) }));
    s.fire(s.timer(1, 'retry'), 1_500);
    expect(s.value).toBe('queued');
    s.fail(1, 2_000, 'e1', true);
    s.fire(s.timer(1, 'retry'), 3_000);
    s.fail(2, 4_000, 'e2', true);
    s.fire(s.timer(1, 'retry'), 4_500);
    expect(s.value).toBe('retry_wait');
    expect(s.context.attempt).toBe(2);
  });

  it('ignores the timeout timer of an attempt that already failed, while waiting out the backoff', () => {
    const s = startStage(stage('a', { retry: retry(3), timeoutMs: 10_000 }));
    s.fail(1, 2_000, 'e1', true);
    s.fire(s.timer(1, 'timeout'), 11_000);
    expect(s.value).toBe('retry_wait');
    expect(s.effects.filter(isAbort)).toEqual([]);
    expect(s.context.errors).toEqual(['e1']);
  });

  it('ignores the primary timeout timer once the fallback is outstanding', () => {
    const s = startStage(stage('a', { fallbackKind: 'fb', timeoutMs: 10_000 }));
    s.fail(1, 2_000, 'unsupported', false);
    s.fire(s.timer(1, 'timeout'), 11_000);
    expect(s.value).toBe('queued');
    expect(s.context.usingFallback).toBe(true);
    expect(s.effects.filter(isAbort)).toEqual([]);
  });

  it('ignores timers of other StageRuns and timers that are not stage timers', () => {
    const s = startStage(stage('a', { retry: retry(3), timeoutMs: 1_000 }), { stageRunId: 'mine' });
    s.fire('other:1:timeout', 2_000);
    s.fire('run-1:approval:1', 2_000);
    s.fire('mine:2:timeout', 2_000);
    expect(s.value).toBe('queued');
    s.fail(1, 2_100, 'e1', true);
    s.fire('other:1:retry', 2_200);
    expect(s.value).toBe('retry_wait');
  });

  it('treats a timer named like its timeout as foreign when the stage has no timeout', () => {
    const s = startStage(stage('a'), { stageRunId: 'mine' });
    s.fire('mine:1:timeout', 2_000);
    expect(s.value).toBe('queued');
  });
});

describe('StageRun: timeouts', () => {
  it('aborts the attempt and retries after the backoff when the timeout fires with attempts left', () => {
    const s = startStage(stage('a', { retry: retry(2, { initialMs: 2_000 }), timeoutMs: 1_000 }), { stageRunId: 'sr-t', at: 10_000 });
    s.started(1, 10_100);
    s.effects.length = 0;
    s.fire('sr-t:1:timeout', 11_000);
    expect(s.value).toBe('retry_wait');
    expect(s.effects).toEqual([
      { type: 'abort', runId: 'run-1', stageRunId: 'sr-t', attempt: 1 },
      { type: 'armTimer', runId: 'run-1', timerId: 'sr-t:1:retry', fireAt: 13_000, purpose: 'retry' },
    ]);
    expect(s.context.errors).toEqual(['attempt 1 timed out after 1000 ms']);
  });

  it('times out an attempt still queued (never picked up by a worker)', () => {
    const s = startStage(stage('a', { retry: retry(2), timeoutMs: 1_000 }));
    s.fire(s.timer(1, 'timeout'), 2_000);
    expect(s.value).toBe('retry_wait');
    expect(s.effects.filter(isAbort)).toHaveLength(1);
  });

  it('fails (aborting the attempt) when the last attempt times out', () => {
    const s = startStage(stage('a', { retry: retry(1), timeoutMs: 1_000 }));
    s.started(1, 1_100);
    s.fire(s.timer(1, 'timeout'), 2_000);
    expect(s.value).toBe('failed');
    expect(s.effects.filter(isAbort)).toEqual([{ type: 'abort', runId: 'run-1', stageRunId: 'sr-1', attempt: 1 }]);
    expect(s.done()[0]).toMatchObject({ ok: false, at: 2_000, diagnosis: { errors: ['attempt 1 timed out after 1000 ms'] } });
  });

  it('ignores a result of the timed-out attempt once it has been retried', () => {
    const s = startStage(stage('a', { retry: retry(2), timeoutMs: 1_000 }));
    s.fire(s.timer(1, 'timeout'), 2_000);
    s.fire(s.timer(1, 'retry'), 3_000);
    s.ok(1, 3_100);
    expect(s.value).toBe('queued');
    expect(s.context.attempt).toBe(2);
  });
});

describe('StageRun: fallback', () => {
  it('dispatches the fallback kind as the next global attempt (kind attempt 1) when the primary attempts are spent', () => {
    const s = startStage(stage('a', { kind: 'llm.big', fallbackKind: 'llm.small', retry: retry(2), timeoutMs: 5_000 }), { stageRunId: 'sr-f' });
    s.fail(1, 2_000, 'e1', true);
    s.fire(s.timer(1, 'retry'), 3_000);
    s.effects.length = 0;
    s.fail(2, 4_000, 'e2', true);
    expect(s.value).toBe('queued');
    expect(s.context).toMatchObject({ usingFallback: true, attempt: 3, kindAttempt: 1, dispatchedAt: 4_000 });
    expect(s.effects).toEqual([
      { type: 'dispatch', runId: 'run-1', stageRunId: 'sr-f', stageId: 'a', kind: 'llm.small', attempt: 3, round: 0, timeoutMs: 5_000 },
      { type: 'armTimer', runId: 'run-1', timerId: 'sr-f:3:timeout', fireAt: 9_000, purpose: 'timeout' },
    ]);
  });

  it('goes to the fallback at once on a non-retryable failure', () => {
    const s = startStage(stage('a', { fallbackKind: 'fb', retry: retry(5) }));
    s.fail(1, 2_000, 'unsupported', false);
    expect(s.value).toBe('queued');
    expect(s.context).toMatchObject({ usingFallback: true, attempt: 2, kindAttempt: 1 });
    expect(s.effects.filter(isDispatch).map((d) => [d.kind, d.attempt])).toEqual([['echo', 1], ['fb', 2]]);
  });

  it('goes to the fallback (aborting the attempt) when the last primary attempt times out', () => {
    const s = startStage(stage('a', { fallbackKind: 'fb', timeoutMs: 1_000 }), { stageRunId: 'sr-f' });
    s.started(1, 1_100);
    s.effects.length = 0;
    s.fire('sr-f:1:timeout', 2_000);
    expect(s.value).toBe('queued');
    expect(s.effects).toEqual([
      { type: 'abort', runId: 'run-1', stageRunId: 'sr-f', attempt: 1 },
      expect.objectContaining({ type: 'dispatch', kind: 'fb', attempt: 2 }),
      { type: 'armTimer', runId: 'run-1', timerId: 'sr-f:2:timeout', fireAt: 3_000, purpose: 'timeout' },
    ]);
  });

  it('succeeds with the fallback', () => {
    const s = startStage(stage('a', { fallbackKind: 'fb' }));
    s.fail(1, 2_000, 'e1', true, 0.5);
    s.started(2, 2_100);
    expect(s.value).toBe('running');
    s.ok(2, 3_000, { costUsd: 0.25 });
    expect(s.value).toBe('succeeded');
    expect(s.done()[0]).toMatchObject({ ok: true, attempts: 2, costUsd: 0.75 });
  });

  it('is tried once: a retryable fallback failure fails the stage', () => {
    const s = startStage(stage('a', { fallbackKind: 'fb', retry: retry(3) }));
    s.fail(1, 2_000, 'p', false);
    s.fail(2, 3_000, 'fb flaky', true);
    expect(s.value).toBe('failed');
    expect(s.effects.filter(isArmTimer)).toEqual([]);
    expect(s.done()[0]).toMatchObject({ ok: false, attempts: 2 });
  });

  it('fails when the fallback attempt times out, aborting it', () => {
    const s = startStage(stage('a', { fallbackKind: 'fb', timeoutMs: 1_000 }), { stageRunId: 'sr-f' });
    s.fire('sr-f:1:timeout', 2_000);
    s.fire('sr-f:2:timeout', 3_000);
    expect(s.value).toBe('failed');
    expect(s.effects.filter(isAbort)).toEqual([
      { type: 'abort', runId: 'run-1', stageRunId: 'sr-f', attempt: 1 },
      { type: 'abort', runId: 'run-1', stageRunId: 'sr-f', attempt: 2 },
    ]);
    expect(s.done()[0]).toMatchObject({ ok: false, attempts: 2, diagnosis: { kind: 'fb', errors: ['attempt 1 timed out after 1000 ms', 'attempt 2 timed out after 1000 ms'] } });
  });

  it('fails after the fallback with a diagnosis naming the stage, the fallback kind, all attempts and the last errors', () => {
    const s = startStage(stage('draft', { kind: 'llm.big', fallbackKind: 'llm.small', retry: retry(3) }), { stageRunId: 'sr-d' });
    s.fail(1, 1_000, 'e1', true);
    s.fire(s.timer(1, 'retry'), 1_100);
    s.fail(2, 2_000, 'e2', true);
    s.fire(s.timer(2, 'retry'), 2_100);
    s.fail(3, 3_000, 'e3', true);
    s.fail(4, 4_000, 'fallback broke', false);
    expect(s.value).toBe('failed');
    const done = s.done();
    expect(done).toHaveLength(1);
    expect(done[0]).toEqual({
      type: 'STAGE.DONE', at: 4_000, stageRunId: 'sr-d', stageId: 'draft', ok: false, attempts: 4, costUsd: 0,
      diagnosis: {
        reason: 'stage_failed',
        message: 'stage draft failed after 4 attempt(s) (fallback llm.small also failed): fallback broke',
        stageId: 'draft',
        kind: 'llm.small',
        attempts: 4,
        errors: ['e2', 'e3', 'fallback broke'],
      },
    });
  });
});

describe('StageRun: diagnosis', () => {
  it(`keeps only the last ${KEPT_ERRORS} errors, newest last`, () => {
    const s = startStage(stage('a', { retry: retry(5) }));
    for (let n = 1; n <= 5; n++) {
      s.fail(n, n * 1_000, `error ${n}`, true);
      if (n < 5) s.fire(s.timer(n, 'retry'), n * 1_000 + 500);
    }
    expect(s.context.errors).toEqual(['error 3', 'error 4', 'error 5']);
  });

  it(`truncates each kept error to ${ERROR_CHARS} characters`, () => {
    const s = startStage(stage('a', { retry: retry(2) }));
    s.fail(1, 1_000, 'x'.repeat(2_000), true);
    s.fire(s.timer(1, 'retry'), 1_500);
    s.fail(2, 2_000, `${'y'.repeat(ERROR_CHARS)}!`, true);
    expect(s.context.errors.map((e) => e.length)).toEqual([ERROR_CHARS, ERROR_CHARS]);
    expect(s.context.errors[1]).toBe('y'.repeat(ERROR_CHARS));
    const diagnosis = s.done()[0];
    expect(diagnosis?.ok === false && diagnosis.diagnosis.errors?.every((e) => e.length <= ERROR_CHARS)).toBe(true);
  });

  // Regression: recordFailure truncated with `error.slice(0, ERROR_CHARS)`, which counts UTF-16 code
  // units: an astral character (emoji, some CJK) straddling position 500 left a lone high surrogate in
  // context.errors (and in the diagnosis). JSON.stringify writes it as "\ud83d", which Postgres jsonb
  // (workflow_run.snapshot, workflow_run.diagnosis) rejects, so the run's snapshot could not be stored.
  it('never splits a surrogate pair when truncating (the snapshot stays storable as jsonb)', () => {
    const s = startStage(stage('a'));
    s.fail(1, 1_000, `${'x'.repeat(ERROR_CHARS - 1)}😀 and more`, false);
    const kept = s.context.errors[0] ?? '';
    expect(kept).toBe(`${'x'.repeat(ERROR_CHARS - 1)}😀`);
    expect(Array.from(kept)).toHaveLength(ERROR_CHARS);
    expect(hasLoneSurrogate(kept)).toBe(false);
    const done = s.done()[0];
    expect(done?.ok === false ? done.diagnosis.errors : null).toEqual([kept]);
  });

  it('removes NUL characters from kept errors (Postgres jsonb refuses \\u0000), before truncating', () => {
    const s = startStage(stage('a', { retry: retry(2) }));
    s.fail(1, 1_000, 'bad\u0000byte\u0000', true);
    s.fire(s.timer(1, 'retry'), 1_500);
    s.fail(2, 2_000, `${'\u0000'.repeat(10)}${'y'.repeat(ERROR_CHARS)}!`, false);
    expect(s.context.errors).toEqual(['badbyte', 'y'.repeat(ERROR_CHARS)]);
    const done = s.done()[0];
    expect(done?.ok === false ? done.diagnosis : null).toMatchObject({
      errors: ['badbyte', 'y'.repeat(ERROR_CHARS)],
      message: `stage a failed after 2 attempt(s): ${'y'.repeat(ERROR_CHARS)}`,
    });
    expect(JSON.stringify(s.actor.getPersistedSnapshot())).not.toContain('\\u0000');
  });

  it('says "unknown error" and names no fallback when there is nothing to say', () => {
    const s = startStage(stage('a'));
    const d = diagnosisOf({ ...s.context, errors: [], attempt: 2 });
    expect(d).toEqual({ reason: 'stage_failed', message: 'stage a failed after 2 attempt(s): unknown error', stageId: 'a', kind: 'echo', attempts: 2, errors: [] });
  });

  it('says when a configured fallback was not tried, and names the primary kind', () => {
    const s = startStage(stage('a', { fallbackKind: 'fb' }));
    const d = diagnosisOf({ ...s.context, errors: ['boom'] });
    expect(d.message).toBe('stage a failed after 1 attempt(s) (fallback fb not tried): boom');
    expect(d.kind).toBe('echo');
  });

  it('names the kind that failed last: the fallback kind once the fallback was used', () => {
    const s = startStage(stage('a', { kind: 'llm.big', fallbackKind: 'llm.small' }));
    expect(diagnosisOf(s.context).kind).toBe('llm.big');
    s.fail(1, 1_000, 'too long', false);
    expect(diagnosisOf(s.context)).toMatchObject({ kind: 'llm.small', attempts: 2 });
    s.fail(2, 2_000, 'small broke', false);
    expect(s.done()[0]).toMatchObject({
      ok: false, attempts: 2,
      diagnosis: { kind: 'llm.small', attempts: 2, message: 'stage a failed after 2 attempt(s) (fallback llm.small also failed): small broke' },
    });
  });
});

describe('keepableError', () => {
  it('keeps a short message as it is', () => {
    expect(keepableError('')).toBe('');
    expect(keepableError('rate limited (429)')).toBe('rate limited (429)');
    expect(keepableError('ünïcödé 😀 日本語')).toBe('ünïcödé 😀 日本語');
  });

  it(`keeps at most ${ERROR_CHARS} code points, counting an astral character as one`, () => {
    expect(keepableError('x'.repeat(ERROR_CHARS + 1))).toBe('x'.repeat(ERROR_CHARS));
    expect(keepableError('😀'.repeat(ERROR_CHARS))).toBe('😀'.repeat(ERROR_CHARS));
    expect(keepableError('😀'.repeat(ERROR_CHARS + 1))).toBe('😀'.repeat(ERROR_CHARS));
    expect(keepableError(`${'x'.repeat(ERROR_CHARS - 1)}😀😀`)).toBe(`${'x'.repeat(ERROR_CHARS - 1)}😀`);
  });

  it('never ends in half of a surrogate pair, wherever the cut falls', () => {
    for (let prefix = ERROR_CHARS - 3; prefix <= ERROR_CHARS + 1; prefix++) {
      const kept = keepableError(`${'x'.repeat(prefix)}😀😀😀`);
      expect(hasLoneSurrogate(kept)).toBe(false);
      expect(Array.from(kept).length).toBeLessThanOrEqual(ERROR_CHARS);
    }
  });

  it('removes every NUL character, then counts what is left', () => {
    expect(keepableError('\u0000a\u0000\u0000b\u0000')).toBe('ab');
    expect(keepableError('\u0000'.repeat(3))).toBe('');
    expect(keepableError(`${'\u0000'.repeat(ERROR_CHARS)}ok`)).toBe('ok');
  });

  // Regression: keepableError only avoided *creating* a lone surrogate when it cuts; a message that already
  // holds one (a worker or provider error cut by UTF-16 code units upstream, e.g. `'…😀'.slice(0, n)`)
  // is kept as it is. JSON.stringify writes it as "\ud83d", which Postgres jsonb refuses ("invalid input
  // syntax for type json", checked with PGlite), so that run's snapshot still cannot be stored.
  it('drops lone surrogates already in the message (the snapshot stays storable as jsonb)', () => {
    const upstreamCut = 'quota exceeded 😀'.slice(0, -1);
    expect(hasLoneSurrogate(upstreamCut)).toBe(true);
    expect(hasLoneSurrogate(keepableError(upstreamCut))).toBe(false);
    expect(hasLoneSurrogate(keepableError('\uDE00 orphan low half'))).toBe(false);
  });
});

describe('StageRun: attempt identity', () => {
  it('dispatches primary attempts with distinct idempotency keys', () => {
    const s = startStage(stage('a', { retry: retry(3) }));
    s.fail(1, 1_000, 'e1', true);
    s.fire(s.timer(1, 'retry'), 1_100);
    s.fail(2, 2_000, 'e2', true);
    s.fire(s.timer(2, 'retry'), 2_100);
    const keys = s.effects.filter(isDispatch).map((d) => attemptKey(d.runId, d.stageRunId, d.attempt));
    expect(keys).toEqual(['run-1:sr-1:1', 'run-1:sr-1:2', 'run-1:sr-1:3']);
  });

  // Regression: the fallback restarted `attempt` at 1, and `attempt` is all that identifies an attempt
  // outside the machine: the dispatch effect's idempotency key `runId:stageRunId:attempt` (also the
  // primary key of stage_result) of fallback attempt 1 equalled that of primary attempt 1, so the host
  // deduped the fallback job (or its result row collided) and the fallback never ran.
  it('gives every dispatched attempt its own idempotency key, the fallback attempt included', () => {
    const s = startStage(stage('a', { retry: retry(2), fallbackKind: 'fb' }));
    s.fail(1, 1_000, 'e1', true);
    s.fire(s.timer(1, 'retry'), 1_100);
    s.fail(2, 2_000, 'e2', true);
    const dispatched = s.effects.filter(isDispatch);
    expect(dispatched.map((d) => [d.kind, d.attempt])).toEqual([['echo', 1], ['echo', 2], ['fb', 3]]);
    const keys = dispatched.map((d) => attemptKey(d.runId, d.stageRunId, d.attempt));
    expect(keys).toEqual(['run-1:sr-1:1', 'run-1:sr-1:2', 'run-1:sr-1:3']);
    expect(new Set(keys).size).toBe(3);
  });

  it('aborts each attempt under its own key, the fallback attempt included', () => {
    const s = startStage(stage('a', { retry: retry(2), fallbackKind: 'fb', timeoutMs: 1_000 }));
    s.fire(s.timer(1, 'timeout'), 2_000);
    s.fire(s.timer(1, 'retry'), 3_000);
    s.fire(s.timer(2, 'timeout'), 4_000);
    s.fire(s.timer(3, 'timeout'), 5_000);
    expect(s.value).toBe('failed');
    expect(s.effects.filter(isAbort).map((a) => attemptKey(a.runId, a.stageRunId, a.attempt))).toEqual(['run-1:sr-1:1', 'run-1:sr-1:2', 'run-1:sr-1:3']);
    expect(s.done()[0]).toMatchObject({ ok: false, attempts: 3, diagnosis: { kind: 'fb', attempts: 3 } });
  });

  // Regression: same root cause: STAGE.RESULT only carries `attempt`, so a late result of the timed-out
  // (and aborted) primary attempt 1 was taken as the result of fallback attempt 1 and settled the stage.
  it('ignores a late result of the timed-out primary attempt while the fallback attempt is outstanding', () => {
    const s = startStage(stage('a', { fallbackKind: 'fb', timeoutMs: 1_000 }));
    s.fire(s.timer(1, 'timeout'), 2_000);
    const [primary, fallback] = s.effects.filter(isDispatch);
    expect([primary?.kind, primary?.attempt]).toEqual(['echo', 1]);
    expect([fallback?.kind, fallback?.attempt]).toEqual(['fb', 2]);
    s.ok(primary?.attempt ?? 1, 2_500);
    s.started(primary?.attempt ?? 1, 2_600);
    s.fail(primary?.attempt ?? 1, 2_700, 'late primary failure', false);
    expect(s.value).toBe('queued');
    expect(s.context.errors).toEqual(['attempt 1 timed out after 1000 ms']);
    expect(s.done()).toEqual([]);
    s.ok(fallback?.attempt ?? 2, 3_000);
    expect(s.value).toBe('succeeded');
    expect(s.done()).toEqual([{ type: 'STAGE.DONE', at: 3_000, stageRunId: 'sr-1', stageId: 'a', ok: true, attempts: 2, costUsd: 0 }]);
  });
});

describe('StageRun: persistence', () => {
  it('has a JSON-safe persisted snapshot', () => {
    const s = startStage(stage('a', { retry: retry(2), timeoutMs: 1_000 }));
    s.fail(1, 1_000, 'e1', true);
    const snap = s.actor.getPersistedSnapshot();
    expect(JSON.parse(JSON.stringify(snap))).toEqual(snap);
  });
});
