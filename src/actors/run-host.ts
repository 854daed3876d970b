import type { Knex } from '@mikro-orm/postgresql';
import { PlatformError } from '../domain/errors.js';
import type { RunMode, RunPlan, RunTier } from '../domain/run.js';
import type { Logger } from '../observability/logger.js';
import { noMetrics, type EngineMetrics } from '../observability/metrics.js';
import type { Orm } from '../persistence/orm.js';
import { batchRows } from '../persistence/runs/run-batch.js';
import { claimRuns, heartbeat } from '../persistence/runs/run-reader.js';
import { StaleRunError, commitRunBatch } from '../persistence/runs/run-writer.js';
import { sqlRunner, type SqlRunner } from '../persistence/runs/sql-runner.js';
import { BatchBuilder, type Delivery } from './batch-builder.js';
import { CommitListeners, type CommitListener } from './commit-listeners.js';
import { executionCallbacks } from './execution-callbacks.js';
import type { ExecutionCallbacks, ExecutionPort } from './execution-port.js';
import { LiveRun, type Applied, type CommandIdempotency, type EventActor, type Pending, type Submission } from './live-run.js';
import { MachineRuntime, statusOf, stateString } from './machine-runtime.js';
import { answerForFinished, claimStoredRun, restoreRuns } from './stored-runs.js';

/** What the host needs. */
export interface RunHostOptions {
  orm: Orm;
  /** Stable id of this host (the owner of its runs, the address of its results). */
  hostId: string;
  execution: ExecutionPort;
  logger: Logger;
  metrics?: EngineMetrics;
  /** A host whose heartbeat is older than this loses its runs to a live host. Default 30 s. */
  leaseMs?: number;
  heartbeatMs?: number;
  /** Most runs per group commit. Default 2000. */
  maxBatchRuns?: number;
  /**
   * Group commits in flight at once, on disjoint sets of runs (a run is in at most one). Two keep
   * the database busy while the next batch is being built. Default 2.
   */
  maxConcurrentCommits?: number;
  now?: () => number;
}

/** A run to create: its identity, pinned context, plan and modes. */
export interface NewRun {
  id: string;
  tenantId: string;
  taskId: string;
  contextSnapshotId: string;
  plan: RunPlan;
  requestedMode: RunMode;
  effectiveMode: RunMode;
  modeReason: string;
  tier: RunTier;
  actor: EventActor;
  requestId?: string;
  command?: CommandIdempotency;
}

/**
 * The run host: owns the live WorkflowRun actors of this process.
 *
 * - **Mailbox per run.** Submissions queue per run and are applied one at a time, in order.
 * - **Persist, then deliver.** Every applied event goes into the current group commit with the new
 *   snapshot (`version + 1`, guarded by the version read and by ownership), its timeline row, outbox
 *   rows for its effects, audit events and command records. Effects are handed to the execution layer
 *   and submitters are answered only after that transaction commits.
 * - **Group commit.** One transaction carries the steps of every run that had events since the
 *   previous commit; while it is written, new events queue for the next one.
 * - **Rehydration.** On start the host claims every non-terminal run that is its own, ownerless, or
 *   owned by a host whose heartbeat lapsed, restores the actors from their snapshots and re-delivers
 *   what the snapshots still wait on (attempts in flight, armed timers).
 * - **Failure.** A failed commit rejects the batch's submissions and drops its runs from memory; they
 *   are reloaded from their last committed snapshot on the next event.
 */
export class RunHost {
  readonly hostId: string;
  private readonly runtime = new MachineRuntime();
  private readonly runs = new Map<string, LiveRun>();
  private readonly loading = new Map<string, Promise<LiveRun | null>>();
  private readonly ready = new Set<LiveRun>();
  private readonly listeners: CommitListeners;
  private readonly metrics: EngineMetrics;
  private readonly now: () => number;
  private committing = 0;
  private scheduled = false;
  private stopped = false;
  private heartbeatTimer: NodeJS.Timeout | null = null;

  constructor(private readonly opts: RunHostOptions) {
    this.hostId = opts.hostId;
    this.metrics = opts.metrics ?? noMetrics;
    this.now = opts.now ?? Date.now;
    this.listeners = new CommitListeners(opts.logger);
    this.callbacks = executionCallbacks((runId, submission) => this.submit(runId, submission), opts.logger);
    this.sql = sqlRunner(opts.orm, (opts.maxConcurrentCommits ?? 2) + 2);
  }

  private get knex(): Knex {
    return this.opts.orm.em.getKnex();
  }

  /** The hot path's SQL runner (group commits). */
  private readonly sql: SqlRunner;

  /** Connects the execution layer, takes the lease and brings this host's runs back. */
  async start(): Promise<{ rehydrated: number }> {
    this.opts.execution.bind(this.callbacks);
    await heartbeat(this.knex, this.hostId);
    const rehydrated = await this.rehydrate();
    await this.opts.execution.start();
    this.heartbeatTimer = setInterval(() => {
      heartbeat(this.knex, this.hostId).catch((err: unknown) => this.opts.logger.warn({ err }, 'run host heartbeat failed'));
    }, this.opts.heartbeatMs ?? 5000);
    this.heartbeatTimer.unref();
    return { rehydrated };
  }

  /** Stops accepting work, waits for the commit in flight, and closes the execution layer. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    while (this.committing > 0 || this.scheduled) await new Promise((r) => setTimeout(r, 5));
    await this.opts.execution.close();
    for (const run of this.runs.values()) run.actor.stop();
    this.runs.clear();
    await this.sql.close();
  }

  /**
   * Called with every committed batch (after commit, in commit order; synchronously, so keep it
   * cheap). Returns a function that removes the listener.
   */
  onCommit(listener: CommitListener): () => void {
    return this.listeners.add(listener);
  }

  /** Number of runs held in memory. */
  get liveRuns(): number {
    return this.runs.size;
  }

  /**
   * Creates a run and starts it: the run row, its pending StageRuns and the START event are written
   * in one commit. Resolves with the run's state after START.
   */
  createRun(spec: NewRun): Promise<Applied> {
    if (this.stopped) return Promise.reject(new PlatformError('SERVICE_UNAVAILABLE', 'the run host is shutting down'));
    const actor = this.runtime.create({ runId: spec.id, mode: spec.effectiveMode, plan: spec.plan });
    const run = new LiveRun(spec.id, spec.tenantId, spec.contextSnapshotId, spec.plan, actor, 0, 0, new Set());
    run.committedVersion = 0;
    const at = this.now();
    run.newRow = {
      tenantId: spec.tenantId, taskId: spec.taskId, contextSnapshotId: spec.contextSnapshotId, plan: spec.plan,
      requestedMode: spec.requestedMode, effectiveMode: spec.effectiveMode, modeReason: spec.modeReason, tier: spec.tier,
      createdBy: spec.actor.type === 'api_key' ? `key:${spec.actor.id}` : spec.actor.type, createdAt: at,
    };
    this.runs.set(run.id, run);
    return this.enqueue(run, {
      event: { type: 'START' }, eventId: `start:${spec.id}`, actor: spec.actor, mustApply: true,
      ...(spec.command ? { command: spec.command } : {}), ...(spec.requestId ? { requestId: spec.requestId } : {}),
    });
  }

  /** Submits an event to a run (loading or claiming it first if needed). Resolves once committed. */
  async submit(runId: string, submission: Submission): Promise<Applied> {
    if (this.stopped) throw new PlatformError('SERVICE_UNAVAILABLE', 'the run host is shutting down');
    const run = this.runs.get(runId) ?? (await this.load(runId));
    if (!run) return answerForFinished(this.knex, runId, submission);
    return this.enqueue(run, submission);
  }

  private enqueue(run: LiveRun, submission: Submission): Promise<Applied> {
    return new Promise<Applied>((resolve, reject) => {
      run.mailbox.push({ submission, resolve, reject });
      this.ready.add(run);
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.committing >= (this.opts.maxConcurrentCommits ?? 2)) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  /** Builds and commits one batch from every run with queued submissions. */
  private async flush(): Promise<void> {
    if (this.committing >= (this.opts.maxConcurrentCommits ?? 2) || this.ready.size === 0) return;
    const taken: LiveRun[] = [];
    // With no commit in flight, take half of what is ready (from 8 runs up): the other half goes into
    // a second batch right away, so the database commits one while this process builds the other.
    const eligible = this.ready.size;
    const share = this.committing === 0 && eligible >= 8 && (this.opts.maxConcurrentCommits ?? 2) > 1 ? Math.ceil(eligible / 2) : eligible;
    const limit = Math.min(this.opts.maxBatchRuns ?? 2000, share);
    for (const run of this.ready) {
      if (taken.length >= limit) break;
      if (!run.inFlight) taken.push(run);
    }
    if (taken.length === 0) return;
    this.committing += 1;
    const builder = new BatchBuilder(this.runtime, this.hostId, this.now);
    for (const run of taken) {
      this.ready.delete(run);
      run.inFlight = true;
      const mailbox = run.mailbox;
      run.mailbox = [];
      for (const pending of mailbox) builder.apply(run, pending);
    }
    const batch = builder.finish();
    // Runs that were not in this batch may go into another one while this one commits.
    if (this.ready.size > 0) this.schedule();
    const started = performance.now();
    let bytes = 0;
    try {
      if (batchRows(batch) > 0) bytes = await commitRunBatch(this.sql, this.hostId, batch);
    } catch (err) {
      this.metrics.batchFailed();
      for (const run of builder.runs) run.inFlight = false;
      this.failBatch(builder, err);
      this.committing -= 1;
      if (this.ready.size > 0) this.schedule();
      return;
    }
    const seconds = (performance.now() - started) / 1000;
    this.metrics.batchCommitted(builder.runs.size, batchRows(batch), batch.events.length, seconds);
    this.metrics.transitions(batch.events.filter((e) => e.fromState !== e.toState).length);
    for (const r of batch.results) this.metrics.stageFinished(r.kind, r.ok, Math.max(0, r.finishedAt - r.startedAt) / 1000);
    const committedAt = performance.now();
    for (const run of builder.runs) {
      run.committedVersion = run.version;
      run.newRow = null;
      run.inFlight = false;
    }
    this.committing -= 1;
    if (this.ready.size > 0) this.schedule();
    if (batch.results.length > 0) this.opts.execution.committed?.(batch.results);
    this.deliver(builder.delivery, committedAt);
    this.settle(builder);
    this.listeners.notify(batch, bytes, this.now());
    for (const run of builder.runs) this.evictIfFinished(run);
  }

  private deliver(delivery: Delivery, committedAt: number): void {
    const { execution, logger } = this.opts;
    const count = delivery.jobs.length + delivery.timers.length + delivery.aborts.length;
    if (count === 0) return;
    const handoffs: Array<Promise<void>> = [];
    if (delivery.aborts.length > 0) handoffs.push(execution.abort(delivery.aborts));
    if (delivery.timers.length > 0) handoffs.push(execution.armTimers(delivery.timers));
    if (delivery.jobs.length > 0) handoffs.push(execution.dispatch(delivery.jobs));
    // A failed hand-off is not lost: the effects are in the outbox and the snapshot still waits on
    // them, so they are delivered again when the run is next restored.
    Promise.all(handoffs)
      .then(() => this.metrics.outboxDelivered((performance.now() - committedAt) / 1000, count))
      .catch((err: unknown) => logger.error({ err }, 'delivering committed effects failed; they will be re-delivered on restore'));
  }

  private settle(builder: BatchBuilder): void {
    for (const o of builder.outcomes) {
      if ('applied' in o) o.pending.resolve(o.applied);
      else if ('error' in o) o.pending.reject(o.error);
      else {
        const snap = o.duplicateOf.actor.getSnapshot();
        o.pending.resolve({
          runId: o.duplicateOf.id, version: o.duplicateOf.committedVersion, status: statusOf(snap.value), state: stateString(snap.value), duplicate: true,
        });
      }
    }
  }

  private failBatch(builder: BatchBuilder, err: unknown): void {
    const stale = err instanceof StaleRunError;
    this.opts.logger.error({ err, runs: builder.runs.size }, stale ? 'group commit refused: a run changed under this host' : 'group commit failed');
    const answer = stale
      ? new PlatformError('RUN_BUSY', 'the run changed under this host (another host owns it now); retry the request')
      : err;
    for (const o of builder.outcomes) o.pending.reject('error' in o ? o.error : answer);
    // The actors ran ahead of what is durable: drop them; the next event reloads the last commit.
    for (const run of builder.runs) {
      run.actor.stop();
      this.runs.delete(run.id);
      this.ready.delete(run);
      for (const p of run.mailbox) void this.submit(run.id, p.submission).then(p.resolve, p.reject);
      run.mailbox = [];
    }
  }

  private evictIfFinished(run: LiveRun): void {
    if (run.mailbox.length > 0 || run.inFlight) return;
    const snap = run.actor.getSnapshot();
    if (snap.status === 'active') return;
    run.actor.stop();
    this.runs.delete(run.id);
  }

  /** Loads a run this host may own; null when it is finished (terminal) or does not exist. */
  private load(runId: string): Promise<LiveRun | null> {
    const existing = this.loading.get(runId);
    if (existing) return existing;
    const promise = (async () => {
      if (!(await claimStoredRun(this.knex, this.hostId, this.opts.leaseMs ?? 30_000, runId))) return null;
      const [run] = await this.restore([runId]);
      return run ?? null;
    })().finally(() => this.loading.delete(runId));
    this.loading.set(runId, promise);
    return promise;
  }

  /** Restores runs (already owned by this host) from their snapshots and re-delivers what they wait on. */
  private async restore(ids: string[]): Promise<LiveRun[]> {
    const { runs, delivery } = await restoreRuns(this.knex, this.runtime, this.hostId, ids, (id) => this.runs.has(id));
    for (const run of runs) this.runs.set(run.id, run);
    this.deliver(delivery, performance.now());
    return runs;
  }

  private async rehydrate(): Promise<number> {
    const claimed = await claimRuns(this.knex, this.hostId, this.opts.leaseMs ?? 30_000);
    for (let i = 0; i < claimed.length; i += 500) await this.restore(claimed.slice(i, i + 500));
    if (claimed.length > 0) this.opts.logger.info({ runs: claimed.length, hostId: this.hostId }, 'rehydrated runs');
    return claimed.length;
  }

  /** The execution layer's way back in: results and timers become events of their runs. */
  private readonly callbacks: ExecutionCallbacks;
}

export type { Pending };
