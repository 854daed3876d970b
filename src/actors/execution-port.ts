import type { StageJob, StageOutcome } from '../contracts/execution.js';

/** A durable timer request: deliver `TIMER.FIRED {timerId}` to the run at `fireAt`. */
export interface TimerRequest {
  runId: string;
  timerId: string;
  fireAt: number;
  hostId: string;
}

/** What an execution adapter calls back into the run host with. */
export interface ExecutionCallbacks {
  /** A worker picked up an attempt (best effort: the result also settles the attempt). */
  stageStarted(job: StageJob, at: number): void;
  /** The outcome of an attempt; resolves once the run host has committed it. */
  stageFinished(outcome: StageOutcome): Promise<void>;
  /** A timer came due; resolves once committed. */
  timerFired(runId: string, timerId: string): Promise<void>;
}

/**
 * The execution layer as the run host sees it: one port, two adapters (in-process, BullMQ). The
 * host only calls it with effects that are already committed; an adapter may see the same job or
 * timer twice (after a restart) and must treat the key as an idempotency key.
 */
export interface ExecutionPort {
  /** Connects the host's callbacks; called once, before anything else. */
  bind(callbacks: ExecutionCallbacks): void;
  /** Starts the adapter (consumers, workers). */
  start(): Promise<void>;
  dispatch(jobs: StageJob[]): Promise<void>;
  /**
   * Called after each commit, before its effects are delivered, with the stage outcomes the commit
   * applied (for adapters that cache outputs for downstream stages).
   */
  committed?(outcomes: StageOutcome[]): void;
  /** Aborts attempts in flight by key (`runId:stageRunId:attempt`). */
  abort(keys: string[]): Promise<void>;
  armTimers(timers: TimerRequest[]): Promise<void>;
  /** Jobs waiting or running, for metrics. */
  depth(): Promise<number>;
  close(): Promise<void>;
}
