/**
 * Harnesses for the machine unit tests. Like the run host, they provide the effect actions
 * (`dispatch`, `armTimer`, `abort`) to both machines and collect what is asked for, in order. They
 * also record every state value an actor (and, through a run, every StageRun child) goes through,
 * so a test can check that its scenarios visit every state node. Not a test file itself.
 */
import { createActor, fromCallback, type Actor, type AnyEventObject, type AnyStateMachine, type Snapshot, type StateValue } from 'xstate';
import { getStateNodes } from 'xstate/graph';
import { stageRunId, type PlannedStage, type RunMode, type RunPlan } from '../../../src/domain/run.js';
import type { AbortEffect, ArmTimerEffect, DispatchEffect, RunEffect } from '../../../src/machines/effects.js';
import type { RunEvent, StageDoneEvent, StageEvent, StageSummary } from '../../../src/machines/events.js';
import { stageRunMachine, type StageRunContext, type StageRunInput } from '../../../src/machines/stage-run.machine.js';
import { workflowRunMachine, type WorkflowRunContext, type WorkflowRunInput } from '../../../src/machines/workflow-run.machine.js';

/**
 * Errors thrown inside any harness actor (an action or guard that throws). The harness observes
 * errors, so XState does not rethrow them: test files check this list after each test.
 */
export const actorErrors: unknown[] = [];

/** For `afterEach`: fails the test if an actor errored, and clears the list. */
export function expectNoActorErrors(): void {
  const errors = actorErrors.splice(0);
  if (errors.length > 0) throw new Error(`actor error(s): ${errors.map(String).join('; ')}`);
}

/** Every state value seen by a harness in this test file, as dotted paths (`running.executing`). */
export const visited = { stage: new Set<string>(), run: new Set<string>() };

/** The dotted paths of every state node a state value is in: `{ running: 'executing' }` → `running`, `running.executing`. */
export function statePaths(value: StateValue, prefix = ''): string[] {
  if (typeof value === 'string') return [`${prefix}${value}`];
  return Object.entries(value).flatMap(([key, sub]) => [`${prefix}${key}`, ...(sub === undefined ? [] : statePaths(sub, `${prefix}${key}.`))]);
}

/** The innermost state of a (non-parallel) state value, as a dotted path. */
export function leaf(value: StateValue): string {
  return statePaths(value).at(-1) ?? '';
}

/** The dotted paths of every state node of a machine. */
export function allStatePaths(machine: AnyStateMachine): string[] {
  return getStateNodes(machine.root).map((n) => n.path.join('.')).sort();
}

/** Collects the effects both machines ask for; `stageLogic` and `runLogic` are the provided machines. */
export function recorder() {
  const effects: RunEffect[] = [];
  const dispatch = (_: unknown, p: Omit<DispatchEffect, 'type'>) => { effects.push({ type: 'dispatch', ...p }); };
  const armTimer = (_: unknown, p: Omit<ArmTimerEffect, 'type'>) => { effects.push({ type: 'armTimer', ...p }); };
  const abort = (_: unknown, p: Omit<AbortEffect, 'type'>) => { effects.push({ type: 'abort', ...p }); };
  const stageLogic = stageRunMachine.provide({ actions: { dispatch, armTimer, abort } });
  const runLogic = workflowRunMachine.provide({ actions: { armTimer, abort }, actors: { stageRun: stageLogic } });
  return { effects, stageLogic, runLogic };
}

export const isDispatch = (e: RunEffect): e is DispatchEffect => e.type === 'dispatch';
export const isArmTimer = (e: RunEffect): e is ArmTimerEffect => e.type === 'armTimer';
export const isAbort = (e: RunEffect): e is AbortEffect => e.type === 'abort';

/** A StageRun as the run would hold one (tests read `value` and `context`). */
interface StageRunLike {
  getSnapshot(): { value: StateValue; status: string; context: StageRunContext };
  subscribe(next: (s: { value: StateValue }) => void): unknown;
}

function trackStage(ref: StageRunLike): void {
  for (const p of statePaths(ref.getSnapshot().value)) visited.stage.add(p);
  ref.subscribe((s) => {
    for (const p of statePaths(s.value)) visited.stage.add(p);
  });
}

// ---------------------------------------------------------------------------------------------------
// StageRun, standalone
// ---------------------------------------------------------------------------------------------------

export interface StageHarnessOptions {
  runId?: string;
  stageRunId?: string;
  round?: number;
  at?: number;
}

/**
 * A StageRun actor on its own. Its parent is a recording callback actor, so `sendParent` works
 * and the STAGE.DONE it reports can be read with `done()`.
 */
export function startStage(stage: PlannedStage, options: StageHarnessOptions = {}) {
  const { effects, stageLogic } = recorder();
  const parentEvents: AnyEventObject[] = [];
  const parent = createActor(fromCallback<AnyEventObject>(({ receive }) => {
    receive((e) => { parentEvents.push(e); });
  }));
  parent.start();
  const input: StageRunInput = {
    runId: options.runId ?? 'run-1',
    stageRunId: options.stageRunId ?? 'sr-1',
    stage,
    round: options.round ?? 0,
    at: options.at ?? 1_000,
  };
  const actor = createActor(stageLogic, { parent, input });
  const errors: unknown[] = [];
  actor.subscribe({ error: (err) => { errors.push(err); actorErrors.push(err); } });
  actor.start();
  trackStage(actor);
  const sr = input.stageRunId;

  return {
    actor,
    input,
    effects,
    errors,
    parentEvents,
    get value(): string { return leaf(actor.getSnapshot().value); },
    get context(): StageRunContext { return actor.getSnapshot().context; },
    get status(): string { return actor.getSnapshot().status; },
    /** The STAGE.DONE events the parent received. */
    done(): StageDoneEvent[] {
      return parentEvents.filter((e): e is StageDoneEvent => e.type === 'STAGE.DONE');
    },
    send(event: StageEvent): void { actor.send(event); },
    started(attempt: number, at: number): void { actor.send({ type: 'STAGE.STARTED', at, stageRunId: sr, attempt }); },
    ok(attempt: number, at: number, extra: { summary?: StageSummary; costUsd?: number } = {}): void {
      actor.send({ type: 'STAGE.RESULT', at, stageRunId: sr, attempt, ok: true, ...extra });
    },
    fail(attempt: number, at: number, error: string, retryable: boolean, costUsd?: number): void {
      actor.send({ type: 'STAGE.RESULT', at, stageRunId: sr, attempt, ok: false, error, retryable, ...(costUsd === undefined ? {} : { costUsd }) });
    },
    fire(timerId: string, at: number): void { actor.send({ type: 'TIMER.FIRED', at, timerId }); },
    /**
     * The timer id of an attempt: `<stageRunId>:<attempt>:timeout` or `:<attempt>:retry`, with the
     * global attempt number (primary and fallback attempts count on: there is no fallback marker).
     */
    timer(attempt: number, kind: 'timeout' | 'retry'): string { return `${sr}:${attempt}:${kind}`; },
  };
}

// ---------------------------------------------------------------------------------------------------
// WorkflowRun
// ---------------------------------------------------------------------------------------------------

export interface RunHarnessOptions {
  runId?: string;
  mode?: RunMode;
  /** Restore from this persisted snapshot instead of creating a fresh run. */
  snapshot?: Snapshot<unknown>;
}

type RunActor = Actor<ReturnType<typeof recorder>['runLogic']>;

interface ResultOptions {
  at?: number;
  attempt?: number;
  round?: number;
  costUsd?: number;
}

/** A WorkflowRun actor with its effects, a clock, and shorthand for the events a host would send. */
export class RunHarness {
  readonly actor: RunActor;
  readonly effects: RunEffect[];
  readonly runId: string;
  readonly errors: unknown[] = [];
  /** The `at` of the last event sent (each shorthand advances it by 1 s unless given `at`). */
  clock = 1_000_000;
  private seen = 0;
  private readonly tracked = new Set<string>();

  constructor(plan: RunPlan | null, options: RunHarnessOptions = {}) {
    const { effects, runLogic } = recorder();
    this.effects = effects;
    this.runId = options.runId ?? 'r1';
    this.actor = options.snapshot
      ? // A restored actor takes no input (the snapshot carries the context); the types still ask for one.
        createActor(runLogic, { id: this.runId, snapshot: options.snapshot } as { id: string; snapshot: Snapshot<unknown>; input: WorkflowRunInput })
      : createActor(runLogic, { id: this.runId, input: { runId: this.runId, mode: options.mode ?? 'autopilot', plan: plan as RunPlan } });
    this.actor.subscribe({
      next: (s) => {
        for (const p of statePaths(s.value)) visited.run.add(p);
        this.trackChildren();
      },
      error: (err) => { this.errors.push(err); actorErrors.push(err); },
    });
    this.actor.start();
    for (const p of statePaths(this.actor.getSnapshot().value)) visited.run.add(p);
    this.trackChildren();
  }

  private trackChildren(): void {
    for (const [id, child] of Object.entries(this.actor.getSnapshot().children)) {
      if (!child || this.tracked.has(id)) continue;
      this.tracked.add(id);
      trackStage(child as unknown as StageRunLike);
    }
  }

  get snapshot() { return this.actor.getSnapshot(); }
  get context(): WorkflowRunContext { return this.actor.getSnapshot().context; }
  /** The innermost state as a dotted path: `queued`, `running.executing`, `waiting_approval`, ... */
  get value(): string { return leaf(this.actor.getSnapshot().value); }
  get status(): string { return this.actor.getSnapshot().status; }
  get round(): number { return this.context.round; }

  /** The StageRun id of `stageId` in `round` (default: the current round). */
  sid(stageId: string, round = this.round): string { return stageRunId(this.runId, stageId, round); }

  /** The live StageRun children. */
  children(): StageRunLike[] {
    return Object.values(this.actor.getSnapshot().children).filter((c) => c !== undefined).map((c) => c as unknown as StageRunLike);
  }
  /** The stage ids of the live StageRun children, sorted. */
  live(): string[] { return this.children().map((c) => c.getSnapshot().context.stageId).sort(); }
  /** The live child of `stageId` (current round). */
  child(stageId: string): StageRunLike | undefined {
    const c = (this.actor.getSnapshot().children as Record<string, unknown>)[this.sid(stageId)];
    return c as StageRunLike | undefined;
  }
  /** The state of the live child of `stageId` (current round), or undefined. */
  childState(stageId: string): string | undefined {
    const c = this.child(stageId);
    return c ? leaf(c.getSnapshot().value) : undefined;
  }

  /** The effects asked for since the last `take()`. */
  take(): RunEffect[] {
    const fresh = this.effects.slice(this.seen);
    this.seen = this.effects.length;
    return fresh;
  }
  /** The stage ids dispatched since the last `take()` (consumes them), sorted. */
  takeDispatched(): string[] { return this.take().filter(isDispatch).map((d) => d.stageId).sort(); }

  private next(at?: number): number {
    this.clock = at ?? this.clock + 1_000;
    return this.clock;
  }

  send(event: RunEvent): void { this.actor.send(event); }
  start(at?: number): void { this.send({ type: 'START', at: this.next(at) }); }
  stageStarted(stageId: string, o: ResultOptions = {}): void {
    this.send({ type: 'STAGE.STARTED', at: this.next(o.at), stageRunId: this.sid(stageId, o.round), attempt: o.attempt ?? 1 });
  }
  ok(stageId: string, o: ResultOptions & { summary?: StageSummary } = {}): void {
    this.send({
      type: 'STAGE.RESULT', at: this.next(o.at), stageRunId: this.sid(stageId, o.round), attempt: o.attempt ?? 1, ok: true,
      ...(o.summary ? { summary: o.summary } : {}), ...(o.costUsd === undefined ? {} : { costUsd: o.costUsd }),
    });
  }
  fail(stageId: string, error: string, o: ResultOptions & { retryable?: boolean } = {}): void {
    this.send({
      type: 'STAGE.RESULT', at: this.next(o.at), stageRunId: this.sid(stageId, o.round), attempt: o.attempt ?? 1, ok: false,
      error, retryable: o.retryable ?? false, ...(o.costUsd === undefined ? {} : { costUsd: o.costUsd }),
    });
  }
  fire(timerId: string, at?: number): void { this.send({ type: 'TIMER.FIRED', at: this.next(at), timerId }); }
  /** The review verdict: `$review` succeeds with a gate summary. */
  gate(passed: boolean, o: ResultOptions & { notes?: string } = {}): void {
    this.ok('$review', { ...o, summary: { gate: { passed, ...(o.notes ? { notes: o.notes } : {}) } } });
  }
  approve(at?: number): void { this.send({ type: 'APPROVE', at: this.next(at) }); }
  rework(feedback: string, stages?: string[], at?: number): void {
    this.send({ type: 'REQUEST_REWORK', at: this.next(at), feedback, ...(stages ? { stages } : {}) });
  }
  cancel(reason: string, at?: number): void { this.send({ type: 'CANCEL', at: this.next(at), reason }); }
  resume(at?: number): void { this.send({ type: 'RESUME', at: this.next(at) }); }

  /** Succeeds every live DAG stage until the run leaves `running.executing`; returns the order of completion. */
  runDag(): string[] {
    const order: string[] = [];
    for (let guard = 0; this.value === 'running.executing' && guard < 100; guard++) {
      const next = this.live().find((id) => !id.startsWith('$'));
      if (!next) break;
      this.ok(next);
      order.push(next);
    }
    return order;
  }

  /** The persisted snapshot, through JSON (as the host stores it). */
  persisted(): Snapshot<unknown> {
    return JSON.parse(JSON.stringify(this.actor.getPersistedSnapshot())) as Snapshot<unknown>;
  }

  /** Stops this actor and restores a new harness (with fresh effect collection) from its persisted snapshot. */
  restore(): RunHarness {
    const snapshot = this.persisted();
    this.actor.stop();
    const h = new RunHarness(null, { runId: this.runId, snapshot });
    h.clock = this.clock;
    return h;
  }
}

/** Creates and starts a run harness (the run itself is still `queued` until `start()`). */
export function startRun(plan: RunPlan, options: RunHarnessOptions = {}): RunHarness {
  return new RunHarness(plan, options);
}
