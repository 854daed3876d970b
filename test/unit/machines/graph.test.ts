/**
 * The shape of both machines, read with `xstate/graph`: their states and named transitions (an edge
 * list that changes only when the machines do), and state coverage: the scenarios below, which mirror
 * the behaviour tests, visit every state node of both machines.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AnyStateMachine } from 'xstate';
import { toDirectedGraph, type DirectedGraphNode } from 'xstate/graph';
import { stageRunMachine } from '../../../src/machines/stage-run.machine.js';
import { workflowRunMachine } from '../../../src/machines/workflow-run.machine.js';
import { allStatePaths, expectNoActorErrors, startRun, startStage, visited } from './_harness.js';
import { fanOut, retry, single, stage } from './_plans.js';

afterEach(expectNoActorErrors);

/** A readable name for a transition's guard: `isLive`, `isCurrentAttempt & canRetry`, or nothing. */
function guardText(guard: unknown): string {
  if (typeof guard === 'string') return guard;
  if (typeof guard === 'function') {
    const parts = (guard as { guards?: unknown[] }).guards;
    if (Array.isArray(parts)) return parts.map(guardText).join(' & ');
    return guard.name || 'inline';
  }
  return '';
}

/** Every edge of a machine: `source -EVENT [guard]-> target`, ids without the machine id. */
function edges(machine: AnyStateMachine): string[] {
  const strip = (id: string) => id.replace(`${machine.id}.`, '').replace(machine.id, '(root)');
  const walk = (node: DirectedGraphNode): string[] => [
    ...node.edges.map((e) => {
      const guard = guardText(e.transition.guard);
      return `${strip(e.source.id)} -${e.label.text}${guard ? ` [${guard}]` : ''}-> ${strip(e.target.id)}`;
    }),
    ...node.children.flatMap(walk),
  ];
  return walk(toDirectedGraph(machine));
}

describe('WorkflowRun graph', () => {
  it('has the run statuses as top-level states, and running holds executing, reviewing, consolidating, learning', () => {
    const graph = toDirectedGraph(workflowRunMachine);
    expect(graph.children.map((c) => c.stateNode.key)).toEqual(['queued', 'running', 'waiting_approval', 'paused', 'completed', 'failed', 'cancelled']);
    const running = graph.children.find((c) => c.stateNode.key === 'running');
    expect(running?.children.map((c) => c.stateNode.key)).toEqual(['executing', 'reviewing', 'consolidating', 'learning']);
    expect(allStatePaths(workflowRunMachine)).toEqual([
      'cancelled', 'completed', 'failed', 'paused', 'queued', 'running',
      'running.consolidating', 'running.executing', 'running.learning', 'running.reviewing', 'waiting_approval',
    ]);
  });

  it('has exactly these final states', () => {
    const finals = Object.values(workflowRunMachine.root.states).filter((s) => s.type === 'final').map((s) => s.key);
    expect(finals).toEqual(['completed', 'failed', 'cancelled']);
  });

  it('has exactly these named transitions', () => {
    expect(edges(workflowRunMachine)).toEqual([
      '(root) -STAGE.STARTED [isLive]-> (root)',
      '(root) -STAGE.RESULT [isLive]-> (root)',
      '(root) -TIMER.FIRED [isLive]-> (root)',
      '(root) -CANCEL-> cancelled',
      'queued -START-> running',
      'running -STAGE.DONE [stageFailed]-> failed',
      'running.executing -STAGE.DONE [lastDagStage]-> running.reviewing',
      'running.executing -STAGE.DONE [dagStageOk]-> running.executing',
      'running.reviewing -STAGE.DONE [needsApproval]-> waiting_approval',
      'running.reviewing -STAGE.DONE [gatePassed]-> running.consolidating',
      'running.reviewing -STAGE.DONE [gateFailedCanRework]-> running.executing',
      'running.reviewing -STAGE.DONE [gateFailedSupervised]-> waiting_approval',
      'running.reviewing -STAGE.DONE [stageOk]-> failed',
      'running.consolidating -STAGE.DONE [stageOk]-> running.learning',
      'running.learning -STAGE.DONE [stageOk]-> completed',
      'waiting_approval -APPROVE-> running.consolidating',
      'waiting_approval -REQUEST_REWORK [reworkAllowed]-> running.executing',
      'waiting_approval -REQUEST_REWORK-> failed',
      'waiting_approval -TIMER.FIRED [isDeadline]-> paused',
      'paused -RESUME-> waiting_approval',
      'paused -APPROVE-> running.consolidating',
      'paused -REQUEST_REWORK [reworkAllowed]-> running.executing',
      'paused -REQUEST_REWORK-> failed',
    ]);
  });

  it('leaves executing for reviewing without an event when there is nothing to run', () => {
    const executing = workflowRunMachine.root.states.running?.states.executing;
    expect(executing?.always?.map((t) => ({ guard: guardText(t.guard), targets: t.target?.map((s) => s.id) }))).toEqual([
      { guard: 'nothingToRun', targets: ['workflowRun.running.reviewing'] },
    ]);
  });
});

describe('StageRun graph', () => {
  it('has the actor-driven stage statuses as states, succeeded and failed final', () => {
    expect(allStatePaths(stageRunMachine)).toEqual(['failed', 'queued', 'retry_wait', 'running', 'succeeded']);
    const finals = Object.values(stageRunMachine.root.states).filter((s) => s.type === 'final').map((s) => s.key);
    expect(finals).toEqual(['succeeded', 'failed']);
  });

  it('has exactly these named transitions', () => {
    const outstanding = (from: string) => [
      `${from} -STAGE.RESULT [isCurrentAttempt & isSuccess]-> succeeded`,
      `${from} -STAGE.RESULT [isCurrentAttempt & canRetry]-> retry_wait`,
      `${from} -STAGE.RESULT [isCurrentAttempt & canFallBack]-> queued`,
      `${from} -STAGE.RESULT [isCurrentAttempt]-> failed`,
      `${from} -TIMER.FIRED [isMyTimeout & canRetry]-> retry_wait`,
      `${from} -TIMER.FIRED [isMyTimeout & canFallBack]-> queued`,
      `${from} -TIMER.FIRED [isMyTimeout]-> failed`,
    ];
    expect(edges(stageRunMachine)).toEqual([
      'queued -STAGE.STARTED [isCurrentAttempt]-> running',
      ...outstanding('queued'),
      ...outstanding('running'),
      'retry_wait -TIMER.FIRED [isMyRetryTimer]-> queued',
    ]);
  });
});

describe('state coverage', () => {
  beforeAll(() => {
    visited.run.clear();
    visited.stage.clear();
  });

  it('scenario: autopilot run to completed, with a retry and a fallback on the way', () => {
    const h = startRun(fanOut({ stages: [stage('a', { retry: retry(2) }), stage('b', { dependsOn: ['a'], fallbackKind: 'fb' }), stage('c', { dependsOn: ['a'] })] }));
    h.start();
    h.stageStarted('a');
    h.fail('a', 'flaky', { retryable: true });
    h.fire(`${h.sid('a')}:1:retry`);
    h.ok('a', { attempt: 2 });
    h.fail('b', 'no');
    h.ok('b', { attempt: 2 });
    h.ok('c');
    h.gate(true);
    h.ok('$consolidate');
    h.ok('$learn');
    expect(h.value).toBe('completed');
  });

  it('scenario: supervised run paused, resumed, reworked and approved', () => {
    const h = startRun(single(), { mode: 'supervised' });
    h.start();
    h.ok('a');
    h.gate(true);
    h.fire('r1:approval:1');
    expect(h.value).toBe('paused');
    h.resume();
    h.rework('again');
    h.ok('a');
    h.gate(true);
    h.approve();
    expect(h.value).toBe('running.consolidating');
  });

  it('scenario: a stage fails the run', () => {
    const h = startRun(single());
    h.start();
    h.fail('a', 'fatal');
    expect(h.value).toBe('failed');
  });

  it('scenario: a queued run is cancelled', () => {
    const h = startRun(single());
    h.cancel('stop');
    expect(h.value).toBe('cancelled');
  });

  it('scenario: a standalone StageRun runs, times out, retries, and fails', () => {
    const s = startStage(stage('a', { retry: retry(2), timeoutMs: 1_000 }));
    s.started(1, 1_500);
    s.fire(s.timer(1, 'timeout'), 2_000);
    s.fire(s.timer(1, 'retry'), 3_000);
    s.fail(2, 3_500, 'fatal', false);
    expect(s.value).toBe('failed');
  });

  it('every state node of WorkflowRun was visited by the scenarios', () => {
    expect([...visited.run].sort()).toEqual(allStatePaths(workflowRunMachine));
  });

  it('every state node of StageRun was visited by the scenarios', () => {
    expect([...visited.stage].sort()).toEqual(allStatePaths(stageRunMachine));
  });
});
