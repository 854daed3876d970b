import { createActor, type Actor, type AnyActorRef } from 'xstate';
import type { RunPlan, RunStatus } from '../domain/run.js';
import type { ArmTimerEffect, AbortEffect, DispatchEffect, RunEffect } from '../machines/effects.js';
import type { RunEvent } from '../machines/events.js';
import { stageRunMachine, type StageRunContext } from '../machines/stage-run.machine.js';
import { workflowRunMachine, type WorkflowRunContext, type WorkflowRunInput } from '../machines/workflow-run.machine.js';

/** A live WorkflowRun actor. */
export type RunActor = Actor<typeof workflowRunMachine>;

/** The last state a StageRun reached during a step (final states included, though the actor is then stopped). */
export interface StageState {
  stageRunId: string;
  state: string;
  context: StageRunContext;
}

/** What one event did: the effects it asked for and the StageRuns it moved. */
export interface StepResult {
  effects: RunEffect[];
  stages: Map<string, StageState>;
}

/** The live StageRun actor an event is for, if any. */
function stageTarget(actor: RunActor, event: RunEvent): AnyActorRef | undefined {
  const id = event.type === 'STAGE.STARTED' || event.type === 'STAGE.RESULT'
    ? event.stageRunId
    : event.type === 'TIMER.FIRED' ? event.timerId.split(':')[0] : undefined;
  if (!id) return undefined;
  const snap = actor.getSnapshot();
  if (snap.status !== 'active' || !snap.context.active.includes(id)) return undefined;
  return (snap.children as Record<string, AnyActorRef | undefined>)[id];
}

/** `{running: 'executing'}` → `running.executing`. */
export function stateString(value: unknown): string {
  if (typeof value === 'string') return value;
  const [key, inner] = Object.entries(value as Record<string, unknown>)[0] ?? ['?', undefined];
  return inner === undefined ? key : `${key}.${stateString(inner)}`;
}

/** The run's top-level status from its state value. */
export function statusOf(value: unknown): RunStatus {
  return stateString(value).split('.')[0] as RunStatus;
}

/**
 * Runs the machines for the host: provides the effect actions (collected per step, never executed
 * here), records StageRun snapshots through XState inspection (so a StageRun's final state is seen
 * even though its run stops it in the same step), and encodes/decodes persisted snapshots.
 * Single-threaded by construction: one `step` at a time.
 */
export class MachineRuntime {
  private effects: RunEffect[] = [];
  private stages = new Map<string, StageState>();

  private readonly machine = workflowRunMachine.provide({
    actions: {
      armTimer: (_, p) => this.effects.push({ type: 'armTimer', ...(p as Omit<ArmTimerEffect, 'type'>) }),
      abort: (_, p) => this.effects.push({ type: 'abort', ...(p as Omit<AbortEffect, 'type'>) }),
    },
    actors: {
      stageRun: stageRunMachine.provide({
        actions: {
          dispatch: (_, p) => this.effects.push({ type: 'dispatch', ...(p as Omit<DispatchEffect, 'type'>) }),
          armTimer: (_, p) => this.effects.push({ type: 'armTimer', ...(p as Omit<ArmTimerEffect, 'type'>) }),
          abort: (_, p) => this.effects.push({ type: 'abort', ...(p as Omit<AbortEffect, 'type'>) }),
        },
      }),
    },
  });

  private readonly inspect = (ev: { type: string; actorRef: unknown; snapshot?: unknown }) => {
    if (ev.type !== '@xstate.snapshot') return;
    const ref = ev.actorRef as AnyActorRef;
    const snap = ev.snapshot as { value: unknown; context: unknown; status: string };
    if (ref._parent === undefined) return;
    const context = snap.context as StageRunContext;
    // A StageRun stopped before reaching a final state (run cancelled or failed) was cancelled;
    // its last snapshot keeps the state it was stopped in.
    const state = snap.status === 'stopped' ? 'cancelled' : stateString(snap.value);
    this.stages.set(ref.id, { stageRunId: ref.id, state, context });
  };

  /** A new run actor, started, in `queued`; creating it has no effects. */
  create(input: WorkflowRunInput): RunActor {
    const actor = createActor(this.machine, { id: input.runId, input, inspect: this.inspect });
    actor.start();
    return actor;
  }

  /** A run actor restored from its persisted snapshot (pause-and-resume: nothing is replayed). */
  restore(runId: string, stored: Record<string, unknown>, plan: RunPlan): RunActor {
    const context = { ...(stored.context as WorkflowRunContext), plan };
    const snapshot = { ...stored, context };
    // The stored snapshot was produced by this machine's getPersistedSnapshot(); XState's restore
    // API takes it untyped. `input` is ignored when a snapshot is given, but the types want it.
    const actor = createActor(this.machine, {
      id: runId, snapshot: snapshot as never, input: { runId, mode: context.mode, plan }, inspect: this.inspect,
    });
    actor.start();
    return actor;
  }

  /** Applies one event (one macrostep) and returns what it asked for. */
  step(actor: RunActor, event: RunEvent): StepResult {
    this.effects = [];
    this.stages = new Map();
    // A worker's or a stage timer's event goes straight to its live StageRun (the run would only
    // forward it): one macrostep fewer per result. Anything else, or a StageRun that is gone, goes to
    // the run, whose guards ignore what is stale.
    const target = stageTarget(actor, event);
    if (target) target.send(event);
    else actor.send(event);
    const result = { effects: this.effects, stages: this.stages };
    this.effects = [];
    this.stages = new Map();
    return result;
  }

  /** True when the run's current state accepts the event (commands are refused with 409 otherwise). */
  accepts(actor: RunActor, event: RunEvent): boolean {
    return actor.getSnapshot().can(event);
  }

  /**
   * The snapshot to persist: the persisted snapshot without the plan (stored once, in its own
   * column) and with a JSON-safe error.
   */
  encode(actor: RunActor): Record<string, unknown> {
    const persisted = actor.getPersistedSnapshot() as unknown as { context: WorkflowRunContext; error?: unknown } & Record<string, unknown>;
    const { plan: _plan, ...context } = persisted.context;
    const error = persisted.error instanceof Error ? { name: persisted.error.name, message: persisted.error.message } : persisted.error;
    return { ...persisted, context, ...(error === undefined ? {} : { error }) };
  }

  /** The live StageRun actors of a run and their states. */
  liveStages(actor: RunActor): StageState[] {
    const children = actor.getSnapshot().children as Record<string, AnyActorRef | undefined>;
    return Object.entries(children).flatMap(([id, ref]) => {
      if (!ref) return [];
      const snap = ref.getSnapshot() as { value: unknown; context: StageRunContext };
      return [{ stageRunId: id, state: stateString(snap.value), context: snap.context }];
    });
  }
}
