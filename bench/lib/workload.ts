import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { StageHandler } from '../../src/contracts/execution.js';
import { BrandData } from '../../src/domain/brand.js';
import { CampaignData } from '../../src/domain/campaign.js';
import { TaskData } from '../../src/domain/task.js';
import type { WorkflowTemplateInput } from '../../src/planner/template.js';
import type { Orm } from '../../src/persistence/orm.js';
import { createBrand } from '../../src/persistence/repositories/brand.repository.js';
import { createCampaign } from '../../src/persistence/repositories/campaign.repository.js';
import { snapshotTaskContext } from '../../src/persistence/repositories/context.repository.js';
import { createTask } from '../../src/persistence/repositories/task.repository.js';
import { createTenant } from '../../src/persistence/repositories/tenant.repository.js';
import { createScope } from '../../src/persistence/scope.js';
import { makeResult } from './payload.js';

/** The workload's tool: resolves after `params.delayMs` (D=0: a microtask, no timer) with ~1 KB of JSON. */
export const benchTool: StageHandler = {
  kind: 'bench.tool',
  description: 'campaign-DAG workload tool: waits D ms, returns ~1 KB',
  async run(input) {
    const d = typeof input.params.delayMs === 'number' ? input.params.delayMs : 0;
    if (d > 0) await new Promise((r) => setTimeout(r, d));
    return { output: makeResult(input.stageId, input.runId, Object.keys(input.upstream)) };
  },
};

/** W1's DAG: plan -> {research, audience, competitors} -> draft -> review (the run's review step). */
export function w1Template(delayMs: number): WorkflowTemplateInput {
  const s = (id: string, dependsOn: string[] = []) => ({ id, kind: 'bench.tool', dependsOn, params: { delayMs } });
  return {
    name: `w1-d${delayMs}`, version: 1,
    stages: [s('plan'), s('research', ['plan']), s('audience', ['plan']), s('competitors', ['plan']), s('draft', ['research', 'audience', 'competitors'])],
    review: { kind: 'bench.tool', params: { delayMs } },
    consolidate: null,
    learn: null,
  };
}

/** W2's DAG: W1 plus consolidation and learning after approval. */
export function w2Template(): WorkflowTemplateInput {
  return { ...w1Template(0), name: 'w2', consolidate: { kind: 'bench.tool' }, learn: { kind: 'bench.tool' } };
}

/** W3's DAG: `n` stages in sequence. */
export function w3Template(n: number): WorkflowTemplateInput {
  return {
    name: `w3-${n}`, version: 1,
    stages: Array.from({ length: n }, (_, i) => ({ id: `s${i + 1}`, kind: 'bench.tool', dependsOn: i === 0 ? [] : [`s${i}`] })),
    review: { kind: 'bench.tool' }, consolidate: null, learn: null,
  };
}

/** A tenant, brand, campaign and task, and the task's context snapshot. */
export async function seedWorkload(orm: Orm) {
  const actor = { type: 'system', id: null, role: 'admin' } as const;
  const { tenant } = await createTenant(orm.em.fork(), `bench-${randomUUID().slice(0, 8)}`, actor);
  const scope = () => createScope(orm, tenant.id, actor);
  const brand = await createBrand(scope(), { data: BrandData.parse({ identity: { name: 'Benchmark Brand' } }) });
  const campaign = await createCampaign(scope(), { brandId: brand.head.id, data: CampaignData.parse({ name: 'Campaign DAG' }) });
  const task = await createTask(scope(), { campaignId: campaign.head.id, data: TaskData.parse({ name: 'Deliverable', deliverableType: 'article' }) });
  const { snapshot } = await snapshotTaskContext(scope(), task.head.id);
  return { tenantId: tenant.id, taskId: task.head.id, snapshotId: snapshot.id, context: snapshot.context };
}

/** Server-side counters of one database (commits, rows written, WAL position). */
export async function pgStats(url: string) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query('select pg_stat_clear_snapshot()');
    const r = await c.query<{ xact_commit: string; ins: string; upd: string; del: string; wal: string }>(
      `select xact_commit::bigint as xact_commit, tup_inserted::bigint as ins, tup_updated::bigint as upd, tup_deleted::bigint as del,
              pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint as wal
       from pg_stat_database where datname = current_database()`,
    );
    const row = r.rows[0];
    if (!row) throw new Error('no pg_stat_database row');
    return { commits: Number(row.xact_commit), rows: Number(row.ins) + Number(row.upd) + Number(row.del), wal: Number(row.wal) };
  } finally {
    await c.end();
  }
}

/** Closed-loop driver: `count` runs, at most `concurrency` in flight; per-run latency and wall time. */
export async function drive(count: number, concurrency: number, fn: (i: number) => Promise<void>) {
  const lat = new Array<number>(count);
  let next = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const lane = async () => {
    for (;;) {
      const i = next++;
      if (i >= count) return;
      const s = performance.now();
      await fn(i);
      lat[i] = performance.now() - s;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { lat, wallMs, cpuMs: (cpu.user + cpu.system) / 1000 };
}

/** Nearest-rank percentile. */
export function pct(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}

/** CPU ms (user + system) a process has used so far, from /proc (for the worker process). */
export async function processCpuMs(pid: number): Promise<number> {
  const { readFile } = await import('node:fs/promises');
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / 100;
}

/** One JSON line the orchestrator picks up. */
export function emit(result: Record<string, unknown>): void {
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
}

/** `--key value` / `--flag` arguments. */
export function args(argv = process.argv.slice(2)): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (!a.startsWith('--')) continue;
    const next = argv[i + 1];
    out[a.slice(2)] = next && !next.startsWith('--') ? (i++, next) : 'true';
  }
  return out;
}
