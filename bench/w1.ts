/**
 * W1, campaign DAG (BENCHMARKS.md): R runs of plan -> {research, audience, competitors} -> draft ->
 * review, C in flight (closed loop), each stage a tool that answers after D ms with ~1 KB. Every
 * stage completion is committed before its dependents start. One trial per process; prints RESULT.
 *   tsx bench/w1.ts --delay 0 --runs 500 --concurrency 50 [--distributed] [--warmup 10]
 */
import { benchPlatform } from './lib/platform.js';
import { args, benchTool, drive, emit, pct, pgStats, processCpuMs, w1Template } from './lib/workload.js';

const a = args();
const delay = Number(a.delay ?? 0);
const runs = Number(a.runs ?? 500);
const concurrency = Number(a.concurrency ?? 50);
const warmup = Number(a.warmup ?? 10);
const distributed = a.distributed === 'true';
const template = `w1-d${delay}@1`;

const p = await benchPlatform({ handlers: [benchTool], templates: [w1Template(delay)], distributed, workerConcurrency: Number(a['worker-concurrency'] ?? 50) });
try {
  await drive(warmup, Math.min(concurrency, warmup), () => p.run(template, 'autopilot').then(() => undefined));
  const before = await pgStats(p.url);
  const workerCpu0 = p.worker?.pid ? await processCpuMs(p.worker.pid) : 0;
  const d = await drive(runs, concurrency, () => p.run(template, 'autopilot').then(() => undefined));
  const after = await pgStats(p.url);
  const workerCpu = p.worker?.pid ? (await processCpuMs(p.worker.pid)) - workerCpu0 : 0;
  const sorted = [...d.lat].sort((x, y) => x - y);
  const metric = async (name: string) => {
    const m = (await p.engine.metrics.registry.getSingleMetric(name)?.get()) as { values: Array<{ metricName?: string; value: number }> } | undefined;
    const sum = m?.values.find((v) => v.metricName === `${name}_sum`)?.value ?? 0;
    const count = m?.values.find((v) => v.metricName === `${name}_count`)?.value ?? 0;
    return count ? sum / count : 0;
  };
  emit({
    suite: `w1${distributed ? '-dist' : ''}-d${delay}`,
    engine: distributed ? 'vm-platform (Postgres + BullMQ worker process)' : 'vm-platform (single node: Postgres + in-process)',
    runs, concurrency, delay_ms: delay,
    runs_per_s: +(runs / (d.wallMs / 1000)).toFixed(1),
    p50_ms: +pct(sorted, 50).toFixed(2),
    p99_ms: +pct(sorted, 99).toFixed(2),
    node_cpu_ms_per_run: +(d.cpuMs / runs).toFixed(3),
    ...(distributed ? { worker_cpu_ms_per_run: +(workerCpu / runs).toFixed(3) } : {}),
    pg_commits_per_run: +((after.commits - before.commits) / runs).toFixed(2),
    pg_rows_per_run: +((after.rows - before.rows) / runs).toFixed(2),
    pg_wal_bytes_per_run: Math.round((after.wal - before.wal) / runs),
    peak_rss_mb: +(process.resourceUsage().maxRSS / 1024).toFixed(1),
    commit_ms_avg: +((await metric('vmp_commit_duration_seconds')) * 1000).toFixed(2),
    commit_batch_runs_avg: +(await metric('vmp_commit_batch_runs')).toFixed(1),
    outbox_lag_ms_avg: +((await metric('vmp_outbox_lag_seconds')) * 1000).toFixed(3),
  });
} finally {
  await p.close();
}
process.exit(0);
