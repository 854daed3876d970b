import { Job, Queue, QueueEvents, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { StageJob, StageOutcome } from '../contracts/execution.js';
import type { ExecutionCallbacks, ExecutionPort, TimerRequest } from '../actors/execution-port.js';
import type { Logger } from '../observability/logger.js';
import { jobIdOf, queueNames, redisConnection } from './bullmq-names.js';
import { OutputCache } from './output-cache.js';

/** Options of the BullMQ execution layer on the run host side. */
export interface BullmqExecutionOptions {
  redisUrl: string;
  prefix: string;
  hostId: string;
  logger: Logger;
  role: 'host';
  /** Result messages read (and applied) at once. Default 500. */
  readCount?: number;
  /** Lock on a timer job being applied; a dead host's timers are taken over after about this long. Default 30 s. */
  lockMs?: number;
  now?: () => number;
}

/** A message from a worker to a run host. */
export type HostMessage =
  | { kind: 'result'; outcome: StageOutcome }
  | { kind: 'started'; job: StageJob; at: number }
  | { kind: 'timer'; runId: string; timerId: string };

const GROUP = 'host';

/**
 * The distributed execution layer, run host side.
 *
 * - Stage attempts go to the shared `stages` BullMQ queue (job id = the attempt's idempotency key,
 *   so re-adding after a restart is a no-op while the job is known), with the upstream outputs when
 *   this host has them (the worker then reads nothing from the database but the context).
 * - Workers answer on this host's own Redis stream (`<prefix>:results:<hostId>`), read with a
 *   consumer group in batches; an entry is acknowledged (and deleted) only after the run host has
 *   committed the event it carried, so entries of a host that died are read again when it is back.
 * - Durable timers are delayed jobs on this host's queue.
 */
export class BullmqExecution implements ExecutionPort {
  private callbacks: ExecutionCallbacks | null = null;
  private readonly names: ReturnType<typeof queueNames>;
  private readonly connection: Redis;
  private readonly reader: Redis;
  private readonly stages: Queue;
  private readonly hostQueue: Queue;
  private readonly outputs = new OutputCache();
  private timerWorker: Worker | null = null;
  private events: QueueEvents | null = null;
  private readonly now: () => number;
  private reading = false;
  private loop: Promise<void> | null = null;

  constructor(private readonly opts: BullmqExecutionOptions) {
    this.names = queueNames(opts.prefix);
    this.connection = redisConnection(opts.redisUrl);
    this.reader = redisConnection(opts.redisUrl);
    this.stages = new Queue(this.names.stages, { connection: this.connection, prefix: this.names.bullPrefix });
    this.hostQueue = new Queue(this.names.host(opts.hostId), { connection: this.connection, prefix: this.names.bullPrefix });
    this.now = opts.now ?? Date.now;
  }

  bind(callbacks: ExecutionCallbacks): void {
    this.callbacks = callbacks;
  }

  async start(): Promise<void> {
    const stream = this.names.results(this.opts.hostId);
    await this.connection.xgroup('CREATE', stream, GROUP, '0', 'MKSTREAM').catch((err: Error) => {
      if (!/BUSYGROUP/.test(err.message)) throw err;
    });
    this.timerWorker = new Worker(this.names.host(this.opts.hostId), (job: Job<HostMessage>) => this.handle(job.data), {
      connection: redisConnection(this.opts.redisUrl),
      prefix: this.names.bullPrefix,
      concurrency: 64,
      lockDuration: this.opts.lockMs ?? 30_000,
      stalledInterval: this.opts.lockMs ?? 30_000,
      maxStalledCount: 100,
    });
    this.timerWorker.on('failed', (job, err) => this.opts.logger.warn({ err, jobId: job?.id }, 'timer not applied; BullMQ retries it'));
    // A stage job BullMQ gave up on (its worker kept dying) becomes a retryable failure of the attempt,
    // so the run retries it instead of waiting forever.
    this.events = new QueueEvents(this.names.stages, { connection: redisConnection(this.opts.redisUrl), prefix: this.names.bullPrefix });
    this.events.on('failed', ({ jobId, failedReason }) => {
      void this.lost(jobId, failedReason);
    });
    await Promise.all([this.timerWorker.waitUntilReady(), this.events.waitUntilReady()]);
    this.reading = true;
    this.loop = this.readLoop(stream);
  }

  /** Keeps committed outputs to send with downstream jobs. */
  committed(outcomes: StageOutcome[]): void {
    for (const o of outcomes) this.outputs.remember(o);
  }

  async dispatch(jobs: StageJob[]): Promise<void> {
    await this.stages.addBulk(jobs.map((j) => {
      const upstreamOutputs = j.upstreamOutputs ?? this.outputs.get(j.runId, j.upstream) ?? undefined;
      return {
        name: j.kind,
        data: upstreamOutputs ? { ...j, upstreamOutputs } : j,
        opts: { jobId: jobIdOf(j.key), removeOnComplete: { age: 3600, count: 100_000 }, removeOnFail: { age: 24 * 3600 } },
      };
    }));
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
    this.reading = false;
    this.reader.disconnect();
    await this.loop?.catch(() => undefined);
    await this.timerWorker?.close();
    await this.events?.close();
    await this.stages.close();
    await this.hostQueue.close();
    this.connection.disconnect();
  }

  /**
   * Reads this host's result stream: first the entries it read before and never acknowledged (a
   * crash between reading and committing), then new ones, in batches. Each batch is applied
   * concurrently (the run host group-commits it) and acknowledged once committed.
   */
  private async readLoop(stream: string): Promise<void> {
    let backlog = true;
    while (this.reading) {
      let entries: Array<[string, string[]]>;
      try {
        const res = (await this.reader.xreadgroup(
          'GROUP', GROUP, this.opts.hostId, 'COUNT', this.opts.readCount ?? 500, 'BLOCK', 1000, 'STREAMS', stream, backlog ? '0' : '>',
        )) as Array<[string, Array<[string, string[]]>]> | null;
        entries = res?.[0]?.[1] ?? [];
      } catch (err) {
        if (!this.reading) return;
        this.opts.logger.warn({ err }, 'reading the result stream failed; retrying');
        await new Promise((r) => setTimeout(r, 500));
        continue;
      }
      if (backlog && entries.length === 0) {
        backlog = false;
        continue;
      }
      const done: string[] = [];
      let failed = false;
      await Promise.all(entries.map(async ([id, fields]) => {
        try {
          const raw = fields[1];
          if (raw) await this.handle(JSON.parse(raw) as HostMessage);
          done.push(id);
        } catch (err) {
          failed = true;
          this.opts.logger.warn({ err, id }, 'result not applied; it stays pending and is read again');
        }
      }));
      if (done.length > 0) await this.connection.multi().xack(stream, GROUP, ...done).xdel(stream, ...done).exec();
      // Unacknowledged entries are only re-read from the start of the pending list.
      if (failed) {
        backlog = true;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
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

  private async handle(m: HostMessage): Promise<void> {
    const callbacks = this.callbacks;
    if (!callbacks) throw new Error('BullMQ execution used before bind()');
    if (m.kind === 'result') await callbacks.stageFinished(m.outcome);
    else if (m.kind === 'timer') await callbacks.timerFired(m.runId, m.timerId);
    else callbacks.stageStarted(m.job, m.at);
  }
}
