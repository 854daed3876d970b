/**
 * W2, approval and resume (BENCHMARKS.md). Two processes on one database:
 *   tsx bench/w2.ts --phase start  --db-url <url> --runs 1000   starts the runs, waits until all wait
 *                                                                for approval, stops cleanly
 *   tsx bench/w2.ts --phase resume --db-url <url>                a NEW process: rehydrates them, approves
 *                                                                all, measures first approval -> last completion
 * The orchestrator (bench/run.ts) creates and drops the database.
 */
import { benchPlatform } from './lib/platform.js';
import { args, benchTool, drive, emit, w2Template } from './lib/workload.js';

const a = args();
const url = a['db-url'] ?? '';
const runs = Number(a.runs ?? 1000);
const db = { url, drop: async () => {} };

if (a.phase === 'start') {
  const p = await benchPlatform({ handlers: [benchTool], templates: [w2Template()], db, hostId: 'w2-host' });
  const t0 = performance.now();
  await drive(runs, 50, () => p.run('w2@1', 'supervised', 'waiting_approval').then(() => undefined));
  const startedMs = performance.now() - t0;
  await p.close();
  emit({ phase: 'start', runs, waiting_ms: Math.round(startedMs) });
} else {
  const t0 = performance.now();
  const p = await benchPlatform({ handlers: [benchTool], templates: [w2Template()], db, hostId: 'w2-host' });
  const rehydrateMs = performance.now() - t0;
  const knex = p.orm.em.getKnex();
  const ids = ((await knex.raw("select id from workflow_run where status = 'waiting_approval'")).rows as Array<{ id: string }>).map((r) => r.id);
  const completed = new Set<string>();
  let resolveAll: () => void = () => {};
  const all = new Promise<void>((r) => (resolveAll = r));
  p.engine.host.onCommit((batch) => {
    for (const e of batch.events) {
      if (e.toState === 'completed') {
        completed.add(e.runId);
        if (completed.size === ids.length) resolveAll();
      }
    }
  });
  const actor = { type: 'system' as const, id: null };
  const first = performance.now();
  await Promise.all(ids.map((id) => p.engine.host.submit(id, { event: { type: 'APPROVE' }, eventId: `cmd:w2:${id}`, actor, mustApply: true })));
  await all;
  const resumeMs = performance.now() - first;
  const twice = (await knex.raw(
    `select count(*) as n from (select run_id, stage_id from stage_result where ok group by run_id, stage_id having count(*) > 1) d`,
  )).rows[0] as { n: string };
  const finished = (await knex.raw("select count(*) as n from workflow_run where status = 'completed'")).rows[0] as { n: string };
  await p.close();
  emit({
    phase: 'resume', runs: ids.length, rehydrate_ms: Math.round(rehydrateMs), resume_to_last_completion_ms: Math.round(resumeMs),
    resumed_runs_per_s: +(ids.length / (resumeMs / 1000)).toFixed(1), completed: Number(finished.n), stages_run_twice: Number(twice.n),
    peak_rss_mb: +(process.resourceUsage().maxRSS / 1024).toFixed(1),
  });
}
process.exit(0);
