import type { StageJob, StageOutcome } from '../contracts/execution.js';
import type { ExecutionCallbacks, ExecutionPort, TimerRequest } from '../actors/execution-port.js';
import type { Logger } from '../observability/logger.js';
import type { DbStageInputs } from './db-stage-inputs.js';
import { executeStage, type HandlerLookup } from './stage-executor.js';

/** Options of the in-process execution layer. */
export interface InProcessOptions {
  handlers: HandlerLookup;
  inputs: DbStageInputs;
  logger: Logger;
  /** Attempts running at once. Default 64. */
  concurrency?: number;
  /**
   * An attempt still running after this long is reported as started (`running`); a faster one is
   * not reported at all: its result settles it from `queued`. Saves a step per fast stage. Default 25.
   */
  startedReportMs?: number;
  now?: () => number;
}

/**
 * The embedded execution layer: stage attempts run in this process (bounded concurrency), timers are
 * in-memory `setTimeout`s. Durability comes from the run host: attempts and timers are re-handed
 * over from the snapshots when the process starts again, and a redelivered attempt whose outcome was
 * already recorded is answered from the record instead of running the handler again.
 */
export class InProcessExecution implements ExecutionPort {
  private callbacks: ExecutionCallbacks | null = null;
  private readonly queue: StageJob[] = [];
  private readonly queued = new Set<string>();
  private readonly running = new Map<string, AbortController>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly concurrency: number;
  private readonly now: () => number;
  private closed = false;

  constructor(private readonly opts: InProcessOptions) {
    this.concurrency = opts.concurrency ?? 64;
    this.now = opts.now ?? Date.now;
  }

  bind(callbacks: ExecutionCallbacks): void {
    this.callbacks = callbacks;
  }

  async start(): Promise<void> {}

  async dispatch(jobs: StageJob[]): Promise<void> {
    for (const job of jobs) {
      if (this.queued.has(job.key) || this.running.has(job.key)) continue;
      this.queue.push(job);
      this.queued.add(job.key);
    }
    this.pump();
  }

  /** Keeps committed outputs for the stages downstream of them (before those are dispatched). */
  committed(outcomes: StageOutcome[]): void {
    for (const o of outcomes) this.opts.inputs.remember(o);
  }

  async abort(keys: string[]): Promise<void> {
    for (const key of keys) {
      this.running.get(key)?.abort(new Error('attempt aborted (run cancelled or attempt timed out)'));
      if (this.queued.delete(key)) {
        const i = this.queue.findIndex((j) => j.key === key);
        if (i >= 0) this.queue.splice(i, 1);
      }
    }
  }

  async armTimers(timers: TimerRequest[]): Promise<void> {
    for (const t of timers) {
      if (this.timers.has(t.timerId) || this.closed) continue;
      const handle = setTimeout(() => {
        this.timers.delete(t.timerId);
        this.callbacks?.timerFired(t.runId, t.timerId).catch((err: unknown) => this.opts.logger.warn({ err, timerId: t.timerId }, 'timer event not applied'));
      }, Math.max(0, t.fireAt - this.now()));
      this.timers.set(t.timerId, handle);
    }
  }

  async depth(): Promise<number> {
    return this.queue.length + this.running.size;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const handle of this.timers.values()) clearTimeout(handle);
    this.timers.clear();
    this.queue.length = 0;
    this.queued.clear();
    for (const c of this.running.values()) c.abort(new Error('shutting down'));
  }

  private pump(): void {
    while (!this.closed && this.running.size < this.concurrency && this.queue.length > 0) {
      const job = this.queue.shift() as StageJob;
      this.queued.delete(job.key);
      const controller = new AbortController();
      this.running.set(job.key, controller);
      void this.run(job, controller).finally(() => {
        this.running.delete(job.key);
        this.pump();
      });
    }
  }

  private async run(job: StageJob, controller: AbortController): Promise<void> {
    const callbacks = this.callbacks;
    if (!callbacks) throw new Error('in-process execution used before bind()');
    try {
      if (job.redelivery) {
        const recorded = await this.opts.inputs.recorded(job.key);
        if (recorded) {
          await callbacks.stageFinished(recorded);
          return;
        }
      }
      const startedAt = this.now();
      const report = setTimeout(() => callbacks.stageStarted(job, startedAt), this.opts.startedReportMs ?? 25);
      const outcome = await executeStage(job, this.opts.handlers, this.opts.inputs, controller.signal, this.now).finally(() => clearTimeout(report));
      if (this.closed) return;
      await callbacks.stageFinished(outcome);
    } catch (err) {
      if (!this.closed) this.opts.logger.warn({ err, key: job.key }, 'stage outcome not applied; it is re-delivered when the run is restored');
    }
  }
}
