import { describe, expect, it } from 'vitest';
import type { StageHandler } from '../../../src/contracts/execution.js';
import type { WorkflowTemplateInput } from '../../../src/planner/template.js';
import { ADAPTERS, command, seedTask, startRun, usePlatform, waitForRun, type TestPlatform } from '../../helpers/test-engine.js';

/** One attempt of the `hang` handler: it waits until its AbortSignal fires. */
interface HangCall {
  runId: string;
  stageId: string;
  attempt: number;
  startedAt: number;
  /** Resolves with the abort reason's message when the attempt's signal fires. */
  aborted: Promise<string>;
  abortedAt: number | null;
}

/** `hang` never finishes on its own; `rec` records that it ran and succeeds. */
function handlers() {
  const hangs: HangCall[] = [];
  const ran: Array<{ runId: string; stageId: string; attempt: number }> = [];
  const list: StageHandler[] = [
    {
      kind: 'hang',
      description: 'waits for its AbortSignal, records the abort',
      run(input) {
        let onAbort: (reason: string) => void = () => {};
        const call: HangCall = {
          runId: input.runId, stageId: input.stageId, attempt: input.attempt, startedAt: Date.now(), abortedAt: null,
          aborted: new Promise<string>((resolve) => { onAbort = resolve; }),
        };
        hangs.push(call);
        return new Promise((_resolve, reject) => {
          const abort = () => {
            call.abortedAt = Date.now();
            const reason: unknown = input.signal.reason;
            onAbort(reason instanceof Error ? reason.message : String(reason));
            reject(reason instanceof Error ? reason : new Error('aborted'));
          };
          if (input.signal.aborted) abort();
          else input.signal.addEventListener('abort', abort, { once: true });
        });
      },
    },
    {
      kind: 'rec',
      description: 'records that it ran',
      async run(input) {
        ran.push({ runId: input.runId, stageId: input.stageId, attempt: input.attempt });
        return { output: { stage: input.stageId } };
      },
    },
  ];
  return { hangs, ran, list };
}

const system = { review: { kind: 'gate.pass' }, consolidate: { kind: 'consolidate.noop' }, learn: { kind: 'learn.noop' } } as const;

/** Two slow stages in parallel (one waits on its signal, one is echo with a 10 s delay), then `after`. */
const slowTemplate: WorkflowTemplateInput = {
  name: 'cancel-slow',
  version: 1,
  stages: [
    { id: 'prep', kind: 'rec' },
    { id: 'slow', kind: 'hang', dependsOn: ['prep'] },
    { id: 'slow-echo', kind: 'echo', dependsOn: ['prep'], params: { delayMs: 10_000 } },
    { id: 'after', kind: 'rec', dependsOn: ['slow', 'slow-echo'] },
  ],
  ...system,
};

/** A stage that fails and waits 600 ms before its retry. */
const retryWaitTemplate: WorkflowTemplateInput = {
  name: 'cancel-retry-wait',
  version: 1,
  stages: [
    { id: 'flaky', kind: 'echo', params: { failAttempts: 5 }, retry: { maxAttempts: 3, backoff: { type: 'fixed', initialMs: 600, maxMs: 600, multiplier: 1 } } },
    { id: 'after', kind: 'rec', dependsOn: ['flaky'] },
  ],
  ...system,
};

type Row = Record<string, unknown>;

async function rows(p: TestPlatform, sql: string, params: unknown[]): Promise<Row[]> {
  return ((await p.db.orm.em.getKnex().raw(sql, params as never)) as { rows: Row[] }).rows;
}

const within = <T>(promise: Promise<T>, ms: number, what: string) => Promise.race([
  promise,
  new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms)),
]);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The StageRuns of a run as GET /v2/runs/:id shows them (inside waitForRun predicates). */
const stagesOf = (run: Record<string, unknown>) => run.stages as Array<{ stageId: string; status: string }>;

describe.each(ADAPTERS)('cancel (%s)', (adapter) => {
  const h = handlers();
  const platform = usePlatform({ adapter, handlers: h.list, templates: [slowTemplate, retryWaitTemplate] });

  it('cancels a run while stages run: the attempts in flight are aborted and nothing later is dispatched', async () => {
    const p = platform.current;
    const { key } = await p.tenant();
    const runId = await startRun(p, key, { taskId: await seedTask(p, key), mode: 'autopilot', template: 'cancel-slow@1' });
    const running = await waitForRun(p, key, runId, (r) => stagesOf(r).filter((s) => s.stageId.startsWith('slow') && s.status === 'running').length === 2);
    // The StageRun is 'running' once the start is reported, a moment before the handler is called.
    for (let i = 0; i < 200 && !h.hangs.some((c) => c.runId === runId); i++) await sleep(10);
    const hang = h.hangs.find((c) => c.runId === runId);
    expect(hang).toMatchObject({ stageId: 'slow', attempt: 1, abortedAt: null });

    const sent = Date.now();
    const res = await command(p, key, runId, 'cancel', { reason: 'wrong brief' });
    expect(res.statusCode).toBe(202);
    expect(Date.now() - sent).toBeLessThan(2000);
    expect(res.json()).toMatchObject({ id: runId, status: 'cancelled', state: 'cancelled' });
    const version = (res.json() as { version: number }).version;
    expect(version).toBeGreaterThan(running.version);

    // The attempt in flight sees its AbortSignal fire, promptly.
    const reason = await within((hang as HangCall).aborted, 3000, 'the abort of the attempt in flight');
    expect(reason).toMatch(/abort/i);
    expect(((hang as HangCall).abortedAt ?? Infinity) - sent).toBeLessThan(3000);

    const run = await waitForRun(p, key, runId, (r) => r.status === 'cancelled');
    expect(run.finishedAt).toBeTruthy();
    expect(run.diagnosis).toBeNull();
    const stages = Object.fromEntries(run.stages.map((s) => [s.stageId, s.status]));
    expect(stages.prep).toBe('succeeded');
    expect(stages.after).toBe('cancelled');

    // Both attempts in flight were aborted; nothing after them was dispatched, then or later.
    await sleep(500);
    const outbox = await rows(p, 'select kind, payload from run_outbox where run_id = ? order by seq', [runId]);
    const dispatched = outbox.filter((o) => o.kind === 'dispatch').map((o) => (o.payload as { stageId: string }).stageId).sort();
    expect(dispatched).toEqual(['prep', 'slow', 'slow-echo']);
    expect(outbox.filter((o) => o.kind === 'abort').map((o) => (o.payload as { attempt: number }).attempt)).toEqual([1, 1]);
    expect(h.ran.filter((c) => c.runId === runId).map((c) => c.stageId)).toEqual(['prep']);
    expect(h.hangs.filter((c) => c.runId === runId)).toHaveLength(1);
    // The aborted attempts' outcomes do not move the cancelled run.
    const after = await waitForRun(p, key, runId, () => true);
    expect(after.version).toBe(version);

    const timeline = (await p.call(key, { method: 'GET', url: `/v2/runs/${runId}/timeline?limit=100` })).json().items as Array<{ type: string; payload: Row; to: string; stages: Array<{ stageId: string; from: string; to: string }> }>;
    const cancel = timeline.find((e) => e.type === 'CANCEL');
    expect(cancel?.payload).toEqual({ reason: 'wrong brief' });
    expect(cancel?.to).toBe('cancelled');
    const audit = await rows(p, 'select action, details from audit_event where target_id = ? order by id', [runId]);
    expect(audit.filter((a) => a.action === 'run.cancel')).toHaveLength(1);
    expect(audit.filter((a) => a.action === 'run.transition').map((a) => (a.details as { to: string }).to).at(-1)).toBe('cancelled');
  });

  it('cancels a run waiting out a retry backoff: the retry timer does nothing afterwards', async () => {
    const p = platform.current;
    const { key } = await p.tenant();
    const runId = await startRun(p, key, { taskId: await seedTask(p, key), mode: 'autopilot', template: 'cancel-retry-wait@1' });
    await waitForRun(p, key, runId, (r) => stagesOf(r).some((s) => s.stageId === 'flaky' && s.status === 'retry_wait'));

    const res = await command(p, key, runId, 'cancel', { reason: 'stop retrying' });
    expect(res.json()).toMatchObject({ status: 'cancelled' });
    await sleep(900); // past the 600 ms backoff
    const run = await waitForRun(p, key, runId, () => true);
    expect(run).toMatchObject({ status: 'cancelled', version: (res.json() as { version: number }).version });
    expect(run.stages.find((s) => s.stageId === 'flaky')?.attempt).toBe(1);
    expect(run.stages.find((s) => s.stageId === 'after')).toMatchObject({ status: 'cancelled', attempt: 0 });
    const dispatches = await rows(p, "select payload from run_outbox where run_id = ? and kind = 'dispatch'", [runId]);
    expect(dispatches.map((d) => (d.payload as { attempt: number }).attempt)).toEqual([1]);
    expect(await rows(p, 'select key from stage_result where run_id = ?', [runId])).toHaveLength(1);
  });

  // Regression (fixed): a cancel leaves the StageRuns it stopped in their last state ('running', 'queued',
  // 'retry_wait') instead of 'cancelled', and the CANCEL timeline entry lists no stage change.
  // BatchBuilder.stageChanges (src/actors/batch-builder.ts) marks a StageRun cancelled only when it
  // is neither live nor in the step's `stages` map, but MachineRuntime's inspector
  // (src/actors/machine-runtime.ts) records the child's last '@xstate.snapshot', which XState emits
  // when it processes xstate.stop: status 'stopped', value unchanged ('running'). So the StageRun is
  // in `stages`, `from === to`, and no row is written. Same for the siblings stopped when a run fails.
  it('the StageRuns a cancel stops (running, queued, retry_wait) become cancelled', async () => {
    const p = platform.current;
    const { key } = await p.tenant();
    const slowRun = await startRun(p, key, { taskId: await seedTask(p, key), mode: 'autopilot', template: 'cancel-slow@1' });
    const waitRun = await startRun(p, key, { taskId: await seedTask(p, key), mode: 'autopilot', template: 'cancel-retry-wait@1' });
    await waitForRun(p, key, slowRun, (r) => stagesOf(r).filter((s) => s.stageId.startsWith('slow') && s.status === 'running').length === 2);
    await waitForRun(p, key, waitRun, (r) => stagesOf(r).some((s) => s.stageId === 'flaky' && s.status === 'retry_wait'));
    expect((await command(p, key, slowRun, 'cancel', { reason: 'stop' })).statusCode).toBe(202);
    expect((await command(p, key, waitRun, 'cancel', { reason: 'stop' })).statusCode).toBe(202);

    const slow = await waitForRun(p, key, slowRun, (r) => r.status === 'cancelled');
    expect(Object.fromEntries(slow.stages.map((s) => [s.stageId, s.status]))).toEqual({ prep: 'succeeded', slow: 'cancelled', 'slow-echo': 'cancelled', after: 'cancelled' });
    expect(slow.stages.filter((s) => s.status === 'cancelled').every((s) => s.finishedAt !== null)).toBe(true);
    const waited = await waitForRun(p, key, waitRun, (r) => r.status === 'cancelled');
    expect(waited.stages.find((s) => s.stageId === 'flaky')).toMatchObject({ status: 'cancelled', attempt: 1 });

    const timeline = (await p.call(key, { method: 'GET', url: `/v2/runs/${slowRun}/timeline?limit=100` })).json().items as Array<{ type: string; stages: Array<{ stageId: string; from: string; to: string }> }>;
    const cancel = timeline.find((e) => e.type === 'CANCEL');
    expect(cancel?.stages.map((s) => `${s.stageId}:${s.from}->${s.to}`).sort()).toEqual(['slow-echo:running->cancelled', 'slow:running->cancelled']);
  });

  it('cancels a run waiting for approval; it then refuses approval', async () => {
    const p = platform.current;
    const { key } = await p.tenant();
    const runId = await startRun(p, key, { taskId: await seedTask(p, key), mode: 'supervised' });
    const waiting = await waitForRun(p, key, runId, (r) => r.status === 'waiting_approval');

    const res = await command(p, key, runId, 'cancel', { reason: 'campaign dropped' });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ id: runId, status: 'cancelled', state: 'cancelled', version: waiting.version + 1 });
    const run = await waitForRun(p, key, runId, (r) => r.status === 'cancelled');
    expect(run.finishedAt).toBeTruthy();
    // Finished stages keep their outcome (email only: the plan skipped visual-brief).
    expect(Object.fromEntries(run.stages.map((s) => [s.stageId, s.status]))).toEqual({
      brief: 'succeeded', research: 'succeeded', audience: 'succeeded', competitors: 'succeeded', draft: 'succeeded', 'visual-brief': 'skipped', $review: 'succeeded',
    });

    const approve = await command(p, key, runId, 'approve', {});
    expect(approve.statusCode).toBe(409);
    expect(approve.json().error).toMatchObject({ code: 'INVALID_STATE', details: { status: 'cancelled' } });
    expect((await waitForRun(p, key, runId, () => true)).version).toBe(waiting.version + 1);
  });

  it('refuses to cancel a completed run (409 INVALID_STATE)', async () => {
    const p = platform.current;
    const { key } = await p.tenant();
    const runId = await startRun(p, key, { taskId: await seedTask(p, key), mode: 'autopilot' });
    const done = await waitForRun(p, key, runId, (r) => r.status === 'completed');

    const res = await command(p, key, runId, 'cancel', { reason: 'too late' });
    expect(res.statusCode).toBe(409);
    expect(res.json().error).toMatchObject({ code: 'INVALID_STATE', details: { status: 'completed' } });
    const after = await waitForRun(p, key, runId, () => true);
    expect(after).toMatchObject({ status: 'completed', version: done.version });
    expect(await rows(p, "select key from command_record where run_id = ? and command = 'cancel'", [runId])).toHaveLength(0);
  });

  it('a cancel needs a reason (400) and changes nothing without one', async () => {
    const p = platform.current;
    const { key } = await p.tenant();
    const runId = await startRun(p, key, { taskId: await seedTask(p, key), mode: 'supervised' });
    const waiting = await waitForRun(p, key, runId, (r) => r.status === 'waiting_approval');

    for (const payload of [undefined, {}, { reason: '' }, { reason: '   ' }, { reason: 'x', extra: 1 }]) {
      const res = await command(p, key, runId, 'cancel', payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.json().error.code).toBe('VALIDATION_FAILED');
    }
    expect((await command(p, key, runId, 'cancel', {})).json().error.message).toMatch(/reason is required/);
    expect(await waitForRun(p, key, runId, () => true)).toMatchObject({ status: 'waiting_approval', version: waiting.version });
  });
});
