/**
 * W3, snapshot growth (BENCHMARKS.md): one run of N stages in sequence (default 60). For every
 * commit (one transition each: the stages are sequential and each waits a few ms) it records the
 * WAL the database wrote, the row bytes the host sent and the snapshot size. Flat means the mean of
 * the last 10 transitions is at most 1.5x the mean of the first 10.
 *   tsx bench/w3.ts [--stages 60] [--delay 10]
 */
import pg from 'pg';
import { benchPlatform } from './lib/platform.js';
import { args, benchTool, emit, w3Template } from './lib/workload.js';

const a = args();
const stages = Number(a.stages ?? 60);
const delay = Number(a.delay ?? 10);
const tpl = { ...w3Template(stages), stages: w3Template(stages).stages.map((s) => ({ ...s, params: { delayMs: delay } })) };
const p = await benchPlatform({ handlers: [benchTool], templates: [tpl] });
const client = new pg.Client({ connectionString: p.url });
await client.connect();
const lsn = async () => Number(((await client.query("select pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint as w")).rows[0] as { w: string }).w);

type Sample = { transitions: number; wal: number; bytes: number; snapshot: number };
const samples: Sample[] = [];
let last = await lsn();
let chain = Promise.resolve();
p.engine.host.onCommit((batch) => {
  const bytes = batch.bytes;
  const snapshot = batch.snapshots[0]?.bytes ?? 0;
  const transitions = batch.events.length;
  chain = chain.then(async () => {
    const now = await lsn();
    samples.push({ transitions, wal: now - last, bytes, snapshot });
    last = now;
  });
});
await p.run(`w3-${stages}@1`, 'autopilot');
await chain;
const perTransition = samples.filter((s) => s.transitions === 1);
const mean = (xs: number[]) => xs.reduce((x, y) => x + y, 0) / Math.max(1, xs.length);
const first = perTransition.slice(1, 11);
const lastTen = perTransition.slice(-10);
const ratio = (k: keyof Sample) => +(mean(lastTen.map((s) => s[k])) / mean(first.map((s) => s[k]))).toFixed(3);
emit({
  suite: `w3-${stages}`, stages, commits: samples.length, single_transition_commits: perTransition.length,
  wal_bytes_first10: Math.round(mean(first.map((s) => s.wal))), wal_bytes_last10: Math.round(mean(lastTen.map((s) => s.wal))), wal_ratio: ratio('wal'),
  row_bytes_first10: Math.round(mean(first.map((s) => s.bytes))), row_bytes_last10: Math.round(mean(lastTen.map((s) => s.bytes))), row_bytes_ratio: ratio('bytes'),
  snapshot_bytes_first10: Math.round(mean(first.map((s) => s.snapshot))), snapshot_bytes_last10: Math.round(mean(lastTen.map((s) => s.snapshot))), snapshot_ratio: ratio('snapshot'),
  series: perTransition.map((s) => [s.wal, s.bytes, s.snapshot]),
});
await client.end();
await p.close();
process.exit(0);
