import { Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { StageJob } from '../contracts/execution.js';
import type { Logger } from '../observability/logger.js';
import type { HostMessage } from './bullmq.execution.js';
import { queueNames, redisConnection } from './bullmq-names.js';
import { executeStage, type HandlerLookup, type StageInputs } from './stage-executor.js';

/** Options of a stage worker process. */
export interface StageWorkerOptions {
  redisUrl: string;
  prefix: string;
  handlers: HandlerLookup;
  inputs: StageInputs;
  logger: Logger;
  /** Attempts at once in this process. */
  concurrency: number;
  /**
   * How long a job stays locked by this worker without renewal (renewed every half of it while the
   * handler runs). When a worker dies, its jobs are taken over after about this long. Default 30 s.
   */
  lockMs?: number;
  /** An attempt still running after this long is reported as started; faster ones are not. Default 25 ms. */
  startedReportMs?: number;
  now?: () => number;
}

/**
 * A worker process's consumer of the `stages` queue. For each attempt: a redelivered job (or one
 * BullMQ retries after a stall) first looks for the recorded outcome, so a handler runs again only
 * when no outcome was recorded; otherwise it reports the start, runs the handler with the job's
 * AbortSignal (cancelled through the abort channel) and sends the outcome to the owning host's
 * result stream, where it waits durably if the host is down.
 */
export class StageWorker {
  private readonly names: ReturnType<typeof queueNames>;
  private readonly connection: Redis;
  private readonly subscriber: Redis;
  private worker: Worker | null = null;
  private readonly now: () => number;

  constructor(private readonly opts: StageWorkerOptions) {
    this.names = queueNames(opts.prefix);
    this.connection = redisConnection(opts.redisUrl);
    this.subscriber = redisConnection(opts.redisUrl);
    this.now = opts.now ?? Date.now;
  }

  async start(): Promise<void> {
    this.worker = new Worker(this.names.stages, (job: Job<StageJob>, _token, signal) => this.process(job, signal), {
      connection: redisConnection(this.opts.redisUrl),
      prefix: this.names.bullPrefix,
      concurrency: this.opts.concurrency,
      lockDuration: this.opts.lockMs ?? 30_000,
      stalledInterval: this.opts.lockMs ?? 30_000,
      // A job whose worker died is taken over, not failed, unless that keeps happening.
      maxStalledCount: 5,
    });
    this.worker.on('failed', (job, err) => this.opts.logger.error({ err, jobId: job?.id }, 'stage job failed to report'));
    await this.subscriber.subscribe(this.names.abortChannel);
    this.subscriber.on('message', (_channel: string, jobId: string) => {
      this.worker?.cancelJob(jobId, 'aborted by the run host (run cancelled or attempt timed out)');
    });
    await this.worker.waitUntilReady();
  }

  /** Stops taking jobs, lets running attempts finish (or be aborted after `graceMs`), disconnects. */
  async close(graceMs = 10_000): Promise<void> {
    const worker = this.worker;
    if (worker) {
      const timer = setTimeout(() => worker.cancelAllJobs('worker shutting down'), graceMs);
      await worker.close();
      clearTimeout(timer);
    }
    this.subscriber.disconnect();
    this.connection.disconnect();
  }

  /** Sends a message to the run host's result stream (durable in Redis until the host acknowledges it). */
  private async send(hostId: string, message: HostMessage): Promise<void> {
    await this.connection.xadd(this.names.results(hostId), 'MAXLEN', '~', '1000000', '*', 'm', JSON.stringify(message));
  }

  private async process(job: Job<StageJob>, signal: AbortSignal | undefined): Promise<void> {
    const data = job.data;
    // Sent again after a host restart, or taken over from a dead worker: the outcome may be recorded.
    if (data.redelivery || job.attemptsMade > 0 || job.stalledCounter > 0 || job.attemptsStarted > 1) {
      const recorded = await this.opts.inputs.recorded(data.key);
      if (recorded) {
        await this.send(data.hostId, { kind: 'result', outcome: recorded });
        return;
      }
    }
    const startedAt = this.now();
    const report = setTimeout(() => {
      this.send(data.hostId, { kind: 'started', job: { ...data, upstreamOutputs: undefined }, at: startedAt })
        .catch((err: unknown) => this.opts.logger.debug({ err, key: data.key }, 'start report not sent'));
    }, this.opts.startedReportMs ?? 25);
    const outcome = await executeStage(data, this.opts.handlers, this.opts.inputs, signal ?? new AbortController().signal, this.now)
      .finally(() => clearTimeout(report));
    await this.send(data.hostId, { kind: 'result', outcome });
  }
}
