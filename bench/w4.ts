/**
 * W4, realtime (BENCHMARKS.md): 200 Socket.IO clients (another process), spread over 2 tenants,
 * each subscribed to its own runs, while W1 runs at half its peak rate. One trial per process.
 *   tsx bench/w4.ts [--clients 200] [--tenants 2] [--seconds 20] [--delay 0] [--peak-runs 1000] [--rate <runs/s>]
 * Phase 1 measures W1's peak here (closed loop, C=50, realtime attached, nobody subscribed).
 * Phase 2 starts runs open-loop at half that rate (or `--rate`), alternating tenants; as each run is created
 * (its START committed) one client of its tenant subscribes to it with `lastSeq: 0`. Measured:
 * commit-to-client latency of live events (the event's `at`, the server's commit time, against
 * the client's receive time: same machine clock), steps lost and events reordered per run, and
 * deliveries to a client of another tenant's (or an unsubscribed) run. Prints RESULT.
 */
import { fork } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { uuidv7 } from '../src/domain/ids.js';
import { createLogger } from '../src/observability/logger.js';
import { issueApiKey } from '../src/persistence/repositories/api-key.repository.js';
import { createScope } from '../src/persistence/scope.js';
import { attachRealtime } from '../src/realtime/realtime.server.js';
import { benchPlatform } from './lib/platform.js';
import { args, benchTool, drive, emit, pct, seedWorkload, w1Template } from './lib/workload.js';

const a = args();
const clients = Number(a.clients ?? 200);
const tenantsN = Math.max(2, Number(a.tenants ?? 2));
const seconds = Number(a.seconds ?? 20);
const delay = Number(a.delay ?? 0);
const peakRuns = Number(a['peak-runs'] ?? 1000);
const template = `w1-d${delay}@1`;
const TARGET_P99_MS = 50;

const p = await benchPlatform({ handlers: [benchTool], templates: [w1Template(delay)] });
const http = createServer();
const realtime = await attachRealtime({ server: http, orm: p.orm, host: p.engine.host, logger: createLogger({ level: 'warn' }) });
const child = fork(fileURLToPath(new URL('./lib/w4-clients.ts', import.meta.url)), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
try {
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const seeds = [p.seed, ...(await Promise.all(Array.from({ length: tenantsN - 1 }, () => seedWorkload(p.orm))))];
  const admin = { type: 'system', id: null, role: 'admin' } as const;
  const keys = await Promise.all(seeds.map(async (s) => (await issueApiKey(createScope(p.orm, s.tenantId, admin), { role: 'viewer', name: 'w4 client' })).key));

  // Runs of any tenant, resolved when committed as completed.
  const waiting = new Map<string, () => void>();
  p.engine.host.onCommit((batch) => {
    for (const e of batch.events) {
      if (e.toState === 'completed') {
        waiting.get(e.runId)?.();
        waiting.delete(e.runId);
      }
    }
  });
  const plan = p.plan(template);
  const actor = { type: 'system' as const, id: null };
  const start = async (tenant: number): Promise<{ id: string; done: Promise<void> }> => {
    const s = seeds[tenant] ?? p.seed;
    const id = uuidv7();
    const done = new Promise<void>((resolve) => waiting.set(id, resolve));
    await p.engine.host.createRun({
      id, tenantId: s.tenantId, taskId: s.taskId, contextSnapshotId: s.snapshotId, plan, requestedMode: 'autopilot', effectiveMode: 'autopilot',
      modeReason: 'benchmark', tier: 'standard', actor,
    });
    return { id, done };
  };

  // Phase 1: W1's peak on this machine, with realtime attached and nobody subscribed.
  await drive(20, 20, (i) => start(i % tenantsN).then((r) => r.done));
  const peak = await drive(peakRuns, 50, (i) => start(i % tenantsN).then((r) => r.done));
  const peakRate = peakRuns / (peak.wallMs / 1000);
  const rate = a.rate ? Number(a.rate) : peakRate / 2;

  // Phase 2: clients connected; W1 open-loop at half the peak rate.
  const messages = new Map<string, (m: Record<string, unknown>) => void>();
  child.on('message', (m: Record<string, unknown>) => messages.get(String(m.type))?.(m));
  const next = (type: string) => new Promise<Record<string, unknown>>((resolve) => messages.set(type, resolve));
  const ready = next('ready');
  child.send({ type: 'init', url, keys, clients });
  await Promise.race([ready, next('error').then((m) => Promise.reject(new Error(String(m.message))))]);

  const perTenant = Array.from({ length: tenantsN }, (_, t) => Array.from({ length: clients }, (_, c) => c).filter((c) => c % tenantsN === t));
  const cursor = new Array<number>(tenantsN).fill(0);
  const runLatency: number[] = [];
  const all: Array<Promise<void>> = [];
  let started = 0;
  let pending: Array<{ runId: string; tenant: number; client: number }> = [];
  const flush = () => {
    if (pending.length) child.send({ type: 'runs', runs: pending });
    pending = [];
  };
  const flushTimer = setInterval(flush, 2);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const total = Math.round(rate * seconds);
  await new Promise<void>((resolve) => {
    const tick = setInterval(() => {
      const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * rate));
      while (started < due) {
        const tenant = started % tenantsN;
        started += 1;
        const s0 = performance.now();
        all.push(start(tenant).then((r) => {
          const list = perTenant[tenant] ?? [];
          const client = list[(cursor[tenant] = ((cursor[tenant] ?? 0) + 1) % list.length)] ?? 0;
          pending.push({ runId: r.id, tenant, client });
          return r.done.then(() => {
            runLatency.push(performance.now() - s0);
          });
        }));
      }
      if (started >= total) {
        clearInterval(tick);
        resolve();
      }
    }, 5);
  });
  await Promise.all(all);
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  flush();
  clearInterval(flushTimer);
  await realtime.publisher.idle();
  const resultMsg = next('result');
  child.send({ type: 'finish', timeoutMs: 15_000 });
  const r = await resultMsg;
  const sorted = [...runLatency].sort((x, y) => x - y);
  const p99 = Number(r.latency_p99_ms);
  const zero = (k: string) => Number(r[k]) === 0;
  const verdict = (ok: boolean) => (ok ? 'PASS' : 'MISS');
  const lines = [
    `W4: ${clients} clients over ${tenantsN} tenants; W1 peak ${peakRate.toFixed(0)} runs/s, driven at ${(started / (wallMs / 1000)).toFixed(0)} runs/s (${a.rate ? 'asked' : 'half the peak'}: ${rate.toFixed(0)}) for ${seconds} s, ${started} runs`,
    `  commit -> client latency (${String(r.live_events)} live events): p50 ${String(r.latency_p50_ms)} ms, p95 ${String(r.latency_p95_ms)} ms, p99 ${String(r.latency_p99_ms)} ms (target p99 <= ${TARGET_P99_MS} ms): ${verdict(p99 <= TARGET_P99_MS)}`,
    `  lost steps ${String(r.lost_steps)}, reordered events ${String(r.reordered_events)} over ${String(r.runs)} runs; subscriptions refused or unanswered ${String(r.refused)}, runs not seen to the end ${String(r.runs_incomplete)} (target 0): ${verdict(zero('lost_steps') && zero('reordered_events') && zero('runs_incomplete') && zero('refused'))}`,
    `  cross-tenant deliveries ${String(r.cross_tenant_deliveries)}, unsolicited ${String(r.unsolicited_deliveries)} (target 0): ${verdict(zero('cross_tenant_deliveries') && zero('unsolicited_deliveries'))}`,
  ];
  process.stderr.write(`${lines.join('\n')}\n`);
  emit({
    suite: 'w4', clients, tenants: tenantsN, seconds, delay_ms: delay,
    w1_peak_runs_per_s: +peakRate.toFixed(1), target_runs_per_s: +rate.toFixed(1), runs_per_s: +(started / (wallMs / 1000)).toFixed(1), runs: started,
    run_p50_ms: +pct(sorted, 50).toFixed(1), run_p99_ms: +pct(sorted, 99).toFixed(1), node_cpu_ms_per_run: +((cpu.user + cpu.system) / 1000 / started).toFixed(3),
    ...r, type: undefined,
    target_p99_ms: TARGET_P99_MS,
    pass: p99 <= TARGET_P99_MS && zero('lost_steps') && zero('reordered_events') && zero('cross_tenant_deliveries') && zero('unsolicited_deliveries') && zero('runs_incomplete') && zero('refused'),
  });
} finally {
  child.kill('SIGTERM');
  await realtime.close();
  http.close();
  await p.close();
}
process.exit(0);
