import { Job, Queue, QueueEvents, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { StageJob, StageOutcome } from '../contracts/execution.js';
import type { ExecutionCallbacks, ExecutionPort, TimerRequest } from '../actors/execution-port.js';
import type { Logger } from '../observability/logger.js';
import { jobIdOf, queueNames, redisConnection } from './bullmq-names.js';

/** Options of the BullMQ execution layer on the run host side. */
export interface BullmqExecutionOptions {
  redisUrl: string;
  prefix: string;
  hostId: string;
  logger: Logger;
  role: 'host';
  /** Host-queue messages (results, start reports, timers) handled at once. Default 256. */
  concurrency?: number;
  /** Lock on a host-queue message being applied; a dead host's messages are taken over after about this long. Default 30 s. */
  lockMs?: number;
  now?: () => number;
}

/** A message on a run host's queue. */
export type HostMessage =
  | { kind: 'result'; outcome: StageOutcome }
  | { kind: 'started'; job: StageJob; at: number }
  | { kind: 'timer'; runId: string; timerId: string };

/**
 * The distributed execution layer, run host side. Stage attempts go to the shared `stages` queue
 * (job id = the attempt's idempotency key, so re-adding after a restart is a no-op while the job is
 * known) for worker processes (`npm run worker`). Workers answer on this host's own queue, where
 * durable timers also wait as delayed jobs: if the host is down, results and due timers wait in
 * Redis and are applied when it is back. A host-queue job completes only after the run host has
 * committed the event it carried, so a crash in between redelivers it (and the event id dedupes it).
 */
export class BullmqExecution implements ExecutionPort {
  private callbacks: ExecutionCallbacks | null = null;
  private readonly names: ReturnType<typeof queueNames>;
  private readonly connection: Redis;
  private readonly stages: Queue;
  private readonly hostQueue: Queue;
  private worker: Worker | null = null;
  private events: QueueEvents | null = null;
  private readonly now: () => number;

  constructor(private readonly opts: BullmqExecutionOptions) {
    this.names = queueNames(opts.prefix);
    this.connection = redisConnection(opts.redisUrl);
    this.stages = new Queue(this.names.stages, { connection: this.connection, prefix: this.names.bullPrefix });
    this.hostQueue = new Queue(this.names.host(opts.hostId), { connection: this.connection, prefix: this.names.bullPrefix });
    this.now = opts.now ?? Date.now;
  }

  bind(callbacks: ExecutionCallbacks): void {
    this.callbacks = callbacks;
  }

  async start(): Promise<void> {
    this.worker = new Worker(this.names.host(this.opts.hostId), (job: Job<HostMessage>) => this.handle(job), {
      connection: redisConnection(this.opts.redisUrl),
      prefix: this.names.bullPrefix,
      concurrency: this.opts.concurrency ?? 256,
      lockDuration: this.opts.lockMs ?? 30_000,
      stalledInterval: this.opts.lockMs ?? 30_000,
      maxStalledCount: 100,
    });
    this.worker.on('failed', (job, err) => this.opts.logger.warn({ err, jobId: job?.id }, 'host message not applied; BullMQ retries it'));
    // A stage job BullMQ gave up on (its worker kept dying) becomes a retryable failure of the attempt,
    // so the run retries it instead of waiting forever.
    this.events = new QueueEvents(this.names.stages, { connection: redisConnection(this.opts.redisUrl), prefix: this.names.bullPrefix });
    this.events.on('failed', ({ jobId, failedReason }) => {
      void this.lost(jobId, failedReason);
    });
    await Promise.all([this.worker.waitUntilReady(), this.events.waitUntilReady()]);
  }

  private async lost(jobId: string, reason: string): Promise<void> {
    const job = (await Job.fromId(this.stages, jobId).catch(() => undefined)) as Job<StageJob> | undefined;
    const data = job?.data;
    if (!data || data.hostId !== this.opts.hostId || !this.callbacks) return;
    const at = this.now();
    await this.callbacks.stageFinished({
      key: data.key, tenantId: data.tenantId, runId: data.runId, stageRunId: data.stageRunId, stageId: data.stageId, round: data.round,
      attempt: data.attempt, kind: data.kind, ok: false, output: null, error: `the stage job was lost by its workers: ${reason}`, retryable: true,
      costUsd: 0, artifacts: [], summary: null, startedAt: at, finishedAt: at,
    }).catch((err: unknown) => this.opts.logger.warn({ err, jobId }, 'lost stage job not reported'));
  }

  async dispatch(jobs: StageJob[]): Promise<void> {
    await this.stages.addBulk(jobs.map((j) => ({
      name: j.kind,
      data: j,
      opts: { jobId: jobIdOf(j.key), removeOnComplete: { age: 3600, count: 100_000 }, removeOnFail: { age: 24 * 3600 } },
    })));
  }

  async abort(keys: string[]): Promise<void> {
    for (const key of keys) {
      const jobId = jobIdOf(key);
      await this.stages.remove(jobId).catch(() => 0);
      await this.connection.publish(this.names.abortChannel, jobId);
    }
  }

  async armTimers(timers: TimerRequest[]): Promise<void> {
    await this.hostQueue.addBulk(timers.map((t) => ({
      name: 'timer',
      data: { kind: 'timer' as const, runId: t.runId, timerId: t.timerId },
      opts: {
        jobId: jobIdOf(`timer:${t.timerId}`), delay: Math.max(0, t.fireAt - this.now()),
        removeOnComplete: true, removeOnFail: { age: 24 * 3600 }, attempts: 20, backoff: { type: 'exponential', delay: 500 },
      },
    })));
  }

  async depth(): Promise<number> {
    const counts = await this.stages.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
    return Object.values(counts).reduce((a, b) => a + b, 0);
  }

  async close(): Promise<void> {
    await this.worker?.close();
    await this.events?.close();
    await this.stages.close();
    await this.hostQueue.close();
    this.connection.disconnect();
  }

  private async handle(job: Job<HostMessage>): Promise<void> {
    const callbacks = this.callbacks;
    if (!callbacks) throw new Error('BullMQ execution used before bind()');
    const m = job.data;
    if (m.kind === 'result') await callbacks.stageFinished(m.outcome);
    else if (m.kind === 'timer') await callbacks.timerFired(m.runId, m.timerId);
    else callbacks.stageStarted(m.job, m.at);
  }
}
