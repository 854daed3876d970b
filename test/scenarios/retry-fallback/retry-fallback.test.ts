import { describe, expect, it } from 'vitest';
import { StageError, type StageHandler, type StageHandlerInput } from '../../../src/contracts/execution.js';
import type { JsonValue } from '../../../src/domain/canonical-json.js';
import { stageRunId } from '../../../src/domain/run.js';
import type { WorkflowTemplateInput } from '../../../src/planner/template.js';
import { ADAPTERS, seedTask, startRun, usePlatform, waitForRun, type TestPlatform } from '../../helpers/test-engine.js';

/** One handler call: which kind ran which attempt, what it read, and whether its signal fired. */
interface Call {
  kind: string;
  runId: string;
  stageId: string;
  attempt: number;
  upstream: Record<string, JsonValue>;
  startedAt: number;
  abortedAt: number | null;
  abortReason: string | null;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The test handlers, recording every call. */
function handlers() {
  const calls: Call[] = [];
  const record = (input: StageHandlerInput): Call => {
    const call: Call = {
      kind: input.kind, runId: input.runId, stageId: input.stageId, attempt: input.attempt, upstream: structuredClone(input.upstream),
      startedAt: Date.now(), abortedAt: null, abortReason: null,
    };
    calls.push(call);
    return call;
  };
  /** Waits until the attempt's signal fires, records it, and rejects. */
  const hang = (input: StageHandlerInput, call: Call) => new Promise<never>((_resolve, reject) => {
    const abort = () => {
      const reason: unknown = input.signal.reason;
      call.abortedAt = Date.now();
      call.abortReason = reason instanceof Error ? reason.message : String(reason);
      reject(reason instanceof Error ? reason : new Error('aborted'));
    };
    if (input.signal.aborted) abort();
    else input.signal.addEventListener('abort', abort, { once: true });
  });
  const h = (kind: string, run: (input: StageHandlerInput, call: Call) => Promise<{ output: JsonValue }>): StageHandler => ({
    kind, description: `test handler ${kind}`, run: (input) => run(input, record(input)),
  });
  const list: StageHandler[] = [
    h('rec', async (input) => ({ output: { stage: input.stageId, attempt: input.attempt } })),
    h('always-fails', async (input) => { throw new StageError(`primary down (attempt ${input.attempt})`, true); }),
    h('rescue', async (input) => ({ output: { rescued: true, attempt: input.attempt } })),
    h('rescue-fails', async (input) => { throw new StageError(`fallback down too (attempt ${input.attempt})`, true); }),
    // Fails for good, once the `hang` sibling of its run (if the template has one) is in flight.
    h('fatal', async (input) => {
      for (let i = 0; i < 500 && input.params.waitForSibling === true && !calls.some((c) => c.runId === input.runId && c.kind === 'hang'); i++) await sleep(10);
      throw new StageError('bad input: cannot be retried', false);
    }),
    h('hang', (input, call) => hang(input, call)),
    h('hang-first', async (input, call) => (input.attempt === 1 ? hang(input, call) : { output: { finally: true, attempt: input.attempt } })),
  ];
  return { list, of: (runId: string) => calls.filter((c) => c.runId === runId) };
}

const system = { review: { kind: 'gate.pass' }, consolidate: { kind: 'consolidate.noop' }, learn: { kind: 'learn.noop' } } as const;
const fixed = (maxAttempts: number, ms: number) => ({ maxAttempts, backoff: { type: 'fixed' as const, initialMs: ms, maxMs: ms, multiplier: 1 } });
const template = (name: string, stages: WorkflowTemplateInput['stages']): WorkflowTemplateInput => ({ name, version: 1, stages, ...system });

const templates: WorkflowTemplateInput[] = [
  template('rf-retry', [
    { id: 'flaky', kind: 'echo', params: { failAttempts: 2 }, retry: fixed(3, 50) },
    { id: 'after', kind: 'rec', dependsOn: ['flaky'] },
  ]),
  template('rf-fallback', [
    { id: 'primary', kind: 'always-fails', retry: fixed(2, 50), fallback: 'rescue' },
    { id: 'after', kind: 'rec', dependsOn: ['primary'] },
  ]),
  template('rf-both-fail', [
    { id: 'doomed', kind: 'always-fails', retry: fixed(2, 50), fallback: 'rescue-fails' },
    { id: 'after', kind: 'rec', dependsOn: ['doomed'] },
  ]),
  // A retry would wait 5 s: a non-retryable failure must not.
  template('rf-fatal-fallback', [
    { id: 'fatal', kind: 'fatal', retry: fixed(5, 5000), fallback: 'rescue' },
    { id: 'after', kind: 'rec', dependsOn: ['fatal'] },
  ]),
  template('rf-fatal', [
    { id: 'fatal', kind: 'fatal', retry: fixed(5, 5000), params: { waitForSibling: true } },
    { id: 'sibling', kind: 'hang' },
    { id: 'after', kind: 'rec', dependsOn: ['fatal', 'sibling'] },
  ]),
  template('rf-timeout', [
    { id: 'slow', kind: 'hang-first', timeoutMs: 100, retry: fixed(2, 50) },
    { id: 'after', kind: 'rec', dependsOn: ['slow'] },
  ]),
  template('rf-timeout-spent', [{ id: 'slow', kind: 'hang', timeoutMs: 100, retry: fixed(1, 50) }]),
];

type Row = Record<string, unknown>;

async function rows(p: TestPlatform, sql: string, params: unknown[]): Promise<Row[]> {
  return ((await p.db.orm.em.getKnex().raw(sql, params as never)) as { rows: Row[] }).rows;
}

/** A stage's results, by attempt. */
const resultsOf = (p: TestPlatform, runId: string, stageId: string) => rows(
  p, 'select key, attempt, kind, ok, error, retryable, output, started_at, finished_at from stage_result where run_id = ? and stage_id = ? order by attempt', [runId, stageId],
);

/** The run's outbox effects of one kind. */
const effects = async (p: TestPlatform, runId: string, kind: string) =>
  (await rows(p, 'select payload from run_outbox where run_id = ? and kind = ? order by seq', [runId, kind])).map((r) => r.payload as Record<string, unknown>);

describe.each(ADAPTERS)('retries and fallbacks (%s)', (adapter) => {
  const h = handlers();
  const platform = usePlatform({ adapter, handlers: h.list, templates });

  async function run(template: string, until: (r: { status: string }) => boolean) {
    const p = platform.current;
    const { key } = await p.tenant();
    const started = Date.now();
    const runId = await startRun(p, key, { taskId: await seedTask(p, key), mode: 'autopilot', template: `${template}@1` });
    const done = await waitForRun(p, key, runId, until);
    return { p, key, runId, done, elapsed: Date.now() - started, stage: (id: string) => done.stages.find((s) => s.stageId === id) };
  }

  it('retries a retryable failure after the backoff until an attempt succeeds (attempt 3 of 3)', async () => {
    const { p, key, runId, stage } = await run('rf-retry', (r) => r.status === 'completed');
    expect(stage('flaky')).toMatchObject({ status: 'succeeded', attempt: 3, usingFallback: false, kind: 'echo' });

    const sr = stageRunId(runId, 'flaky', 0);
    const results = await resultsOf(p, runId, 'flaky');
    expect(results.map((r) => [r.key, r.attempt, r.ok, r.error])).toEqual([
      [`${runId}:${sr}:1`, 1, false, 'flaky: configured failure on attempt 1'],
      [`${runId}:${sr}:2`, 2, false, 'flaky: configured failure on attempt 2'],
      [`${runId}:${sr}:3`, 3, true, null],
    ]);
    // Each retry waited for its backoff timer.
    expect((await effects(p, runId, 'armTimer')).filter((t) => t.purpose === 'retry').map((t) => t.timerId)).toEqual([`${sr}:1:retry`, `${sr}:2:retry`]);
    const timeline = (await p.call(key, { method: 'GET', url: `/v2/runs/${runId}/timeline?limit=100` })).json().items as Array<{ type: string; payload: { timerId?: string } }>;
    expect(timeline.filter((e) => e.type === 'TIMER.FIRED').map((e) => e.payload.timerId)).toEqual([`${sr}:1:retry`, `${sr}:2:retry`]);
    for (const n of [1, 2]) {
      const gap = new Date(results[n]?.started_at as string).getTime() - new Date(results[n - 1]?.finished_at as string).getTime();
      expect(gap, `wait before attempt ${n + 1}`).toBeGreaterThanOrEqual(45);
    }
    // The downstream stage ran once, on the successful attempt's output.
    const after = h.of(runId).filter((c) => c.stageId === 'after');
    expect(after).toHaveLength(1);
    expect(after[0]?.upstream.flaky).toEqual(results[2]?.output);
  });

  it('switches to the fallback once the attempts are spent; the fallback\'s output is the stage\'s', async () => {
    const { p, runId, done, stage } = await run('rf-fallback', (r) => r.status === 'completed');
    expect(done.diagnosis).toBeNull();
    expect(stage('primary')).toMatchObject({ status: 'succeeded', attempt: 3, usingFallback: true, kind: 'rescue', lastError: 'primary down (attempt 2)' });

    const results = await resultsOf(p, runId, 'primary');
    expect(results.map((r) => [r.attempt, r.kind, r.ok, r.error])).toEqual([
      [1, 'always-fails', false, 'primary down (attempt 1)'],
      [2, 'always-fails', false, 'primary down (attempt 2)'],
      [3, 'rescue', true, null],
    ]);
    expect(new Set(results.map((r) => r.key)).size).toBe(3);
    expect(h.of(runId).filter((c) => c.stageId === 'primary').map((c) => `${c.kind}#${c.attempt}`)).toEqual(['always-fails#1', 'always-fails#2', 'rescue#3']);
    // One retry timer (after attempt 1); the fallback is dispatched without waiting.
    expect((await effects(p, runId, 'armTimer')).filter((t) => t.purpose === 'retry')).toHaveLength(1);
    expect((await effects(p, runId, 'dispatch')).filter((d) => d.stageId === 'primary').map((d) => [d.attempt, d.kind])).toEqual([[1, 'always-fails'], [2, 'always-fails'], [3, 'rescue']]);
    expect(h.of(runId).find((c) => c.stageId === 'after')?.upstream).toEqual({ primary: { rescued: true, attempt: 3 } });
  });

  it('fails the run with a diagnosis when the primary and the fallback both fail', async () => {
    const { p, runId, done, stage } = await run('rf-both-fail', (r) => r.status === 'failed');
    expect(done.diagnosis).toEqual({
      reason: 'stage_failed',
      message: 'stage doomed failed after 3 attempt(s) (fallback rescue-fails also failed): fallback down too (attempt 3)',
      stageId: 'doomed',
      kind: 'rescue-fails',
      attempts: 3,
      errors: ['primary down (attempt 1)', 'primary down (attempt 2)', 'fallback down too (attempt 3)'],
    });
    expect(done.finishedAt).toBeTruthy();
    expect(stage('doomed')).toMatchObject({ status: 'failed', attempt: 3, usingFallback: true, kind: 'rescue-fails', lastError: 'fallback down too (attempt 3)' });
    expect(stage('after')).toMatchObject({ status: 'cancelled', attempt: 0 });
    expect((await resultsOf(p, runId, 'doomed')).map((r) => [r.attempt, r.kind, r.ok])).toEqual([[1, 'always-fails', false], [2, 'always-fails', false], [3, 'rescue-fails', false]]);
    expect((await effects(p, runId, 'dispatch')).map((d) => d.stageId)).toEqual(['doomed', 'doomed', 'doomed']);
    expect(h.of(runId).some((c) => c.stageId === 'after')).toBe(false);
    const audit = await rows(p, "select details from audit_event where target_id = ? and action = 'run.transition' order by id", [runId]);
    expect(audit.map((a) => (a.details as { to: string }).to)).toEqual(['running.executing', 'failed']);
  });

  it('a non-retryable failure goes straight to the fallback, without a retry', async () => {
    const { p, runId, stage, elapsed } = await run('rf-fatal-fallback', (r) => r.status === 'completed');
    expect(elapsed).toBeLessThan(4000); // a retry would have waited 5 s
    expect(stage('fatal')).toMatchObject({ status: 'succeeded', attempt: 2, usingFallback: true, kind: 'rescue' });
    expect((await resultsOf(p, runId, 'fatal')).map((r) => [r.attempt, r.kind, r.ok, r.retryable, r.error])).toEqual([
      [1, 'fatal', false, false, 'bad input: cannot be retried'],
      [2, 'rescue', true, null, null],
    ]);
    expect((await effects(p, runId, 'armTimer')).filter((t) => t.purpose === 'retry')).toEqual([]);
  });

  it('a non-retryable failure without a fallback fails the run at once and aborts the stages in flight', async () => {
    const { p, runId, done, stage, elapsed } = await run('rf-fatal', (r) => r.status === 'failed');
    expect(elapsed).toBeLessThan(4000);
    expect(done.diagnosis).toEqual({
      reason: 'stage_failed', message: 'stage fatal failed after 1 attempt(s): bad input: cannot be retried',
      stageId: 'fatal', kind: 'fatal', attempts: 1, errors: ['bad input: cannot be retried'],
    });
    expect(stage('fatal')).toMatchObject({ status: 'failed', attempt: 1, usingFallback: false });
    expect(h.of(runId).filter((c) => c.stageId === 'fatal')).toHaveLength(1);
    expect((await effects(p, runId, 'armTimer')).filter((t) => t.purpose === 'retry')).toEqual([]);

    // The sibling in flight is aborted; nothing downstream runs.
    expect((await effects(p, runId, 'abort')).map((a) => [a.stageRunId, a.attempt])).toEqual([[stageRunId(runId, 'sibling', 0), 1]]);
    const sibling = h.of(runId).find((c) => c.stageId === 'sibling');
    for (let i = 0; i < 100 && !sibling?.abortedAt; i++) await sleep(20);
    expect(sibling?.abortReason).toMatch(/abort/i);
    expect(stage('after')).toMatchObject({ status: 'cancelled', attempt: 0 });
  });

  // Regression (fixed): same root cause as in test/scenarios/cancel: the StageRuns a failing run stops are left in
  // their last state ('running' here) instead of 'cancelled' (src/actors/batch-builder.ts
  // stageChanges never sees them as stopped, because src/actors/machine-runtime.ts records the
  // 'stopped' snapshot of the child with its unchanged state value).
  it('the stages in flight when a run fails become cancelled', async () => {
    const { stage } = await run('rf-fatal', (r) => r.status === 'failed');
    expect(stage('sibling')).toMatchObject({ status: 'cancelled' });
  });

  it('an attempt that outlives timeoutMs is aborted and retried', async () => {
    const { p, runId, stage } = await run('rf-timeout', (r) => r.status === 'completed');
    const calls = h.of(runId).filter((c) => c.stageId === 'slow');
    expect(calls.map((c) => c.attempt)).toEqual([1, 2]);
    const first = calls[0] as Call;
    expect(first.abortReason).toMatch(/timed out after 100 ms|aborted/);
    expect((first.abortedAt ?? Infinity) - first.startedAt).toBeLessThan(3000);
    expect(calls[1]?.abortedAt).toBeNull();

    expect(stage('slow')).toMatchObject({ status: 'succeeded', attempt: 2, usingFallback: false });
    expect(stage('slow')?.lastError).toMatch(/timed out after 100 ms/);
    const sr = stageRunId(runId, 'slow', 0);
    expect((await effects(p, runId, 'armTimer')).filter((t) => t.purpose === 'timeout').map((t) => t.timerId)).toEqual([`${sr}:1:timeout`, `${sr}:2:timeout`]);
    const ok = (await resultsOf(p, runId, 'slow')).filter((r) => r.ok);
    expect(ok.map((r) => [r.attempt, r.output])).toEqual([[2, { finally: true, attempt: 2 }]]);
    expect(h.of(runId).find((c) => c.stageId === 'after')?.upstream).toEqual({ slow: { finally: true, attempt: 2 } });
  });

  it('a timeout on the last attempt fails the run with the timeout as the error', async () => {
    const { runId, done } = await run('rf-timeout-spent', (r) => r.status === 'failed');
    expect(done.diagnosis).toMatchObject({ reason: 'stage_failed', stageId: 'slow', kind: 'hang', attempts: 1 });
    const errors = (done.diagnosis as { errors: string[] }).errors;
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/timed out after 100 ms/);
    const call = h.of(runId).find((c) => c.stageId === 'slow');
    for (let i = 0; i < 100 && !call?.abortedAt; i++) await sleep(20);
    expect(call?.abortedAt).not.toBeNull();
  });
});
