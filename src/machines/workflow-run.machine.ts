import { assign, enqueueActions, setup, type AnyActorRef } from 'xstate';
import { stageRunId, type PlannedStage, type RunDiagnosis, type RunMode, type RunPlan } from '../domain/run.js';
import type { AbortEffect, ArmTimerEffect, EffectParams } from './effects.js';
import type { RunEvent, StageDoneEvent, StageSummary } from './events.js';
import { stageRunMachine, type StageRunContext } from './stage-run.machine.js';

/** What a WorkflowRun is created with. */
export interface WorkflowRunInput {
  runId: string;
  mode: RunMode;
  plan: RunPlan;
}

/**
 * A WorkflowRun's context. Everything but `plan` is small; `plan` is left out of the persisted
 * snapshot and put back on restore (see MachineRuntime.encode/restore in src/actors/machine-runtime.ts), so what is written per
 * transition does not grow with the size of the DAG's history.
 */
export interface WorkflowRunContext {
  runId: string;
  mode: RunMode;
  plan: RunPlan;
  /** The rework round, from 0. */
  round: number;
  /** DAG stages of this round not started yet, with their count of unmet dependencies. */
  waiting: Record<string, number>;
  /** DAG stages of this round not yet succeeded. */
  remaining: number;
  /** StageRun ids of the live StageRun actors. */
  active: string[];
  /** How many times the run has waited for approval (names the deadline timers). */
  approvals: number;
  /** The approval deadline timer armed now, if any. */
  deadlineTimerId: string | null;
  costUsd: number;
  /** The last review verdict. */
  gate: NonNullable<StageSummary['gate']> | null;
  diagnosis: RunDiagnosis | null;
  cancelReason: string | null;
}

type Events = RunEvent | StageDoneEvent;

const isSystemStage = (stageId: string) => stageId.startsWith('$');

function stageOf(plan: RunPlan, stageId: string): PlannedStage | undefined {
  if (stageId === '$review') return plan.review;
  if (stageId === '$consolidate') return plan.consolidate ?? undefined;
  if (stageId === '$learn') return plan.learn ?? undefined;
  return plan.stages.find((s) => s.id === stageId);
}

/** The stages to re-run for a rework: the named ones (default: content stages) and all their dependents. */
export function reworkSet(plan: RunPlan, named: readonly string[] | undefined): string[] {
  const known = new Set(plan.stages.map((s) => s.id));
  const requested = (named ?? []).filter((id) => known.has(id));
  // No known stage named: the content stages, as when none is named.
  const start = requested.length > 0 ? requested : plan.stages.filter((s) => s.content).map((s) => s.id);
  const affected = new Set(start);
  let grew = true;
  while (grew) {
    grew = false;
    for (const s of plan.stages) {
      if (!affected.has(s.id) && s.dependsOn.some((d) => affected.has(d))) {
        affected.add(s.id);
        grew = true;
      }
    }
  }
  return plan.stages.filter((s) => affected.has(s.id)).map((s) => s.id);
}

/** The waiting map of a round that re-runs `stages`: dependencies outside the set are already met. */
function waitingFor(plan: RunPlan, stages: readonly string[]): Record<string, number> {
  const set = new Set(stages);
  return Object.fromEntries(plan.stages.filter((s) => set.has(s.id)).map((s) => [s.id, new Set(s.dependsOn.filter((d) => set.has(d))).size]));
}

/**
 * The WorkflowRun machine. Top-level states: queued → running → waiting_approval → running →
 * completed, plus paused, failed and cancelled. `running` holds the DAG execution (`executing`), the
 * quality review (`reviewing`), and after approval `consolidating` and `learning`. Every stage —
 * DAG and system alike — is a StageRun child actor spawned by the registered key `stageRun`, with
 * the StageRun row's id as its actor id; it is stopped once it reports STAGE.DONE, so the persisted
 * snapshot only carries live children.
 *
 * Pure: no I/O, no clock. Side effects are the named actions of the StageRun machine and
 * `armTimer`/`abort` here, implemented by the run host.
 */
export const workflowRunMachine = setup({
  types: {} as {
    context: WorkflowRunContext;
    input: WorkflowRunInput;
    events: Events;
  },
  actors: { stageRun: stageRunMachine },
  actions: {
    /** Effect: arm a durable timer. Implemented by the run host. */
    armTimer: (_: unknown, _params: EffectParams<ArmTimerEffect>) => {},
    /** Effect: abort an attempt in flight. Implemented by the run host. */
    abort: (_: unknown, _params: EffectParams<AbortEffect>) => {},

    /** Spawns every stage of the round (DAG or system) whose dependencies are met. */
    spawnReady: enqueueActions(({ context, event, enqueue }) => {
      const at = (event as { at?: number }).at ?? 0;
      const ready = Object.entries(context.waiting).filter(([, unmet]) => unmet === 0).map(([id]) => id);
      if (ready.length === 0) return;
      const waiting = { ...context.waiting };
      const spawned: string[] = [];
      for (const id of ready) {
        const stage = stageOf(context.plan, id);
        if (!stage) continue;
        delete waiting[id];
        const childId = stageRunId(context.runId, id, context.round);
        enqueue.spawnChild('stageRun', { id: childId, input: { runId: context.runId, stageRunId: childId, stage, round: context.round, at } });
        spawned.push(childId);
      }
      enqueue.assign({ waiting, active: [...context.active, ...spawned] });
    }),
    /** Makes a system stage (review, consolidate, learn) ready; `spawnReady` then spawns it. */
    readyReview: assign({ waiting: { $review: 0 } }),
    readyConsolidate: assign(({ context }): Partial<WorkflowRunContext> => ({ waiting: context.plan.consolidate ? { $consolidate: 0 } : {} })),
    readyLearn: assign(({ context }): Partial<WorkflowRunContext> => ({ waiting: context.plan.learn ? { $learn: 0 } : {} })),
    /** A DAG stage succeeded: stop its actor, count it, release its dependents. */
    completeStage: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'STAGE.DONE') return;
      enqueue.stopChild(event.stageRunId);
      const waiting = { ...context.waiting };
      for (const s of context.plan.stages) {
        if (s.id in waiting && s.dependsOn.includes(event.stageId)) waiting[s.id] = Math.max(0, (waiting[s.id] ?? 1) - 1);
      }
      enqueue.assign({
        waiting,
        remaining: context.remaining - 1,
        active: context.active.filter((id) => id !== event.stageRunId),
        costUsd: context.costUsd + event.costUsd,
      });
    }),
    /** A system stage finished: stop its actor and keep its verdict. */
    completeSystem: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'STAGE.DONE') return;
      enqueue.stopChild(event.stageRunId);
      enqueue.assign({
        active: context.active.filter((id) => id !== event.stageRunId),
        costUsd: context.costUsd + event.costUsd,
        gate: event.ok && event.stageId === '$review' ? (event.summary?.gate ?? { passed: true }) : context.gate,
      });
    }),
    /** Forwards a worker or timer event to the StageRun it is for. */
    forwardToStage: enqueueActions(({ event, enqueue, self }) => {
      const id = targetStageRun(event);
      const child = id ? (self.getSnapshot().children as Record<string, AnyActorRef | undefined>)[id] : undefined;
      if (child) enqueue.sendTo(child, event);
    }),
    /** Stops every live StageRun and aborts its attempt in flight (cancel, failure). */
    stopAllStages: enqueueActions(({ context, enqueue, self }) => {
      const children = self.getSnapshot().children as Record<string, AnyActorRef | undefined>;
      for (const id of context.active) {
        const child = children[id];
        if (child) {
          const c = child.getSnapshot() as { value: string; context: StageRunContext };
          if (c.value === 'queued' || c.value === 'running') enqueue({ type: 'abort', params: { runId: context.runId, stageRunId: id, attempt: c.context.attempt } });
          enqueue.stopChild(id);
        }
      }
      enqueue.assign({ active: [] });
    }),
    /** Starts a rework round for the requested stages (default: content stages) and their dependents. */
    startRework: assign(({ context, event }) => {
      const stages = reworkSet(context.plan, event.type === 'REQUEST_REWORK' ? event.stages : undefined);
      return { round: context.round + 1, waiting: waitingFor(context.plan, stages), remaining: stages.length, gate: null };
    }),
    armDeadline: enqueueActions(({ context, event, enqueue }) => {
      const approvals = context.approvals + 1;
      if (context.plan.approvalDeadlineMs === null) {
        enqueue.assign({ approvals, deadlineTimerId: null });
        return;
      }
      const timerId = `${context.runId}:approval:${approvals}`;
      const at = (event as { at?: number }).at ?? 0;
      enqueue({ type: 'armTimer', params: { runId: context.runId, timerId, fireAt: at + context.plan.approvalDeadlineMs, purpose: 'approval_deadline' } });
      enqueue.assign({ approvals, deadlineTimerId: timerId });
    }),
    clearDeadline: assign({ deadlineTimerId: null }),
    failStage: assign(({ event }) => ({ diagnosis: event.type === 'STAGE.DONE' && !event.ok ? event.diagnosis : null })),
    failGate: assign(({ context, event }) => {
      const notes = event.type === 'STAGE.DONE' && event.ok ? event.summary?.gate?.notes : undefined;
      return {
        diagnosis: {
          reason: 'gate_failed' as const,
          message: `quality review failed in round ${context.round} and no rework rounds are left (max ${context.plan.maxReworkRounds})${notes ? `: ${notes}` : ''}`,
        },
      };
    }),
    failReworkLimit: assign(({ context }) => ({
      diagnosis: {
        reason: 'rework_limit' as const,
        message: `rework requested after ${context.round} rework round(s); the template allows ${context.plan.maxReworkRounds}`,
      },
    })),
  },
  guards: {
    stageOk: ({ event }) => event.type === 'STAGE.DONE' && event.ok,
    lastDagStage: ({ context, event }) => event.type === 'STAGE.DONE' && event.ok && !isSystemStage(event.stageId) && context.remaining === 1,
    isLive: ({ context, event }) => {
      const id = targetStageRun(event);
      return id !== null && context.active.includes(id);
    },
    isDeadline: ({ context, event }) => event.type === 'TIMER.FIRED' && event.timerId === context.deadlineTimerId,
    gatePassed: ({ event }) => event.type === 'STAGE.DONE' && event.ok && (event.summary?.gate?.passed ?? true),
    needsApproval: ({ context, event }) => event.type === 'STAGE.DONE' && event.ok && (event.summary?.gate?.passed ?? true) && context.mode === 'supervised',
    gateFailedCanRework: ({ context, event }) => event.type === 'STAGE.DONE' && event.ok && context.round < context.plan.maxReworkRounds,
    /** Out of automatic rework rounds: a person decides on a supervised run (seeing the gate report). */
    gateFailedSupervised: ({ context, event }) => event.type === 'STAGE.DONE' && event.ok && context.mode === 'supervised',
    stageFailed: ({ event }) => event.type === 'STAGE.DONE' && !event.ok,
    dagStageOk: ({ event }) => event.type === 'STAGE.DONE' && event.ok && !isSystemStage(event.stageId),
    reworkAllowed: ({ context }) => context.round < context.plan.maxReworkRounds,
    nothingToRun: ({ context }) => context.remaining === 0,
    noConsolidation: ({ context }) => context.plan.consolidate === null,
    noLearning: ({ context }) => context.plan.learn === null,
  },
}).createMachine({
  id: 'workflowRun',
  context: ({ input }) => ({
    runId: input.runId,
    mode: input.mode,
    plan: input.plan,
    round: 0,
    waiting: waitingFor(input.plan, input.plan.stages.map((s) => s.id)),
    remaining: input.plan.stages.length,
    active: [],
    approvals: 0,
    deadlineTimerId: null,
    costUsd: 0,
    gate: null,
    diagnosis: null,
    cancelReason: null,
  }),
  initial: 'queued',
  on: {
    'STAGE.STARTED': { guard: 'isLive', actions: 'forwardToStage' },
    'STAGE.RESULT': { guard: 'isLive', actions: 'forwardToStage' },
    'TIMER.FIRED': { guard: 'isLive', actions: 'forwardToStage' },
    CANCEL: {
      target: '.cancelled',
      actions: ['stopAllStages', 'clearDeadline', assign({ cancelReason: ({ event }) => (event.type === 'CANCEL' ? event.reason : null) })],
    },
  },
  states: {
    queued: {
      on: { START: 'running' },
    },
    running: {
      initial: 'executing',
      on: {
        'STAGE.DONE': {
          guard: 'stageFailed',
          target: 'failed',
          actions: ['completeSystem', 'stopAllStages', 'failStage'],
        },
      },
      states: {
        executing: {
          entry: 'spawnReady',
          always: { guard: 'nothingToRun', target: 'reviewing' },
          on: {
            'STAGE.DONE': [
              { guard: 'lastDagStage', target: 'reviewing', actions: 'completeStage' },
              { guard: 'dagStageOk', actions: ['completeStage', 'spawnReady'] },
            ],
          },
        },
        reviewing: {
          entry: ['readyReview', 'spawnReady'],
          on: {
            'STAGE.DONE': [
              { guard: 'needsApproval', target: '#workflowRun.waiting_approval', actions: 'completeSystem' },
              { guard: 'gatePassed', target: 'consolidating', actions: 'completeSystem' },
              { guard: 'gateFailedCanRework', target: 'executing', actions: ['completeSystem', 'startRework'] },
              { guard: 'gateFailedSupervised', target: '#workflowRun.waiting_approval', actions: 'completeSystem' },
              { guard: 'stageOk', target: '#workflowRun.failed', actions: ['completeSystem', 'failGate'] },
            ],
          },
        },
        consolidating: {
          always: { guard: 'noConsolidation', target: 'learning' },
          entry: ['readyConsolidate', 'spawnReady'],
          on: { 'STAGE.DONE': { guard: 'stageOk', target: 'learning', actions: 'completeSystem' } },
        },
        learning: {
          always: { guard: 'noLearning', target: '#workflowRun.completed' },
          entry: ['readyLearn', 'spawnReady'],
          on: { 'STAGE.DONE': { guard: 'stageOk', target: '#workflowRun.completed', actions: 'completeSystem' } },
        },
      },
    },
    waiting_approval: {
      entry: 'armDeadline',
      exit: 'clearDeadline',
      on: {
        APPROVE: '#workflowRun.running.consolidating',
        REQUEST_REWORK: [
          { guard: 'reworkAllowed', target: '#workflowRun.running.executing', actions: 'startRework' },
          { target: 'failed', actions: 'failReworkLimit' },
        ],
        'TIMER.FIRED': { guard: 'isDeadline', target: 'paused' },
      },
    },
    paused: {
      on: {
        RESUME: 'waiting_approval',
        APPROVE: '#workflowRun.running.consolidating',
        REQUEST_REWORK: [
          { guard: 'reworkAllowed', target: '#workflowRun.running.executing', actions: 'startRework' },
          { target: 'failed', actions: 'failReworkLimit' },
        ],
      },
    },
    completed: { type: 'final' },
    failed: { type: 'final' },
    cancelled: { type: 'final' },
  },
});

/** The StageRun an event is for: its `stageRunId`, or the owner of a stage timer (`<stageRunId>:…`). */
function targetStageRun(event: Events): string | null {
  if (event.type === 'STAGE.STARTED' || event.type === 'STAGE.RESULT') return event.stageRunId;
  if (event.type === 'TIMER.FIRED') return event.timerId.split(':')[0] ?? null;
  return null;
}
