/**
 * W4's clients, in a process of their own (forked by bench/w4.ts, IPC channel): N socket.io-client
 * connections, each with its tenant's API key. The parent assigns every new run to one client,
 * which subscribes to it (`lastSeq: 0`) and records what it receives. At the end it reports:
 * commit-to-receive latency of live events (server `at` = commit time vs Date.now() here: same
 * machine clock), lost steps and reordered events per run, deliveries of another tenant's or an
 * unsubscribed run's events.
 */
import { io, type Socket } from 'socket.io-client';
import { REALTIME_EVENTS, type RealtimeEvent, type SubscribeAck } from '../../src/contracts/realtime.js';

interface Init { type: 'init'; url: string; keys: string[]; clients: number }
interface Assign { type: 'runs'; runs: Array<{ runId: string; tenant: number; client: number }> }
interface Finish { type: 'finish'; timeoutMs: number }
type Message = Init | Assign | Finish;

interface RunState {
  client: number;
  tenant: number;
  ack: Extract<SubscribeAck, { ok: true }> | null;
  refused: string | null;
  live: Array<{ seq: number; n: number; type: string; to?: string }>;
  done: boolean;
  subscribeMs: number;
}

const send = (m: unknown) => process.send?.(m);
const sockets: Socket[] = [];
const tenantOf: number[] = [];
const runs = new Map<string, RunState>();
const latencies: number[] = [];
let crossTenant = 0;
let unsolicited = 0;
let open = 0;
let onAllDone: (() => void) | null = null;

const TERMINAL = new Set(['completed', 'failed', 'cancelled']);

function complete(r: RunState, runId: string, c: number): void {
  if (r.done) return;
  // Done once the ack and the live events together reach a terminal run.transition.
  const all = [...(r.ack?.missed ?? []), ...r.live];
  if (!all.some((e) => e.type === 'run.transition' && TERMINAL.has((e as { to?: string }).to ?? ''))) return;
  r.done = true;
  open -= 1;
  void sockets[c]?.emitWithAck('unsubscribe', { runId }).catch(() => {});
  if (open === 0) onAllDone?.();
}

function connect(url: string, key: string, c: number): Promise<void> {
  const s = io(url, { transports: ['websocket'], reconnection: false, forceNew: true, auth: { token: key } });
  sockets[c] = s;
  for (const name of REALTIME_EVENTS) {
    s.on(name, (e: RealtimeEvent) => {
      const receivedAt = Date.now();
      const r = runs.get(e.runId);
      if (!r) {
        unsolicited += 1;
        return;
      }
      if (r.tenant !== tenantOf[c]) {
        crossTenant += 1;
        return;
      }
      if (r.client !== c) {
        unsolicited += 1;
        return;
      }
      latencies.push(receivedAt - e.at);
      r.live.push({ seq: e.seq, n: e.n, type: e.type, ...(e.type === 'run.transition' ? { to: e.to } : {}) });
      complete(r, e.runId, c);
    });
  }
  return new Promise((resolve, reject) => {
    s.once('connect', () => resolve());
    s.once('connect_error', (err) => reject(err));
  });
}

async function subscribe(runId: string, r: RunState): Promise<void> {
  const t0 = performance.now();
  const ack = (await sockets[r.client]?.timeout(10_000).emitWithAck('subscribe', { runId, lastSeq: 0 })) as SubscribeAck;
  r.subscribeMs = performance.now() - t0;
  if (!ack.ok) {
    r.refused = `${ack.error.code}: ${ack.error.message}`;
    r.done = true;
    open -= 1;
    return;
  }
  r.ack = ack;
  complete(r, runId, r.client);
}

/** Per run: steps missing from ack + live (lost), and live events out of (seq, n) order (reordered). */
function verdict(r: RunState): { lost: number; reordered: number; duplicates: number } {
  let reordered = 0;
  for (let i = 1; i < r.live.length; i++) {
    const a = r.live[i - 1];
    const b = r.live[i];
    if (a && b && (b.seq < a.seq || (b.seq === a.seq && b.n <= a.n))) reordered += 1;
  }
  const steps = new Map<number, Map<number, string>>();
  let duplicates = 0;
  for (const e of [...(r.ack?.missed ?? []), ...r.live]) {
    const step = steps.get(e.seq) ?? new Map<number, string>();
    if (step.has(e.n)) duplicates += 1;
    step.set(e.n, e.type);
    steps.set(e.seq, step);
  }
  const last = Math.max(0, ...steps.keys());
  let lost = 0;
  for (let seq = 1; seq <= last; seq++) {
    const step = steps.get(seq);
    const size = step ? Math.max(...step.keys()) + 1 : 0;
    // A step is whole when n runs 0..k without a hole and its last event is the run.transition.
    if (!step || step.size !== size || step.get(size - 1) !== 'run.transition') lost += 1;
  }
  if (!r.done) lost += 1;
  return { lost, reordered, duplicates };
}

const pct = (sorted: number[], p: number) => (sorted.length ? (sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN) : NaN);

process.on('message', (m: Message) => {
  if (m.type === 'init') {
    const jobs: Array<Promise<void>> = [];
    for (let c = 0; c < m.clients; c++) {
      const tenant = c % m.keys.length;
      tenantOf[c] = tenant;
      jobs.push(connect(m.url, m.keys[tenant] ?? '', c));
    }
    Promise.all(jobs).then(() => send({ type: 'ready' }), (err: unknown) => send({ type: 'error', message: String(err) }));
  } else if (m.type === 'runs') {
    for (const a of m.runs) {
      const r: RunState = { client: a.client, tenant: a.tenant, ack: null, refused: null, live: [], done: false, subscribeMs: 0 };
      runs.set(a.runId, r);
      open += 1;
      subscribe(a.runId, r).catch((err: unknown) => {
        // No answer within the ack timeout: counted as refused (and the run as not seen to the end).
        r.refused = String(err);
      });
    }
  } else {
    const finish = () => {
      const sorted = [...latencies].sort((x, y) => x - y);
      const per = [...runs.values()].map(verdict);
      // A few runs with a problem, for diagnosis (stderr).
      const bad = [...runs.entries()].filter((_, i) => (per[i]?.lost ?? 0) > 0 || (per[i]?.reordered ?? 0) > 0).slice(0, 3);
      for (const [runId, r] of bad) {
        process.stderr.write(`w4 run ${runId}: done ${r.done}, refused ${r.refused ?? '-'}, ack lastSeq ${r.ack?.lastSeq ?? '-'} missed seqs ${[...new Set(r.ack?.missed.map((e) => e.seq))].join(',')}, live ${r.live.map((e) => `${e.seq}.${e.n}`).join(' ')}\n`);
      }
      const subs = [...runs.values()].map((r) => r.subscribeMs).sort((x, y) => x - y);
      send({
        type: 'result',
        runs: runs.size,
        runs_incomplete: [...runs.values()].filter((r) => !r.done).length,
        refused: [...runs.values()].filter((r) => r.refused).length,
        live_events: latencies.length,
        replayed_events: [...runs.values()].reduce((n, r) => n + (r.ack?.missed.length ?? 0), 0),
        latency_p50_ms: pct(sorted, 50), latency_p95_ms: pct(sorted, 95), latency_p99_ms: pct(sorted, 99), latency_max_ms: sorted[sorted.length - 1] ?? NaN,
        lost_steps: per.reduce((n, v) => n + v.lost, 0),
        reordered_events: per.reduce((n, v) => n + v.reordered, 0),
        runs_with_loss_or_reorder: per.filter((v) => v.lost > 0 || v.reordered > 0).length,
        ack_live_overlap_events: per.reduce((n, v) => n + v.duplicates, 0),
        cross_tenant_deliveries: crossTenant,
        unsolicited_deliveries: unsolicited,
        subscribe_ack_p50_ms: +pct(subs, 50).toFixed(2), subscribe_ack_p99_ms: +pct(subs, 99).toFixed(2),
      });
      for (const s of sockets) s.disconnect();
    };
    if (open === 0) finish();
    else {
      const timer = setTimeout(finish, m.timeoutMs);
      onAllDone = () => {
        clearTimeout(timer);
        finish();
      };
    }
  }
});
send({ type: 'started' });
