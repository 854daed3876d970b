/**
 * Benchmark orchestrator: `npm run bench -- <w1|w2|w3|w4|w6|all> [--trials 3] [--no-peers] [--runs 500]`;
 * `npm run bench -- --report bench/results/<file>.json` prints the tables of a saved run again.
 *
 * Runs this engine's workloads (each trial in a fresh process) and, side by side in the same
 * invocation, the peer suites of ../shared/bench/peers (copied to bench/.peers and installed with
 * `npm ci` on first use), interleaving trials so both see the same machine load. Prints medians
 * (min–max) in the peer harness's columns and the ratios against the peers; writes everything to
 * bench/results/<workload>-<timestamp>.json.
 */
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createScratchDatabase } from '../src/persistence/scratch-database.js';
import { ADMIN_URL } from './lib/platform.js';
import { args } from './lib/workload.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const PEERS_SRC = fileURLToPath(new URL('../../shared/bench/peers/', import.meta.url));
const PEERS = fileURLToPath(new URL('./.peers/', import.meta.url));
const RESULTS = fileURLToPath(new URL('./results/', import.meta.url));

type Result = Record<string, unknown>;

/** Runs a command, returns the last `RESULT {json}` line it printed. */
function runTrial(cmd: string, argv: string[], cwd: string, timeoutMs = 600_000): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      const line = out.split('\n').reverse().find((l) => l.startsWith('RESULT '));
      if (code !== 0 || !line) reject(new Error(`${cmd} ${argv.join(' ')} exited ${code}\n${err.slice(-3000)}\n${out.slice(-2000)}`));
      else resolve(JSON.parse(line.slice(7)) as Result);
    });
  });
}

const ours = (script: string, extra: string[]) => runTrial(process.execPath, ['--import', 'tsx', script, ...extra], ROOT);

/** Copies and installs the peer harness once; makes sure its database exists. */
async function preparePeers(): Promise<void> {
  if (!existsSync(PEERS_SRC)) throw new Error(`peer harness not found at ${PEERS_SRC}`);
  if (!existsSync(`${PEERS}node_modules`)) {
    process.stdout.write(`installing the peer harness in ${PEERS} (npm ci, once)…\n`);
    cpSync(PEERS_SRC, PEERS, { recursive: true });
    execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: PEERS, stdio: 'inherit' });
  }
  const c = new pg.Client({ connectionString: ADMIN_URL });
  await c.connect();
  const exists = await c.query("select 1 from pg_database where datname = 'peerbench'");
  if (exists.rowCount === 0) await c.query('create database peerbench');
  await c.end();
}

/** One trial of a peer suite (through the harness's own orchestrator, one trial, fresh process). */
async function peerTrial(suite: string): Promise<Result> {
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, ['bench.mjs', suite, '--trials', '1'], { cwd: PEERS, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`peer ${suite} exited ${code}: ${err.slice(-2000)}`))));
  });
  const file = JSON.parse(readFileSync(`${PEERS}results/${suite}.json`, 'utf8')) as { trials: Result[][] };
  const steps = file.trials[file.trials.length - 1] ?? [];
  return steps[steps.length - 1] ?? {};
}

/** A W2 trial: two processes on one fresh database. */
async function w2Trial(runs: number): Promise<Result> {
  const db = await createScratchDatabase(ADMIN_URL, { prefix: 'vmp_bench_w2' });
  try {
    await ours('bench/w2.ts', ['--phase', 'start', '--db-url', db.url, '--runs', String(runs)]);
    return await ours('bench/w2.ts', ['--phase', 'resume', '--db-url', db.url]);
  } finally {
    await db.drop();
  }
}

interface Suite {
  name: string;
  peer: boolean;
  trial: () => Promise<Result>;
}

function suitesFor(workload: string, a: Record<string, string>): Suite[] {
  const runs = a.runs ?? '500';
  const w1 = (name: string, extra: string[]): Suite => ({ name, peer: false, trial: () => ours('bench/w1.ts', ['--runs', runs, '--concurrency', '50', ...extra]) });
  const peer = (name: string): Suite => ({ name, peer: true, trial: () => peerTrial(name) });
  switch (workload) {
    case 'w1':
      return [
        w1('w1-d0', ['--delay', '0']), peer('xs-pg-d0'), peer('lg-sync-d0'), peer('xs-mem-d0'),
        w1('w1-d20', ['--delay', '20']), peer('xs-pg-d20'), peer('lg-sync-d20'),
        w1('w1-dist-d0', ['--delay', '0', '--distributed']), peer('bq-d0'),
      ];
    case 'w2':
      return [{ name: 'w2', peer: false, trial: () => w2Trial(Number(a.runs ?? 1000)) }, peer('lg-hitl')];
    case 'w3':
      return [{ name: 'w3-60', peer: false, trial: () => ours('bench/w3.ts', ['--stages', '60']) }];
    case 'w4':
      return [{ name: 'w4', peer: false, trial: () => ours('bench/w4.ts', ['--clients', a.clients ?? '200', '--seconds', a.seconds ?? '20']) }];
    case 'w6':
      return [{ name: 'w6', peer: false, trial: () => ours('bench/w6.ts', ['chunks', 'queries'].flatMap((k) => (a[k] ? [`--${k}`, a[k]] : []))) }];
    default:
      throw new Error(`unknown workload ${workload}: use w1, w2, w3, w4, w6 or all`);
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((x, y) => x - y);
  return s.length === 0 ? Number.NaN : s.length % 2 ? (s[(s.length - 1) / 2] as number) : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
};

/** A value by key, or by a dotted path into nested objects (`pg_server_per_run.xact_commit`). */
function valueOf(t: Result, key: string): number {
  const v = key.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), t);
  return Number(v);
}

function column(trials: Result[], key: string, ...fallbacks: string[]): string {
  const keyFound = [key, ...fallbacks].find((k) => trials.some((t) => Number.isFinite(valueOf(t, k)))) ?? key;
  const xs = trials.map((t) => valueOf(t, keyFound)).filter((x) => Number.isFinite(x));
  if (xs.length === 0) return '–';
  const m = median(xs);
  return xs.length > 1 ? `${m.toFixed(m < 10 ? 2 : 0)} (${Math.min(...xs).toFixed(m < 10 ? 2 : 0)}–${Math.max(...xs).toFixed(m < 10 ? 2 : 0)})` : m.toFixed(m < 10 ? 2 : 0);
}

function med(trials: Result[] | undefined, key: string): number {
  return median((trials ?? []).map((t) => valueOf(t, key)).filter((x) => Number.isFinite(x)));
}

async function main(): Promise<void> {
  const a = args();
  if (a.report) {
    const file = a.report;
    const w = (file.split('/').pop() ?? '').split('-')[0] ?? 'w1';
    report(w, new Map(Object.entries(JSON.parse(readFileSync(file, 'utf8')) as Record<string, Result[]>)));
    return;
  }
  const workload = process.argv.slice(2).find((x) => !x.startsWith('--')) ?? 'all';
  const trialsN = Number(a.trials ?? 3);
  const withPeers = a['no-peers'] !== 'true';
  const workloads = workload === 'all' ? ['w1', 'w2', 'w3', 'w4', 'w6'] : [workload];
  if (withPeers) await preparePeers();
  mkdirSync(RESULTS, { recursive: true });
  for (const w of workloads) {
    const suites = suitesFor(w, a).filter((s) => withPeers || !s.peer);
    const results = new Map<string, Result[]>(suites.map((s) => [s.name, []]));
    for (let t = 1; t <= trialsN; t++) {
      for (const s of suites) {
        const load = loadavg()[0] ?? 0;
        const r = await s.trial();
        r.loadavg1_at_start = +load.toFixed(2);
        results.get(s.name)?.push(r);
        process.stdout.write(`[${w}] trial ${t}/${trialsN} ${s.name}: ${r.latency_p99_ms !== undefined ? `commit->client p99 ${String(r.latency_p99_ms)} ms at runs/s ` : ''}${r.runs_per_s ?? r.resume_to_last_completion_ms ?? r.wal_ratio ?? (r.p95_ms !== undefined ? `p95 ${String(r.p95_ms)} ms, recall ${String(r.recall)}` : '')} (load ${load.toFixed(2)})\n`);
      }
    }
    report(w, results);
    writeFileSync(`${RESULTS}${w}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`, JSON.stringify(Object.fromEntries(results), null, 2));
  }
}

function report(w: string, results: Map<string, Result[]>): void {
  const lines: string[] = [];
  if (w === 'w1') {
    lines.push('| suite | runs/s | p50 ms | p99 ms | Node CPU ms/run | PG commits/run | PG rows/run | peak RSS MB |', '|---|---|---|---|---|---|---|---|');
    for (const [name, trials] of results) {
      lines.push(`| ${name} | ${column(trials, 'runs_per_s')} | ${column(trials, 'p50_ms')} | ${column(trials, 'p99_ms')} | ${column(trials, 'node_cpu_ms_per_run')} | ${column(trials, 'pg_commits_per_run', 'pg_server_per_run.xact_commit')} | ${column(trials, 'pg_rows_per_run', 'pg_server_per_run.rows_written')} | ${column(trials, 'peak_rss_mb')} |`);
    }
    const ratio = (ours: string, peer: string) => {
      const o = med(results.get(ours), 'runs_per_s');
      const p = med(results.get(peer), 'runs_per_s');
      return Number.isFinite(o) && Number.isFinite(p) ? `${ours} / ${peer}: ${(o / p).toFixed(2)}x` : null;
    };
    lines.push('', ...[ratio('w1-d0', 'xs-pg-d0'), ratio('w1-d0', 'lg-sync-d0'), ratio('w1-d20', 'xs-pg-d20'), ratio('w1-dist-d0', 'bq-d0')].filter(Boolean) as string[]);
    const d20 = med(results.get('w1-d20'), 'runs_per_s');
    if (Number.isFinite(d20)) lines.push(`w1-d20 / ideal C/(4·D) = 625 runs/s: ${(d20 / 625 * 100).toFixed(0)}%`);
  } else if (w === 'w2') {
    lines.push('| suite | resumed | first approval -> last completion ms | resumed runs/s | stages run twice |', '|---|---|---|---|---|');
    const ours = results.get('w2') ?? [];
    lines.push(`| w2 (this engine) | ${column(ours, 'completed')} | ${column(ours, 'resume_to_last_completion_ms')} | ${column(ours, 'resumed_runs_per_s')} | ${column(ours, 'stages_run_twice')} |`);
    const lg = results.get('lg-hitl');
    if (lg) lines.push(`| lg-hitl (LangGraph) | ${column(lg, 'completed')} | ${column(lg, 'wall_ms')} | ${column(lg, 'runs_per_s')} | – |`);
    const o = med(ours, 'resume_to_last_completion_ms');
    const p = med(lg, 'wall_ms');
    if (Number.isFinite(o) && Number.isFinite(p)) lines.push('', `LangGraph resume time / ours: ${(p / o).toFixed(2)}x`);
  } else if (w === 'w4') {
    lines.push('| suite | clients | W1 peak runs/s | driven runs/s | live events | latency p50 ms | p95 ms | p99 ms | lost steps | reordered | cross-tenant | unsolicited |', '|---|---|---|---|---|---|---|---|---|---|---|---|');
    for (const [name, trials] of results) {
      lines.push(`| ${name} | ${column(trials, 'clients')} | ${column(trials, 'w1_peak_runs_per_s')} | ${column(trials, 'runs_per_s')} | ${column(trials, 'live_events')} | ${column(trials, 'latency_p50_ms')} | ${column(trials, 'latency_p95_ms')} | ${column(trials, 'latency_p99_ms')} | ${column(trials, 'lost_steps')} | ${column(trials, 'reordered_events')} | ${column(trials, 'cross_tenant_deliveries')} | ${column(trials, 'unsolicited_deliveries')} |`);
    }
    const trials = results.get('w4') ?? [];
    const p99 = med(trials, 'latency_p99_ms');
    const sum = (k: string) => trials.reduce((n, t) => n + valueOf(t, k), 0);
    const clean = sum('lost_steps') + sum('reordered_events') + sum('runs_incomplete') + sum('refused') === 0;
    const isolated = sum('cross_tenant_deliveries') + sum('unsolicited_deliveries') === 0;
    lines.push('', `commit -> client p99 ${Number.isFinite(p99) ? p99.toFixed(0) : '–'} ms (median of trials), target <= 50 ms: ${p99 <= 50 ? 'PASS' : 'MISS'}`,
      `no event lost or reordered within a run: ${clean ? 'PASS' : 'MISS'}; no other tenant's events: ${isolated ? 'PASS' : 'MISS'}`);
  } else if (w === 'w6') {
    lines.push('| suite | ingest chunks/s | load ms | p50 ms | p95 ms | p99 ms | recall@10 | peak RSS MB |', '|---|---|---|---|---|---|---|---|');
    const trials = results.get('w6') ?? [];
    lines.push(`| w6 (embedded store) | ${column(trials, 'ingest_chunks_per_s')} | ${column(trials, 'load_ms')} | ${column(trials, 'p50_ms')} | ${column(trials, 'p95_ms')} | ${column(trials, 'p99_ms')} | ${column(trials, 'recall')} | ${column(trials, 'peak_rss_mb')} |`);
    const p95 = med(trials, 'p95_ms');
    const recall = med(trials, 'recall');
    lines.push('', `target p95 <= 20 ms: ${p95 <= 20 ? 'PASS' : 'MISS'} (${p95}); target recall@10 >= 0.95: ${recall >= 0.95 ? 'PASS' : 'MISS'} (${recall})`);
  } else {
    lines.push('| suite | WAL bytes/transition first 10 -> last 10 | ratio | row bytes first 10 -> last 10 | ratio | snapshot bytes first 10 -> last 10 |', '|---|---|---|---|---|---|');
    for (const [name, trials] of results) {
      lines.push(`| ${name} | ${column(trials, 'wal_bytes_first10')} -> ${column(trials, 'wal_bytes_last10')} | ${column(trials, 'wal_ratio')} | ${column(trials, 'row_bytes_first10')} -> ${column(trials, 'row_bytes_last10')} | ${column(trials, 'row_bytes_ratio')} | ${column(trials, 'snapshot_bytes_first10')} -> ${column(trials, 'snapshot_bytes_last10')} |`);
    }
  }
  process.stdout.write(`\n## ${w.toUpperCase()}\n\n${lines.join('\n')}\n\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
