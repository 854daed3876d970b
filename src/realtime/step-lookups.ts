import type { Knex } from '@mikro-orm/postgresql';
import { stepNeeds, type AttemptOutput, type StepDetails, type TimelineStep } from './event-mapper.js';

/**
 * The database reads behind the events that need more than a timeline row: attempt outputs (gate
 * reports, consolidated artifacts) and token counts. Used by replay, and by live publishing only
 * for the few steps that need them (a changed cost; an output missing from the committed batch).
 */

/** A step of a run with what its caller knows of it: its time and the run's cost before and after it. */
export interface StepFacts<S extends TimelineStep = TimelineStep> {
  step: S;
  at: number;
  cost: { before: number; after: number };
}

/** A step with the details its events are built from. */
export interface DetailedStep<S extends TimelineStep = TimelineStep> {
  step: S;
  details: StepDetails;
}

/** Outputs the caller already holds (a committed batch's outcomes), by attempt key. */
export type KnownOutputs = (key: string) => AttemptOutput | null;

const noneKnown: KnownOutputs = () => null;

/** What a run's steps need from the database: the outputs not known and the steps whose cost changed. */
function missing(facts: readonly StepFacts[], known: KnownOutputs): { keys: string[]; seqs: number[] } {
  const keys: string[] = [];
  const seqs: number[] = [];
  for (const f of facts) {
    for (const key of Object.values(stepNeeds(f.step))) if (key !== null && !known(key)) keys.push(key);
    if (f.cost.after !== f.cost.before) seqs.push(f.step.seq);
  }
  return { keys, seqs };
}

/** The steps' details from what is known, or null when some need a database read (see {@link stepDetails}). */
export function knownDetails<S extends TimelineStep>(facts: ReadonlyArray<StepFacts<S>>, known: KnownOutputs): Array<DetailedStep<S>> | null {
  const { keys, seqs } = missing(facts, known);
  return keys.length > 0 || seqs.length > 0 ? null : detailsOf(facts, known, null, null);
}

/**
 * The details ({@link StepDetails}) of some steps of one run, in their order: attempt outputs from
 * `known` or else the database, and the token count of each step that changed the run's cost; at
 * most two reads for all the steps. Without `tolerate` a failed read rejects; with it, the failure
 * is reported there and the events that needed the read are left out (no `run.cost`; a gate verdict
 * without its report lines, no `artifact.created`).
 */
export async function stepDetails<S extends TimelineStep>(
  knex: Knex, runId: string, facts: ReadonlyArray<StepFacts<S>>, known: KnownOutputs = noneKnown, tolerate?: (err: unknown) => void,
): Promise<Array<DetailedStep<S>>> {
  const { keys, seqs } = missing(facts, known);
  const read = <T>(p: Promise<T>): Promise<T | null> => (tolerate ? p.catch((err: unknown) => (tolerate(err), null)) : p);
  const [outputs, tokens] = await Promise.all([read(attemptOutputs(knex, keys)), read(tokensThrough(knex, runId, seqs))]);
  return detailsOf(facts, known, outputs, tokens);
}

function detailsOf<S extends TimelineStep>(
  facts: ReadonlyArray<StepFacts<S>>, known: KnownOutputs, outputs: Map<string, AttemptOutput> | null, tokens: Map<number, number> | null,
): Array<DetailedStep<S>> {
  const output = (key: string | null) => (key === null ? null : (known(key) ?? outputs?.get(key) ?? null));
  return facts.map(({ step, at, cost }) => {
    const needs = stepNeeds(step);
    const details: StepDetails = {
      at,
      cost: cost.after !== cost.before && tokens ? { costUsd: cost.after, tokens: tokens.get(step.seq) ?? 0 } : null,
      review: output(needs.review),
      consolidation: output(needs.consolidation),
    };
    return { step, details };
  });
}

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
