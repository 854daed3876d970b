import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { MachineGraph, RunMachineView } from '../../../src/contracts/http/machines.js';
import type { WorkflowTemplateInput } from '../../../src/planner/template.js';
import { command, seedTask, startRun, usePlatform, waitForRun, type TestPlatform } from '../../helpers/test-engine.js';

const slow: WorkflowTemplateInput = {
  name: 'slow', version: 1,
  stages: [{ id: 'first', kind: 'echo' }, { id: 'slow', kind: 'echo', dependsOn: ['first'], params: { delayMs: 20_000 } }],
  review: { kind: 'gate.pass' }, consolidate: null, learn: null,
};

const platform = usePlatform({ adapter: 'in-process', templates: [slow] });
let p: TestPlatform;
let a: { id: string; key: string };
let b: { id: string; key: string };
let aTask: string;

const get = async (key: string, url: string) => {
  const res = await p.call(key, { method: 'GET', url });
  return { status: res.statusCode, body: res.json() as Record<string, unknown> };
};

beforeAll(async () => {
  p = platform.current;
  a = await p.tenant();
  b = await p.tenant();
  aTask = await seedTask(p, a.key);
});

describe('machine graphs', () => {
  it('workflow-run: every state of the machine as a node and its transitions as edges between them', async () => {
    const res = await get(a.key, '/v2/machines/workflow-run');
    expect(res.status).toBe(200);
    const g = MachineGraph.parse(res.body);
    expect(g.machine).toBe('workflow-run');
    const ids = g.nodes.map((n) => n.id);
    expect(ids).toEqual(expect.arrayContaining([
      'workflowRun', 'workflowRun.queued', 'workflowRun.running', 'workflowRun.running.executing', 'workflowRun.running.reviewing',
      'workflowRun.running.consolidating', 'workflowRun.running.learning', 'workflowRun.waiting_approval', 'workflowRun.paused',
      'workflowRun.completed', 'workflowRun.failed', 'workflowRun.cancelled',
    ]));
    expect(g.nodes.find((n) => n.id === 'workflowRun')).toEqual({ id: 'workflowRun', key: 'workflowRun', parent: null, type: 'compound', initial: 'workflowRun.queued' });
    expect(g.nodes.find((n) => n.id === 'workflowRun.running')).toMatchObject({ parent: 'workflowRun', initial: 'workflowRun.running.executing' });
    expect(g.nodes.find((n) => n.id === 'workflowRun.completed')).toMatchObject({ type: 'final', initial: null });
    expect(g.edges).toEqual(expect.arrayContaining([
      { source: 'workflowRun.queued', target: 'workflowRun.running', event: 'START', guard: null },
      { source: 'workflowRun', target: 'workflowRun.cancelled', event: 'CANCEL', guard: null },
      { source: 'workflowRun.waiting_approval', target: 'workflowRun.running.consolidating', event: 'APPROVE', guard: null },
      { source: 'workflowRun.running.reviewing', target: 'workflowRun.waiting_approval', event: 'STAGE.DONE', guard: 'needsApproval' },
      { source: 'workflowRun.running.executing', target: 'workflowRun.running.reviewing', event: 'always', guard: 'nothingToRun' },
    ]));
    for (const e of g.edges) expect(ids).toEqual(expect.arrayContaining([e.source, e.target]));
  });

  it('stage-run: its states, with conjunctions of guards spelled out', async () => {
    const g = MachineGraph.parse((await get(a.key, '/v2/machines/stage-run')).body);
    expect(g.nodes.map((n) => n.key)).toEqual(['stageRun', 'queued', 'running', 'retry_wait', 'succeeded', 'failed']);
    expect(g.edges).toContainEqual({ source: 'stageRun.running', target: 'stageRun.succeeded', event: 'STAGE.RESULT', guard: 'isCurrentAttempt && isSuccess' });
    expect(g.edges).toContainEqual({ source: 'stageRun.retry_wait', target: 'stageRun.queued', event: 'TIMER.FIRED', guard: 'isMyRetryTimer' });
  });

  it('needs an API key; an unknown machine is not a route', async () => {
    expect((await p.app.inject({ method: 'GET', url: '/v2/machines/workflow-run' })).statusCode).toBe(401);
    expect((await get(a.key, '/v2/machines/nope')).status).toBe(404);
  });
});

describe("a run's machine view", () => {
  it('shows the active states of the run matching its status, and its live StageRuns', async () => {
    const waiting = await startRun(p, a.key, { taskId: aTask, mode: 'supervised' });
    const run = await waitForRun(p, a.key, waiting, (r) => r.status === 'waiting_approval');
    const view = RunMachineView.parse((await get(a.key, `/v2/runs/${waiting}/machine`)).body);
    expect(view).toMatchObject({ machine: 'workflow-run', runId: waiting, status: 'waiting_approval', version: run.version, stages: [] });
    expect(view.active).toEqual(['workflowRun', 'workflowRun.waiting_approval']);
    expect(view.nodes.length).toBeGreaterThan(10);

    const slowRun = await startRun(p, a.key, { taskId: aTask, mode: 'autopilot', template: 'slow' });
    await waitForRun(p, a.key, slowRun, (r) => r.stages.some((s) => s.stageId === 'slow' && (s.status === 'queued' || s.status === 'running')));
    const busy = RunMachineView.parse((await get(a.key, `/v2/runs/${slowRun}/machine`)).body);
    expect(busy.status).toBe('running');
    expect(busy.active).toEqual(['workflowRun', 'workflowRun.running', 'workflowRun.running.executing']);
    expect(busy.stages).toHaveLength(1);
    expect(busy.stages[0]).toMatchObject({ stageId: 'slow' });
    expect(busy.stages[0]?.active).toEqual(['stageRun', `stageRun.${busy.stages[0]?.state}`]);

    expect((await command(p, a.key, slowRun, 'cancel', { reason: 'test over' })).statusCode).toBe(202);
    const cancelled = RunMachineView.parse((await get(a.key, `/v2/runs/${slowRun}/machine`)).body);
    expect(cancelled).toMatchObject({ status: 'cancelled', active: ['workflowRun', 'workflowRun.cancelled'], stages: [] });
  });

  it("is 404 for another tenant's run and an unknown id, 400 for a malformed one", async () => {
    const mine = await startRun(p, a.key, { taskId: aTask, mode: 'autopilot' });
    await waitForRun(p, a.key, mine, (r) => r.status === 'completed');
    expect((await get(a.key, `/v2/runs/${mine}/machine`)).body).toMatchObject({ status: 'completed', active: ['workflowRun', 'workflowRun.completed'] });
    const foreign = await get(b.key, `/v2/runs/${mine}/machine`);
    const unknown = await get(b.key, `/v2/runs/${randomUUID()}/machine`);
    expect(foreign.status).toBe(404);
    expect(unknown.status).toBe(404);
    expect((foreign.body.error as { code: string }).code).toBe('NOT_FOUND');
    expect((await get(a.key, '/v2/runs/not-a-uuid/machine')).status).toBe(400);
  });
});
