import type { Knex } from '@mikro-orm/postgresql';
import type { RealtimeEvent } from '../contracts/realtime.js';
import { CostTracker, mapStep, type TimelineStep } from './event-mapper.js';
import { stepDetails, type StepFacts } from './step-lookups.js';

/** The steps a subscriber missed, as events, and the last step of the run's timeline. */
export interface Replay {
  events: RealtimeEvent[];
  /** The run's last committed step (0 before its first); the live stream continues after it. */
  lastSeq: number;
}

interface EventRow {
  seq: number;
  tenant_id: string;
  type: string;
  payload: Record<string, unknown>;
  from_state: string;
  to_state: string;
  version: number;
  stages: TimelineStep['stages'];
  created_at: Date;
}

/**
 * Replays a run's timeline after `afterSeq` through the same mapping as live events
 * ({@link mapStep}); null when the tenant has no such run (every run has at least its START step,
 * written in the commit that created it). The whole timeline is read in one query (a run's is short:
 * one row per step) because the cost after a step is accounted from the first step on.
 */
export async function replayRun(knex: Knex, tenantId: string, runId: string, afterSeq: number): Promise<Replay | null> {
  const res = await knex.raw<{ rows: EventRow[] }>(
    `select seq, tenant_id, type, payload, from_state, to_state, version, stages, created_at
       from run_event where run_id = ? and tenant_id = ? order by seq`,
    [runId, tenantId],
  );
  const rows = res.rows;
  if (rows.length === 0) return null;
  const lastSeq = rows[rows.length - 1]?.seq ?? 0;
  const costs = new CostTracker();
  const missed: StepFacts[] = [];
  for (const r of rows) {
    const step: TimelineStep = {
      runId, tenantId: r.tenant_id, seq: r.seq, type: r.type, payload: r.payload ?? {}, fromState: r.from_state, toState: r.to_state,
      version: r.version, stages: r.stages ?? [],
    };
    const cost = costs.apply(step);
    if (r.seq > afterSeq) missed.push({ step, at: new Date(r.created_at).getTime(), cost });
  }
  if (missed.length === 0) return { events: [], lastSeq };
  const detailed = await stepDetails(knex, runId, missed);
  return { events: detailed.flatMap(({ step, details }) => mapStep(step, details)), lastSeq };
}
