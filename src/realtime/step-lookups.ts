import type { Knex } from '@mikro-orm/postgresql';
import type { AttemptOutput } from './event-mapper.js';

/**
 * The database reads behind the events that need more than a timeline row: attempt outputs (gate
 * reports, consolidated artifacts) and token counts. Used by replay, and by live publishing only
 * for the few steps that need them (a changed cost; an output missing from the committed batch).
 */

/** Outputs and artifact references of attempts, by attempt key (`runId:stageRunId:attempt`). */
export async function attemptOutputs(knex: Knex, keys: readonly string[]): Promise<Map<string, AttemptOutput>> {
  const out = new Map<string, AttemptOutput>();
  if (keys.length === 0) return out;
  const res = await knex.raw<{ rows: Array<{ key: string; output: unknown; artifacts: AttemptOutput['artifacts'] | null }> }>(
    'select key, output, artifacts from stage_result where key = any(?::text[]) and ok',
    [[...keys]],
  );
  for (const r of res.rows) out.set(r.key, { output: r.output, artifacts: r.artifacts ?? [] });
  return out;
}

/**
 * The tokens (input + output) of a run's tool calls made by StageRuns finished (succeeded or failed)
 * at or before each given step: the token count that goes with the run's accumulated cost. A tool
 * call belongs to the StageRun named in its idempotency key (`runId:stageRunId:attempt:…`).
 */
export async function tokensThrough(knex: Knex, runId: string, seqs: readonly number[]): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  if (seqs.length === 0) return out;
  const last = Math.max(...seqs);
  const [finished, calls] = await Promise.all([
    knex.raw<{ rows: Array<{ seq: number; id: string }> }>(
      `select e.seq, s->>'stageRunId' as id
         from run_event e cross join lateral jsonb_array_elements(e.stages) s
        where e.run_id = ? and e.seq <= ? and s->>'to' in ('succeeded', 'failed')
        order by e.seq`,
      [runId, last],
    ),
    knex.raw<{ rows: Array<{ id: string; tokens: string }> }>(
      `select split_part(idempotency_key, ':', 2) as id, sum(coalesce(input_tokens, 0) + coalesce(output_tokens, 0))::text as tokens
         from tool_call where run_id = ? group by 1`,
      [runId],
    ),
  ]);
  const perStage = new Map(calls.rows.map((r) => [r.id, Number(r.tokens)]));
  const sorted = [...seqs].sort((a, b) => a - b);
  let total = 0;
  let i = 0;
  for (const seq of sorted) {
    while (i < finished.rows.length && (finished.rows[i]?.seq ?? Infinity) <= seq) total += perStage.get(finished.rows[i++]?.id ?? '') ?? 0;
    out.set(seq, total);
  }
  return out;
}
