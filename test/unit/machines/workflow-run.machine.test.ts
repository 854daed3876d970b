/**
 * WorkflowRun: DAG scheduling, review and gate, approval with its deadline, rework rounds, cancel,
 * stage failure, cost, final states, and the exported `reworkSet`. Stages are driven by sending the
 * results a worker would report to the run (the root actor), as the run host does.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { stageRunId } from '../../../src/domain/run.js';
import { reworkSet } from '../../../src/machines/workflow-run.machine.js';
import { expectNoActorErrors, isAbort, isArmTimer, isDispatch, startRun, type RunHarness } from './_harness.js';
import { campaign, diamond, empty, fanOut, linear, plan, retry, single, stage, systemStage } from './_plans.js';

afterEach(expectNoActorErrors);

/** Runs a fresh run through its DAG to `running.reviewing`. */
function toReview(h: RunHarness): void {
  h.start();
  h.runDag();
  expect(h.value).toBe('running.reviewing');
}

/** Runs a fresh supervised run to `waiting_approval`. */
function toApproval(h: RunHarness): void {
  toReview(h);
  h.gate(true);
  expect(h.value).toBe('waiting_approval');
}

describe('WorkflowRun: queued and START', () => {
  it('is queued, with the whole DAG waiting, until START; nothing is dispatched', () => {
    const h = startRun(diamond());
    expect(h.value).toBe('queued');
    expect(h.effects).toEqual([]);
    expect(h.live()).toEqual([]);
    expect(h.context).toMatchObject({ round: 0, waiting: { a: 0, b: 1, c: 1, d: 2 }, remaining: 4, active: [], costUsd: 0, gate: null, diagnosis: null });
  });

  it('START enters running.executing and spawns only the root stages', () => {
    const h = startRun(campaign());
    h.start(10_000);
    expect(h.value).toBe('running.executing');
    expect(h.effects).toEqual([
      { type: 'dispatch', runId: 'r1', stageRunId: stageRunId('r1', 'research', 0), stageId: 'research', kind: 'echo', attempt: 1, round: 0, timeoutMs: null },
    ]);
    expect(h.live()).toEqual(['research']);
  });

  it('spawns every root stage of a DAG with several roots', () => {
    const h = startRun(plan([stage('x'), stage('y'), stage('z', { dependsOn: ['x', 'y'] })]));
    h.start();
    expect(h.takeDispatched()).toEqual(['x', 'y']);
  });

  it('names each StageRun child stageRunId(runId, stageId, round) and lists it as active', () => {
    const h = startRun(fanOut(), { runId: 'run-42' });
    h.start();
    const id = stageRunId('run-42', 'a', 0);
    expect(Object.keys(h.snapshot.children)).toEqual([id]);
    expect(h.context.active).toEqual([id]);
    expect(h.child('a')?.getSnapshot().context).toMatchObject({ runId: 'run-42', stageRunId: id, stageId: 'a', round: 0 });
  });

  it('ignores START once running', () => {
    const h = startRun(single());
    h.start();
    h.take();
    h.start();
    expect(h.take()).toEqual([]);
    expect(h.value).toBe('running.executing');
  });
});

describe('WorkflowRun: executing the DAG', () => {
  it('spawns a stage when its only dependency completes, and stops the completed one', () => {
    const h = startRun(linear());
    h.start();
    h.take();
    h.ok('a');
    expect(h.takeDispatched()).toEqual(['b']);
    expect(h.live()).toEqual(['b']);
    expect(h.context).toMatchObject({ remaining: 2, waiting: { c: 1 } });
  });

  it('spawns parallel stages together when their shared dependency completes', () => {
    const h = startRun(fanOut());
    h.start();
    h.take();
    h.ok('a');
    expect(h.takeDispatched()).toEqual(['b', 'c']);
    expect(h.live()).toEqual(['b', 'c']);
  });

  it('joins a diamond only when both branches complete', () => {
    const h = startRun(diamond());
    h.start();
    h.ok('a');
    h.take();
    h.ok('b');
    expect(h.takeDispatched()).toEqual([]);
    expect(h.context.waiting).toEqual({ d: 1 });
    h.ok('c');
    expect(h.takeDispatched()).toEqual(['d']);
    expect(h.value).toBe('running.executing');
  });

  it('completes a diamond whichever branch finishes first', () => {
    const h = startRun(diamond());
    h.start();
    h.ok('a');
    h.ok('c');
    h.ok('b');
    expect(h.live()).toEqual(['d']);
  });

  it('gives a stage spawned by a completion the completion time as its dispatch time', () => {
    const h = startRun(plan([stage('a'), stage('b', { dependsOn: ['a'], timeoutMs: 1_000 })]));
    h.start(1_000);
    h.take();
    h.ok('a', { at: 50_000 });
    expect(h.take().filter(isArmTimer)).toEqual([
      { type: 'armTimer', runId: 'r1', timerId: `${h.sid('b')}:1:timeout`, fireAt: 51_000, purpose: 'timeout' },
    ]);
  });

  it('goes to reviewing after the last DAG stage and dispatches $review with the plan\'s review kind', () => {
    const h = startRun(linear({ review: systemStage('$review', 'gate.strict') }));
    h.start();
    expect(h.runDag()).toEqual(['a', 'b', 'c']);
    expect(h.value).toBe('running.reviewing');
    const dispatched = h.take().filter(isDispatch).at(-1);
    expect(dispatched).toEqual({ type: 'dispatch', runId: 'r1', stageRunId: h.sid('$review'), stageId: '$review', kind: 'gate.strict', attempt: 1, round: 0, timeoutMs: null });
    expect(h.live()).toEqual(['$review']);
  });

  it('does not review before every DAG stage has succeeded (parallel tails)', () => {
    const h = startRun(fanOut());
    h.start();
    h.ok('a');
    h.ok('b');
    expect(h.value).toBe('running.executing');
    h.ok('c');
    expect(h.value).toBe('running.reviewing');
  });

  // Regression: waitingFor() counted unmet dependencies with `dependsOn.filter(...).length`, so a
  // dependency listed twice counted twice, while completeStage() decrements a dependent once per
  // completed stage (`dependsOn.includes(...)`). The planner accepted `dependsOn: ['a', 'a']` (no
  // uniqueness check), and such a run hung forever in running.executing with no live StageRun.
  it('counts a dependency listed twice once: the dependent still starts', () => {
    const h = startRun(plan([stage('a'), stage('b', { dependsOn: ['a', 'a'] }), stage('c', { dependsOn: ['b', 'a', 'b'] })]));
    expect(h.context.waiting).toEqual({ a: 0, b: 1, c: 2 });
    h.start();
    h.ok('a');
    expect(h.live()).toEqual(['b']);
    expect(h.context.waiting).toEqual({ c: 1 });
    h.ok('b');
    expect(h.live()).toEqual(['c']);
    h.ok('c');
    expect(h.value).toBe('running.reviewing');
  });

  it('counts a dependency listed twice once in a rework round too', () => {
    const h = startRun(plan([stage('a'), stage('b', { dependsOn: ['a', 'a'] })]), { mode: 'supervised' });
    toApproval(h);
    h.take();
    h.rework('again', ['a']);
    expect(h.context).toMatchObject({ round: 1, remaining: 2, waiting: { b: 1 } });
    expect(h.runDag()).toEqual(['a', 'b']);
    expect(h.value).toBe('running.reviewing');
  });

  it('goes straight to review on START when the plan has no DAG stages', () => {
    const h = startRun(empty());
    h.start();
    expect(h.value).toBe('running.reviewing');
    expect(h.takeDispatched()).toEqual(['$review']);
  });
});

describe('WorkflowRun: review', () => {
  it('autopilot: a passed gate goes on to consolidating, learning, then completed', () => {
    const h = startRun(single(), { mode: 'autopilot' });
    toReview(h);
    h.take();
    h.gate(true);
    expect(h.value).toBe('running.consolidating');
    expect(h.takeDispatched()).toEqual(['$consolidate']);
    h.ok('$consolidate');
    expect(h.value).toBe('running.learning');
    expect(h.takeDispatched()).toEqual(['$learn']);
    h.ok('$learn');
    expect(h.value).toBe('completed');
    expect(h.status).toBe('done');
    expect(h.context.gate).toEqual({ passed: true });
    expect(h.snapshot.children).toEqual({});
  });

  it('keeps the review verdict (score, notes) in context', () => {
    const h = startRun(single(), { mode: 'autopilot' });
    toReview(h);
    h.ok('$review', { summary: { gate: { passed: true, score: 0.93, notes: 'crisp' } } });
    expect(h.context.gate).toEqual({ passed: true, score: 0.93, notes: 'crisp' });
  });

  it('autopilot: a review without a gate verdict counts as passed', () => {
    const h = startRun(single(), { mode: 'autopilot' });
    toReview(h);
    h.ok('$review');
    expect(h.value).toBe('running.consolidating');
    expect(h.context.gate).toEqual({ passed: true });
  });

  it('supervised: a passed gate waits for approval with an approval-deadline timer', () => {
    const h = startRun(single({ approvalDeadlineMs: 60_000 }), { mode: 'supervised' });
    toReview(h);
    h.take();
    h.gate(true, { at: 500_000 });
    expect(h.value).toBe('waiting_approval');
    expect(h.take()).toEqual([{ type: 'armTimer', runId: 'r1', timerId: 'r1:approval:1', fireAt: 560_000, purpose: 'approval_deadline' }]);
    expect(h.context).toMatchObject({ approvals: 1, deadlineTimerId: 'r1:approval:1', active: [] });
    expect(h.snapshot.children).toEqual({});
  });

  it('supervised: arms no deadline when approvalDeadlineMs is null', () => {
    const h = startRun(single({ approvalDeadlineMs: null }), { mode: 'supervised' });
    toReview(h);
    h.take();
    h.gate(true);
    expect(h.value).toBe('waiting_approval');
    expect(h.take()).toEqual([]);
    expect(h.context).toMatchObject({ approvals: 1, deadlineTimerId: null });
  });

  it('a failed gate with rounds left re-runs the content stages (and their dependents) in a new round', () => {
    const h = startRun(campaign(), { mode: 'autopilot' });
    toReview(h);
    const round0 = { draft: h.sid('draft'), review: h.sid('$review') };
    h.take();
    h.gate(false, { notes: 'off-brand' });
    expect(h.value).toBe('running.executing');
    expect(h.round).toBe(1);
    expect(h.context).toMatchObject({ gate: null, remaining: 4, waiting: { edit: 1, images: 1, publish: 2 } });
    const dispatched = h.take().filter(isDispatch);
    expect(dispatched.map((d) => [d.stageId, d.round])).toEqual([['draft', 1]]);
    expect(dispatched[0]?.stageRunId).toBe(stageRunId('r1', 'draft', 1));
    expect(dispatched[0]?.stageRunId).not.toBe(round0.draft);
    expect(h.runDag()).toEqual(['draft', 'edit', 'images', 'publish']);
    expect(h.value).toBe('running.reviewing');
    expect(h.live()).toEqual(['$review']);
    expect(h.sid('$review')).not.toBe(round0.review);
    expect(h.take().filter(isDispatch).map((d) => d.stageId)).not.toContain('research');
  });

  it('a failed gate with rounds left goes back to review directly when there is nothing to re-run', () => {
    const h = startRun(plan([stage('a', { content: false })]), { mode: 'autopilot' });
    toReview(h);
    h.take();
    h.gate(false);
    expect(h.value).toBe('running.reviewing');
    expect(h.round).toBe(1);
    expect(h.take().filter(isDispatch)).toEqual([expect.objectContaining({ stageId: '$review', round: 1 })]);
  });

  it('a failed gate with no rounds left hands a supervised run to a person, with the gate report on the run', () => {
    const h = startRun(single({ maxReworkRounds: 0 }), { mode: 'supervised' });
    toReview(h);
    h.gate(false, { notes: 'too long' });
    expect(h.value).toBe('waiting_approval');
    expect(h.context.gate).toEqual({ passed: false, notes: 'too long' });
    expect(h.context.diagnosis).toBeNull();
  });

  it('a failed gate with no rounds left fails an autopilot run with reason gate_failed', () => {
    const h = startRun(single({ maxReworkRounds: 0 }), { mode: 'autopilot' });
    toReview(h);
    h.gate(false, { notes: 'too long' });
    expect(h.value).toBe('failed');
    expect(h.status).toBe('done');
    expect(h.context.diagnosis).toEqual({ reason: 'gate_failed', message: 'quality review failed in round 0 and no rework rounds are left (max 0): too long' });
    expect(h.context.gate).toEqual({ passed: false, notes: 'too long' });
  });

  it('fails with gate_failed once every rework round has been used by failed gates', () => {
    const h = startRun(single({ maxReworkRounds: 1 }), { mode: 'autopilot' });
    toReview(h);
    h.gate(false);
    h.runDag();
    h.gate(false);
    expect(h.value).toBe('failed');
    expect(h.context.diagnosis).toEqual({ reason: 'gate_failed', message: 'quality review failed in round 1 and no rework rounds are left (max 1)' });
  });
});

describe('WorkflowRun: approval', () => {
  it('APPROVE goes on to consolidating and clears the deadline', () => {
    const h = startRun(single(), { mode: 'supervised' });
    toApproval(h);
    h.take();
    h.approve();
    expect(h.value).toBe('running.consolidating');
    expect(h.context.deadlineTimerId).toBeNull();
    expect(h.takeDispatched()).toEqual(['$consolidate']);
    h.ok('$consolidate');
    h.ok('$learn');
    expect(h.value).toBe('completed');
  });

  it('REQUEST_REWORK without stages re-runs the content stages and their dependents, not their upstream', () => {
    const h = startRun(campaign(), { mode: 'supervised' });
    toApproval(h);
    h.take();
    h.rework('make it punchier');
    expect(h.value).toBe('running.executing');
    expect(h.round).toBe(1);
    expect(h.context).toMatchObject({ remaining: 4, deadlineTimerId: null, gate: null });
    expect(h.takeDispatched()).toEqual(['draft']);
    h.runDag();
    expect(h.value).toBe('running.reviewing');
  });

  it('REQUEST_REWORK with stages re-runs the named stages and their dependents only', () => {
    const h = startRun(campaign(), { mode: 'supervised' });
    toApproval(h);
    h.take();
    h.rework('fix the copy edit', ['edit']);
    expect(h.context).toMatchObject({ round: 1, remaining: 2, waiting: { publish: 1 } });
    expect(h.takeDispatched()).toEqual(['edit']);
    h.ok('edit');
    expect(h.takeDispatched()).toEqual(['publish']);
    h.ok('publish');
    expect(h.value).toBe('running.reviewing');
    expect(h.takeDispatched()).toEqual(['$review']);
  });

  it('REQUEST_REWORK of a stage in the middle of a chain does not re-run its upstream', () => {
    const h = startRun(linear(), { mode: 'supervised' });
    toApproval(h);
    h.take();
    h.rework('redo b', ['b']);
    expect(h.takeDispatched()).toEqual(['b']);
    expect(h.runDag()).toEqual(['b', 'c']);
  });

  it('returns to waiting_approval after the rework with a new deadline timer', () => {
    const h = startRun(single({ approvalDeadlineMs: 1_000 }), { mode: 'supervised' });
    toApproval(h);
    h.rework('again');
    h.runDag();
    h.take();
    h.gate(true, { at: 9_000_000 });
    expect(h.value).toBe('waiting_approval');
    expect(h.take()).toEqual([{ type: 'armTimer', runId: 'r1', timerId: 'r1:approval:2', fireAt: 9_001_000, purpose: 'approval_deadline' }]);
  });

  it('fails with rework_limit when rework is requested past maxReworkRounds', () => {
    const h = startRun(single({ maxReworkRounds: 1 }), { mode: 'supervised' });
    toApproval(h);
    h.rework('once');
    h.runDag();
    h.gate(true);
    expect(h.value).toBe('waiting_approval');
    h.take();
    h.rework('twice');
    expect(h.value).toBe('failed');
    expect(h.take()).toEqual([]);
    expect(h.context.diagnosis).toEqual({ reason: 'rework_limit', message: 'rework requested after 1 rework round(s); the template allows 1' });
    expect(h.context.deadlineTimerId).toBeNull();
  });

  it('fails with rework_limit on the first rework when no rework rounds are allowed', () => {
    const h = startRun(single({ maxReworkRounds: 0 }), { mode: 'supervised' });
    toApproval(h);
    h.rework('no');
    expect(h.value).toBe('failed');
    expect(h.context.diagnosis?.reason).toBe('rework_limit');
  });

  it('pauses when its approval deadline fires', () => {
    const h = startRun(single(), { mode: 'supervised' });
    toApproval(h);
    h.fire('r1:approval:1');
    expect(h.value).toBe('paused');
    expect(h.context.deadlineTimerId).toBeNull();
    expect(h.status).toBe('active');
  });

  it('ignores timers that are not its current deadline while waiting for approval', () => {
    const h = startRun(single(), { mode: 'supervised' });
    toApproval(h);
    h.fire('r1:approval:2');
    h.fire('other-run:approval:1');
    h.fire(`${h.sid('a')}:1:timeout`);
    expect(h.value).toBe('waiting_approval');
  });

  it('RESUME waits for approval again with a new deadline timer; the old one no longer pauses it', () => {
    const h = startRun(single({ approvalDeadlineMs: 60_000 }), { mode: 'supervised' });
    toApproval(h);
    h.fire('r1:approval:1');
    h.take();
    h.resume(7_000_000);
    expect(h.value).toBe('waiting_approval');
    expect(h.take()).toEqual([{ type: 'armTimer', runId: 'r1', timerId: 'r1:approval:2', fireAt: 7_060_000, purpose: 'approval_deadline' }]);
    expect(h.context).toMatchObject({ approvals: 2, deadlineTimerId: 'r1:approval:2' });
    h.fire('r1:approval:1');
    expect(h.value).toBe('waiting_approval');
    h.fire('r1:approval:2');
    expect(h.value).toBe('paused');
  });

  it('APPROVE from paused goes on to consolidating', () => {
    const h = startRun(single(), { mode: 'supervised' });
    toApproval(h);
    h.fire('r1:approval:1');
    h.take();
    h.approve();
    expect(h.value).toBe('running.consolidating');
    expect(h.takeDispatched()).toEqual(['$consolidate']);
  });

  it('REQUEST_REWORK from paused starts a rework round, like waiting_approval does', () => {
    const h = startRun(campaign(), { mode: 'supervised' });
    toApproval(h);
    h.fire('r1:approval:1');
    expect(h.value).toBe('paused');
    h.take();
    h.rework('late feedback', ['edit']);
    expect(h.value).toBe('running.executing');
    expect(h.context).toMatchObject({ round: 1, remaining: 2, waiting: { publish: 1 }, deadlineTimerId: null, gate: null, diagnosis: null });
    expect(h.take().filter(isDispatch)).toEqual([expect.objectContaining({ stageId: 'edit', round: 1, stageRunId: stageRunId('r1', 'edit', 1) })]);
    expect(h.runDag()).toEqual(['edit', 'publish']);
    h.take();
    h.gate(true, { at: 8_000_000 });
    expect(h.value).toBe('waiting_approval');
    expect(h.take()).toEqual([{ type: 'armTimer', runId: 'r1', timerId: 'r1:approval:2', fireAt: 8_000_000 + 3_600_000, purpose: 'approval_deadline' }]);
  });

  it('REQUEST_REWORK from paused without stages re-runs the content stages and their dependents', () => {
    const h = startRun(campaign(), { mode: 'supervised' });
    toApproval(h);
    h.fire('r1:approval:1');
    h.take();
    h.rework('start over');
    expect(h.context).toMatchObject({ round: 1, remaining: 4 });
    expect(h.takeDispatched()).toEqual(['draft']);
  });

  it('fails with rework_limit when rework is requested from paused past maxReworkRounds', () => {
    const h = startRun(single({ maxReworkRounds: 1 }), { mode: 'supervised' });
    toApproval(h);
    h.rework('once');
    h.runDag();
    h.gate(true);
    h.fire('r1:approval:2');
    expect(h.value).toBe('paused');
    h.take();
    h.rework('twice');
    expect(h.value).toBe('failed');
    expect(h.status).toBe('done');
    expect(h.take()).toEqual([]);
    expect(h.context.diagnosis).toEqual({ reason: 'rework_limit', message: 'rework requested after 1 rework round(s); the template allows 1' });
    expect(h.round).toBe(1);
  });

  it('fails with rework_limit on a rework from paused when no rework rounds are allowed', () => {
    const h = startRun(single({ maxReworkRounds: 0 }), { mode: 'supervised' });
    toApproval(h);
    h.fire('r1:approval:1');
    h.rework('no');
    expect(h.value).toBe('failed');
    expect(h.context.diagnosis).toEqual({ reason: 'rework_limit', message: 'rework requested after 0 rework round(s); the template allows 0' });
  });

  it('REQUEST_REWORK naming only unknown or system stages re-runs the content stages (as when none is named)', () => {
    const h = startRun(campaign(), { mode: 'supervised' });
    toApproval(h);
    h.take();
    h.rework('fix it', ['nope', '$review']);
    expect(h.value).toBe('running.executing');
    expect(h.context).toMatchObject({ round: 1, remaining: 4, waiting: { edit: 1, images: 1, publish: 2 } });
    expect(h.takeDispatched()).toEqual(['draft']);
    expect(h.runDag()).toEqual(['draft', 'edit', 'images', 'publish']);
    expect(h.value).toBe('running.reviewing');
  });

  it('ignores APPROVE, REQUEST_REWORK and RESUME where they do not apply', () => {
    const h = startRun(linear(), { mode: 'supervised' });
    h.approve();
    h.resume();
    expect(h.value).toBe('queued');
    h.start();
    h.take();
    h.approve();
    h.rework('early');
    h.resume();
    expect(h.value).toBe('running.executing');
    expect(h.take()).toEqual([]);
    expect(h.round).toBe(0);
  });
});

describe('WorkflowRun: cancel', () => {
  it('cancels a queued run with the reason', () => {
    const h = startRun(linear());
    h.cancel('changed my mind');
    expect(h.value).toBe('cancelled');
    expect(h.status).toBe('done');
    expect(h.context.cancelReason).toBe('changed my mind');
    expect(h.effects).toEqual([]);
  });

  it('cancels a running run, aborting the attempts in flight (queued or running) and stopping every child', () => {
    const h = startRun(plan([stage('a'), stage('q', { dependsOn: ['a'] }), stage('r', { dependsOn: ['a'] }), stage('w', { dependsOn: ['a'], retry: retry(2) })]));
    h.start();
    h.ok('a');
    h.stageStarted('r');
    h.fail('w', 'flaky', { retryable: true });
    expect([h.childState('q'), h.childState('r'), h.childState('w')]).toEqual(['queued', 'running', 'retry_wait']);
    h.take();
    const children = h.children();
    h.cancel('budget');
    expect(h.value).toBe('cancelled');
    expect(children.map((c) => c.getSnapshot().status)).toEqual(['stopped', 'stopped', 'stopped']);
    expect(h.take()).toEqual([
      { type: 'abort', runId: 'r1', stageRunId: h.sid('q'), attempt: 1 },
      { type: 'abort', runId: 'r1', stageRunId: h.sid('r'), attempt: 1 },
    ]);
    expect(h.snapshot.children).toEqual({});
    expect(h.context).toMatchObject({ active: [], cancelReason: 'budget' });
  });

  it('aborts the current attempt number of a retried stage', () => {
    const h = startRun(plan([stage('a', { retry: retry(3) })]));
    h.start();
    h.fail('a', 'e1', { retryable: true });
    h.fire(`${h.sid('a')}:1:retry`);
    h.take();
    h.cancel('stop');
    expect(h.take()).toEqual([{ type: 'abort', runId: 'r1', stageRunId: h.sid('a'), attempt: 2 }]);
  });

  it('cancels during review, aborting $review', () => {
    const h = startRun(single());
    toReview(h);
    h.take();
    h.cancel('stop');
    expect(h.value).toBe('cancelled');
    expect(h.take()).toEqual([{ type: 'abort', runId: 'r1', stageRunId: h.sid('$review'), attempt: 1 }]);
  });

  it('cancels a run waiting for approval', () => {
    const h = startRun(single(), { mode: 'supervised' });
    toApproval(h);
    h.take();
    h.cancel('rejected');
    expect(h.value).toBe('cancelled');
    expect(h.take()).toEqual([]);
    expect(h.context).toMatchObject({ cancelReason: 'rejected', deadlineTimerId: null });
  });

  it('cancels a paused run', () => {
    const h = startRun(single(), { mode: 'supervised' });
    toApproval(h);
    h.fire('r1:approval:1');
    h.cancel('stale');
    expect(h.value).toBe('cancelled');
    expect(h.context.cancelReason).toBe('stale');
  });
});

describe('WorkflowRun: stage failure', () => {
  it('fails the run with the stage\'s diagnosis and aborts the other live stages', () => {
    const h = startRun(plan([stage('a'), stage('b', { dependsOn: ['a'] }), stage('c', { dependsOn: ['a'] }), stage('d', { dependsOn: ['b', 'c'] })]));
    h.start();
    h.ok('a');
    h.stageStarted('b');
    h.stageStarted('c');
    h.take();
    h.fail('b', 'model refused', { retryable: false });
    expect(h.value).toBe('failed');
    expect(h.status).toBe('done');
    expect(h.context.diagnosis).toEqual({
      reason: 'stage_failed', message: 'stage b failed after 1 attempt(s): model refused', stageId: 'b', kind: 'echo', attempts: 1, errors: ['model refused'],
    });
    expect(h.take()).toEqual([{ type: 'abort', runId: 'r1', stageRunId: h.sid('c'), attempt: 1 }]);
    expect(h.snapshot.children).toEqual({});
    expect(h.context.active).toEqual([]);
  });

  it('does not abort a stage that is waiting out a backoff (nothing in flight) but still stops it', () => {
    const h = startRun(fanOut({ stages: [stage('a'), stage('b', { dependsOn: ['a'], retry: retry(2) }), stage('c', { dependsOn: ['a'] })] }));
    h.start();
    h.ok('a');
    h.fail('b', 'flaky', { retryable: true });
    h.take();
    h.fail('c', 'fatal');
    expect(h.value).toBe('failed');
    expect(h.take().filter(isAbort)).toEqual([]);
    expect(h.snapshot.children).toEqual({});
  });

  it('fails the run when a system stage fails', () => {
    const h = startRun(single({ review: systemStage('$review', 'gate.llm', { fallbackKind: 'gate.rules' }) }));
    toReview(h);
    h.fail('$review', 'judge down');
    h.fail('$review', 'rules crashed', { attempt: 2 });
    expect(h.value).toBe('failed');
    expect(h.context.diagnosis).toMatchObject({
      reason: 'stage_failed', stageId: '$review', kind: 'gate.rules', attempts: 2, errors: ['judge down', 'rules crashed'],
      message: 'stage $review failed after 2 attempt(s) (fallback gate.rules also failed): rules crashed',
    });
  });

  it('fails the run when consolidation or learning fails', () => {
    for (const failing of ['$consolidate', '$learn'] as const) {
      const h = startRun(single(), { mode: 'autopilot' });
      toReview(h);
      h.gate(true);
      if (failing === '$learn') h.ok('$consolidate');
      h.fail(failing, 'disk full');
      expect(h.value).toBe('failed');
      expect(h.context.diagnosis?.stageId).toBe(failing);
    }
  });

  it('keeps running while a failing stage still has attempts left', () => {
    const h = startRun(single({ stages: [stage('a', { retry: retry(2) })] }));
    h.start();
    h.fail('a', 'flaky', { retryable: true });
    expect(h.value).toBe('running.executing');
    expect(h.childState('a')).toBe('retry_wait');
  });
});

describe('WorkflowRun: cost', () => {
  it('accumulates costUsd across DAG stages, their failed attempts and the system stages', () => {
    const h = startRun(fanOut({ stages: [stage('a'), stage('b', { dependsOn: ['a'], retry: retry(2) }), stage('c', { dependsOn: ['a'] })] }), { mode: 'autopilot' });
    h.start();
    h.ok('a', { costUsd: 0.25 });
    expect(h.context.costUsd).toBe(0.25);
    h.fail('b', 'flaky', { retryable: true, costUsd: 0.125 });
    expect(h.context.costUsd).toBe(0.25);
    h.fire(`${h.sid('b')}:1:retry`);
    h.ok('b', { attempt: 2, costUsd: 0.5 });
    h.ok('c');
    expect(h.context.costUsd).toBe(0.875);
    h.gate(true, { costUsd: 0.0625 });
    h.ok('$consolidate', { costUsd: 1 });
    h.ok('$learn', { costUsd: 2 });
    expect(h.value).toBe('completed');
    expect(h.context.costUsd).toBe(3.9375);
  });

  it('counts the cost of the stage that failed the run', () => {
    const h = startRun(single());
    h.start();
    h.fail('a', 'fatal', { costUsd: 0.75 });
    expect(h.context.costUsd).toBe(0.75);
  });

  it('accumulates across rework rounds', () => {
    const h = startRun(single(), { mode: 'supervised' });
    h.start();
    h.ok('a', { costUsd: 1 });
    h.gate(true, { costUsd: 0.5 });
    h.rework('again');
    h.ok('a', { costUsd: 1 });
    expect(h.context.costUsd).toBe(2.5);
  });
});

describe('WorkflowRun: final states', () => {
  let warn: ReturnType<typeof vi.spyOn>;
  beforeEach(() => { warn = vi.spyOn(console, 'warn').mockImplementation(() => {}); });
  afterEach(() => { warn.mockRestore(); });

  function sendEverything(h: RunHarness): void {
    h.start();
    h.approve();
    h.rework('x');
    h.resume();
    h.cancel('late');
    h.ok('a');
    h.fail('a', 'late');
    h.gate(true);
    h.fire('r1:approval:1');
    h.fire(`${h.sid('a')}:1:retry`);
  }

  const finals: Array<[string, (h: RunHarness) => void]> = [
    ['completed', (h) => { h.start(); h.runDag(); h.gate(true); h.ok('$consolidate'); h.ok('$learn'); }],
    ['failed', (h) => { h.start(); h.fail('a', 'fatal'); }],
    ['cancelled', (h) => { h.cancel('stop'); }],
  ];

  it.each(finals)('changes nothing after %s', (final, reach) => {
    const h = startRun(single({ stages: [stage('a', { retry: retry(3) })] }), { mode: 'autopilot' });
    reach(h);
    expect(h.value).toBe(final);
    const before = h.persisted();
    h.take();
    sendEverything(h);
    expect(h.persisted()).toEqual(before);
    expect(h.take()).toEqual([]);
    expect(h.status).toBe('done');
  });
});

describe('reworkSet', () => {
  const p = campaign();

  it('defaults to the content stages and their dependents, in plan order', () => {
    expect(reworkSet(p, undefined)).toEqual(['draft', 'edit', 'images', 'publish']);
    expect(reworkSet(p, [])).toEqual(['draft', 'edit', 'images', 'publish']);
  });

  it('takes the named stages and everything downstream of them, never upstream', () => {
    expect(reworkSet(p, ['edit'])).toEqual(['edit', 'publish']);
    expect(reworkSet(p, ['draft'])).toEqual(['draft', 'edit', 'images', 'publish']);
    expect(reworkSet(p, ['publish'])).toEqual(['publish']);
    expect(reworkSet(p, ['research'])).toEqual(['research', 'draft', 'edit', 'images', 'publish']);
  });

  it('follows dependents transitively', () => {
    expect(reworkSet(linear(), ['a'])).toEqual(['a', 'b', 'c']);
    expect(reworkSet(diamond(), ['b'])).toEqual(['b', 'd']);
  });

  it('returns plan order whatever the order of the names, without duplicates', () => {
    expect(reworkSet(p, ['images', 'edit', 'images'])).toEqual(['edit', 'images', 'publish']);
  });

  it('ignores unknown and system stage ids', () => {
    expect(reworkSet(p, ['edit', 'nope', '$review'])).toEqual(['edit', 'publish']);
  });

  it('falls back to the content stages and their dependents when no named stage is known', () => {
    expect(reworkSet(p, ['nope'])).toEqual(['draft', 'edit', 'images', 'publish']);
    expect(reworkSet(p, ['$review', '$consolidate', '$learn'])).toEqual(['draft', 'edit', 'images', 'publish']);
    expect(reworkSet(linear(), ['x', 'y'])).toEqual(['a', 'b', 'c']);
  });

  it('is empty when nothing (known) is named and no stage is a content stage', () => {
    expect(reworkSet(plan([stage('a', { content: false })]), undefined)).toEqual([]);
    expect(reworkSet(plan([stage('a', { content: false })]), ['nope'])).toEqual([]);
    expect(reworkSet(empty(), undefined)).toEqual([]);
    expect(reworkSet(empty(), ['a'])).toEqual([]);
  });
});
