import { describe, expect, it } from 'vitest';
import { RealtimeEvent } from '../../../src/contracts/realtime.js';
import { CostTracker, mapStep, runListEventOf, stepNeeds, type StepDetails, type TimelineStep } from '../../../src/realtime/event-mapper.js';

const RUN = '01900000-0000-7000-8000-000000000001';
const REVIEW_SR = '01900000-0000-8000-8000-0000000000aa';
const none: StepDetails = { at: 1000, cost: null, review: null, consolidation: null };

const step = (over: Partial<TimelineStep>): TimelineStep => ({
  runId: RUN, tenantId: 't1', seq: 3, type: 'STAGE.RESULT', payload: {}, fromState: 'running.executing', toState: 'running.executing', version: 3, stages: [], ...over,
});

const reviewStep = (summary: unknown) => step({
  seq: 7, payload: { stageRunId: REVIEW_SR, attempt: 2, ok: true, costUsd: 0, ...(summary ? { summary } : {}) },
  fromState: 'running.reviewing', toState: 'waiting_approval', stages: [{ stageRunId: REVIEW_SR, stageId: '$review', from: 'running', to: 'succeeded' }],
});

const report = {
  passed: false, threshold: 0.6, round: 0,
  drafts: [
    { stageId: 'edit-x', channel: 'x', passed: true, score: 0.81, scorer: 'heuristic', rationale: '', issues: [{ check: 'score', severity: 'warning', message: 'criterion c was not scored' }] },
    { stageId: 'edit-li', channel: null, passed: false, score: 0.4, scorer: 'judge', rationale: '', issues: [
      { check: 'banned_term', severity: 'error', message: 'uses the banned term "cheap"' },
      { check: 'score', severity: 'error', message: 'scores 0.40, below the threshold 0.60' },
    ] },
  ],
};

describe('mapStep', () => {
  it('orders a step as stage transitions, run.cost, then run.transition, all with the step seq and n from 0', () => {
    const events = mapStep(step({
      stages: [{ stageRunId: 's1', stageId: 'draft', from: 'running', to: 'succeeded' }, { stageRunId: 's2', stageId: 'review', from: null, to: 'queued' }],
    }), { ...none, cost: { costUsd: 0.5, tokens: 12 } });
    expect(events.map((e) => [e.type, e.seq, e.n, e.at])).toEqual([
      ['stage.transition', 3, 0, 1000], ['stage.transition', 3, 1, 1000], ['run.cost', 3, 2, 1000], ['run.transition', 3, 3, 1000],
    ]);
    expect(events[1]).toMatchObject({ stageRunId: 's2', stageId: 'review', from: null, to: 'queued' });
    expect(events[3]).toMatchObject({ event: 'STAGE.RESULT', from: 'running.executing', to: 'running.executing', version: 3 });
    for (const e of events) expect(RealtimeEvent.safeParse(e).success).toBe(true);
  });

  it('turns a gate report into one line per gate and deliverable, with the verdict the run acted on', () => {
    const s = reviewStep({ gate: { passed: false, score: 0.4, notes: 'x' } });
    expect(stepNeeds(s)).toEqual({ review: `${RUN}:${REVIEW_SR}:2`, consolidation: null });
    const events = mapStep(s, { ...none, review: { output: report, artifacts: [] } });
    expect(events.map((e) => e.type)).toEqual(['stage.transition', 'gate.result', 'run.transition']);
    expect(events[1]).toEqual({
      type: 'gate.result', runId: RUN, seq: 7, n: 1, at: 1000, stageId: '$review', passed: false, score: 0.4,
      gates: [
        { name: 'brand compliance (x)', passed: true, detail: 'no issues' },
        { name: 'quality score (x)', passed: true, detail: '0.81 against 0.60 (heuristic)' },
        { name: 'brand compliance (edit-li)', passed: false, detail: 'uses the banned term "cheap"' },
        { name: 'quality score (edit-li)', passed: false, detail: '0.40 against 0.60 (judge): scores 0.40, below the threshold 0.60' },
      ],
    });
  });

  it('gives a review without a report or summary a passed verdict and no gate lines (as the machine treats it)', () => {
    const events = mapStep(reviewStep(null), { ...none, review: { output: { anything: 1 }, artifacts: [] } });
    expect(events[1]).toMatchObject({ type: 'gate.result', passed: true, score: null, gates: [] });
  });

  it('lists consolidated artifacts by slot, or by their references when the output has none', () => {
    const s = step({ payload: { stageRunId: 'c1', attempt: 1 }, stages: [{ stageRunId: 'c1', stageId: '$consolidate', from: 'queued', to: 'succeeded' }] });
    const byOutput = mapStep(s, { ...none, consolidation: { output: { artifacts: [{ id: 'a1', slot: 'social_post/x', version: 2 }] }, artifacts: [{ id: 'a1', version: 2, kind: 'social_post' }] } });
    expect(byOutput.filter((e) => e.type === 'artifact.created')).toEqual([{ type: 'artifact.created', runId: RUN, seq: 3, n: 1, at: 1000, artifactId: 'a1', name: 'social_post/x', version: 2 }]);
    const byRefs = mapStep(s, { ...none, consolidation: { output: {}, artifacts: [{ id: 'a2', version: 1, kind: 'email' }] } });
    expect(byRefs.filter((e) => e.type === 'artifact.created').map((e) => e.type === 'artifact.created' && e.name)).toEqual(['email']);
  });
});

describe('runListEventOf', () => {
  it('reports the first step and every change of top-level status, nothing else', () => {
    expect(runListEventOf(step({ seq: 1, type: 'START', fromState: 'queued', toState: 'running.executing' }), 5)).toEqual({ type: 'runs.changed', runId: RUN, status: 'running', seq: 1, at: 5 });
    expect(runListEventOf(step({ fromState: 'running.executing', toState: 'running.reviewing' }), 5)).toBeNull();
    expect(runListEventOf(step({ fromState: 'running.reviewing', toState: 'waiting_approval' }), 5)).toMatchObject({ status: 'waiting_approval' });
  });
});

describe('CostTracker', () => {
  it('adds a StageRun\'s attempts to the run when it finishes (succeeded or failed), never when cancelled', () => {
    const t = new CostTracker();
    const result = (id: string, costUsd: number, to?: string) => ({
      type: 'STAGE.RESULT', payload: { stageRunId: id, costUsd }, stages: to ? [{ stageRunId: id, stageId: id, from: 'running', to }] : [],
    });
    expect(t.apply(result('a', 0.1, 'retry_wait'))).toEqual({ before: 0, after: 0 });
    expect(t.apply(result('a', 0.2, 'succeeded'))).toEqual({ before: 0, after: 0.1 + 0.2 });
    expect(t.apply(result('b', 0.5))).toEqual({ before: 0.30000000000000004, after: 0.30000000000000004 });
    expect(t.apply({ type: 'CANCEL', payload: {}, stages: [{ stageRunId: 'b', stageId: 'b', from: 'running', to: 'cancelled' }] }).after).toBe(0.30000000000000004);
    expect(t.apply(result('c', 1, 'failed')).after).toBe(0.30000000000000004 + 1);
  });
});
