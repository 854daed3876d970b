import { createActor } from 'xstate';
import { describe, expect, it } from 'vitest';
import { stageRunMachine } from '../../../src/machines/stage-run.machine.js';
import { workflowRunMachine } from '../../../src/machines/workflow-run.machine.js';
import { validateTemplate, planRun } from '../../../src/planner/planner.js';
import { single } from './_plans.js';

function harness(plan: ReturnType<typeof single>, mode: 'autopilot' | 'supervised') {
  const dispatched: string[] = [];
  const m = workflowRunMachine.provide({
    actions: { armTimer: () => {}, abort: () => {} },
    actors: { stageRun: stageRunMachine.provide({ actions: { dispatch: (_: unknown, p: { stageId: string }) => dispatched.push(p.stageId), armTimer: () => {}, abort: () => {} } }) },
  });
  const actor = createActor(m, { input: { runId: 'r', mode, plan } });
  actor.start();
  let at = 0;
  const finish = (stageId: string) => {
    const id = actor.getSnapshot().context.active.find(() => true);
    if (!id) throw new Error(`nothing live to finish (${stageId})`);
    actor.send({ type: 'STAGE.RESULT', at: ++at, stageRunId: id, attempt: 1, ok: true });
  };
  return { actor, dispatched, finish, send: (e: { type: 'START' } | { type: 'APPROVE' }) => actor.send({ ...e, at: ++at }) };
}

describe('templates without consolidation or learning', () => {
  it('an autopilot run goes from review straight to completed when both steps are null', () => {
    const h = harness(single({ consolidate: null, learn: null }), 'autopilot');
    h.send({ type: 'START' });
    h.finish('a');
    h.finish('$review');
    expect(h.actor.getSnapshot().value).toBe('completed');
    expect(h.dispatched).toEqual(['a', '$review']);
  });

  it('an approved run skips the missing consolidation and still learns', () => {
    const h = harness(single({ consolidate: null }), 'supervised');
    h.send({ type: 'START' });
    h.finish('a');
    h.finish('$review');
    expect(h.actor.getSnapshot().value).toBe('waiting_approval');
    h.send({ type: 'APPROVE' });
    expect(h.actor.getSnapshot().value).toEqual({ running: 'learning' });
    h.finish('$learn');
    expect(h.actor.getSnapshot().value).toBe('completed');
    expect(h.dispatched).toEqual(['a', '$review', '$learn']);
  });

  it('the planner accepts null steps and plans them as null', () => {
    const t = validateTemplate({ name: 'lean', version: 1, stages: [{ id: 'a', kind: 'echo' }], review: { kind: 'gate.pass' }, consolidate: null, learn: null }, () => true);
    const p = planRun(t, {});
    expect(p.consolidate).toBeNull();
    expect(p.learn).toBeNull();
  });
});
