import { randomUUID } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { StageHandler } from '../../src/contracts/execution.js';
import { uuidv7 } from '../../src/domain/ids.js';
import type { RunMode, RunPlan } from '../../src/domain/run.js';
import { createLogger } from '../../src/observability/logger.js';
import { PlatformMetrics } from '../../src/observability/metrics.js';
import type { WorkflowTemplateInput } from '../../src/planner/template.js';
import { planRun } from '../../src/planner/planner.js';
import { createOrm, migrate, type Orm } from '../../src/persistence/orm.js';
import { createScratchDatabase } from '../../src/persistence/scratch-database.js';
import { createEngine, type Engine } from '../../src/main/engine.js';
import { dropRedisPrefix } from '../../src/queue/bullmq-names.js';
import { seedWorkload } from './workload.js';

export const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.BENCH_REDIS_URL ?? process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A benchmark's platform: its own database (and Redis prefix), an engine, an optional worker process. */
export interface BenchPlatform {
  orm: Orm;
  url: string;
  engine: Engine;
  prefix: string;
  worker: ChildProcess | null;
  seed: Awaited<ReturnType<typeof seedWorkload>>;
  /** Starts a run of `template` and resolves when it reaches `until` (committed). */
  run: (template: string, mode: RunMode, until?: string) => Promise<string>;
  plan: (template: string) => RunPlan;
  close: () => Promise<void>;
}

/** Spawns a stage worker process for the benchmark (BullMQ mode). */
function spawnWorker(env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/lib/worker.ts'], {
    cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      if (d.toString().includes('worker ready')) resolve(child);
    });
    child.on('exit', (code) => reject(new Error(`bench worker exited with ${code}`)));
  });
}

/** Builds a platform for one trial. */
export async function benchPlatform(opts: {
  handlers: StageHandler[];
  templates: WorkflowTemplateInput[];
  distributed?: boolean;
  workerConcurrency?: number;
  stageConcurrency?: number;
  hostId?: string;
  db?: { url: string; drop: () => Promise<void> };
  prefix?: string;
}): Promise<BenchPlatform> {
  const db = opts.db ?? (await createScratchDatabase(ADMIN_URL, { prefix: 'vmp_bench' }));
  const orm = await createOrm({ target: { kind: 'postgres', url: db.url, poolMax: 10 } });
  await migrate(orm);
  const prefix = opts.prefix ?? `vmpbench-${randomUUID().slice(0, 8)}`;
  const logger = createLogger({ level: 'warn' });
  const engine = createEngine({
    orm, logger, hostId: opts.hostId ?? 'bench-host', handlers: opts.handlers, templates: opts.templates,
    redisUrl: opts.distributed ? REDIS_URL : undefined, queuePrefix: prefix, stageConcurrency: opts.stageConcurrency ?? 256,
    metrics: new PlatformMetrics({ defaultMetrics: false }),
    ...(process.env.BENCH_MAX_BATCH_RUNS ? { maxBatchRuns: Number(process.env.BENCH_MAX_BATCH_RUNS) } : {}),
    ...(process.env.BENCH_COMMITS ? { maxConcurrentCommits: Number(process.env.BENCH_COMMITS) } : {}),
  });
  const waiters = new Map<string, { until: string; resolve: () => void }>();
  engine.host.onCommit((batch) => {
    for (const e of batch.events) {
      const w = waiters.get(e.runId);
      if (w && (e.toState === w.until || e.toState.startsWith(`${w.until}.`))) {
        waiters.delete(e.runId);
        w.resolve();
      }
    }
  });
  await engine.start();
  const worker = opts.distributed
    ? await spawnWorker({ DATABASE_URL: db.url, REDIS_URL, QUEUE_PREFIX: prefix, WORKER_CONCURRENCY: String(opts.workerConcurrency ?? 50), LOG_LEVEL: 'warn' })
    : null;
  const seed = await seedWorkload(orm);
  const plans = new Map<string, RunPlan>();
  const plan = (template: string) => {
    let p = plans.get(template);
    if (!p) {
      p = planRun(engine.templates.resolve(template), seed.context);
      plans.set(template, p);
    }
    return p;
  };
  const actor = { type: 'system' as const, id: null };
  return {
    orm, url: db.url, engine, prefix, worker, seed, plan,
    run: async (template, mode, until = 'completed') => {
      const id = uuidv7();
      const done = new Promise<void>((resolve) => waiters.set(id, { until, resolve }));
      await engine.host.createRun({
        id, tenantId: seed.tenantId, taskId: seed.taskId, contextSnapshotId: seed.snapshotId, plan: plan(template),
        requestedMode: mode, effectiveMode: mode, modeReason: 'benchmark', tier: 'standard', actor,
      });
      await done;
      return id;
    },
    close: async () => {
      worker?.kill('SIGTERM');
      await engine.stop();
      await orm.close();
      if (!opts.db && !process.env.BENCH_KEEP_DB) await db.drop();
      if (process.env.BENCH_KEEP_DB) process.stderr.write(`kept database ${db.url}\n`);
      if (opts.distributed) await dropRedisPrefix(REDIS_URL, prefix);
    },
  };
}
