import type { Logger } from '../../observability/logger.js';
import type { Orm } from '../../persistence/orm.js';
import { applyRetention, tenantsWithRetentionWork, type KnowledgePurger, type RetentionResult } from './knowledge-retention.js';

/** Options of {@link RetentionSweep}. */
export interface RetentionSweepOptions {
  orm: Orm;
  purger: KnowledgePurger;
  logger: Logger;
  /** Time between sweeps; default one hour. */
  intervalMs?: number;
  /** Delay of the first sweep after start; default one minute (start-up stays quick). */
  firstDelayMs?: number;
}

const SYSTEM = { type: 'system', id: null, role: 'admin' } as const;

/**
 * The periodic retention sweep of the web process: every `intervalMs` it applies the retention of
 * every tenant that has one (and purges knowledge left by deleted brands), one tenant at a time.
 * Its timer is unref'd (it never keeps the process alive); a failure is logged and the next sweep
 * tries again. Deletions are idempotent, so two web instances sweeping at once only repeat work.
 */
export class RetentionSweep {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<RetentionResult[]> | null = null;
  private stopped = false;

  constructor(private readonly opts: RetentionSweepOptions) {}

  /** Schedules the sweeps. */
  start(): void {
    this.stopped = false;
    this.schedule(this.opts.firstDelayMs ?? 60_000);
  }

  /** One sweep over every tenant with retention work, now (also what the timer runs). */
  sweep(now = new Date()): Promise<RetentionResult[]> {
    this.running ??= this.sweepAll(now).finally(() => {
      this.running = null;
    });
    return this.running;
  }

  /** Stops scheduling and waits for a sweep in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running?.catch(() => undefined);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.sweep()
        .catch((err: unknown) => this.opts.logger.error({ err }, 'knowledge retention sweep failed; it runs again at the next interval'))
        .finally(() => this.schedule(this.opts.intervalMs ?? 3_600_000));
    }, ms);
    this.timer.unref();
  }

  private async sweepAll(now: Date): Promise<RetentionResult[]> {
    const results: RetentionResult[] = [];
    for (const tenantId of await tenantsWithRetentionWork(this.opts.orm)) {
      if (this.stopped) break;
      const r = await applyRetention(this.opts.orm, this.opts.purger, tenantId, { now, actor: SYSTEM });
      results.push(r);
      if (r.totals.chunks + r.totals.vectors + r.totals.learnings > 0) {
        this.opts.logger.info({ tenantId, ...r.totals }, 'knowledge retention applied');
      }
    }
    return results;
  }
}
