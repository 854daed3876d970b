import type { Knex } from '@mikro-orm/postgresql';
import type { StageOutcome } from '../../contracts/execution.js';
import type { JsonValue } from '../../domain/canonical-json.js';
import { TERMINAL_RUN_STATUSES, type RunPlan, type RunStatus } from '../../domain/run.js';

/** Reads of the run host and the workers (hot path, below the ORM; see run-writer.ts). */

/** What the host needs to bring a run back to life. */
export interface StoredRun {
  id: string;
  tenantId: string;
  contextSnapshotId: string;
  plan: RunPlan;
  snapshot: Record<string, unknown>;
  version: number;
  eventSeq: number;
  status: RunStatus;
  owner: string | null;
}

const TERMINAL = TERMINAL_RUN_STATUSES.map((s) => `'${s}'`).join(', ');

/** Records this host's heartbeat (its lease on the runs it owns). */
export async function heartbeat(knex: Knex, hostId: string): Promise<void> {
  await knex.raw(
    `insert into run_host (id, started_at, heartbeat_at) values (?, now(), now())
     on conflict (id) do update set heartbeat_at = now()`,
    [hostId],
  );
}

/**
 * Takes ownership of every non-terminal run that is this host's already, has no owner, or whose
 * owner's heartbeat is older than `leaseMs`. Returns the claimed ids.
 */
export async function claimRuns(knex: Knex, hostId: string, leaseMs: number, only?: string[]): Promise<string[]> {
  const res = await knex.raw<{ rows: Array<{ id: string }> }>(
    `update workflow_run set owner = ?
     where status not in (${TERMINAL})
       ${only ? 'and id = any(?::uuid[])' : ''}
       and (owner is null or owner = ? or owner in (
         select id from run_host where heartbeat_at < now() - (? || ' milliseconds')::interval))
     returning id`,
    only ? [hostId, only, hostId, String(leaseMs)] : [hostId, hostId, String(leaseMs)],
  );
  return res.rows.map((r) => r.id);
}

/** The runs with these ids (owned by `hostId`). */
export async function loadRuns(knex: Knex, ids: string[], hostId: string): Promise<StoredRun[]> {
  if (ids.length === 0) return [];
  const res = await knex.raw<{ rows: Array<Record<string, unknown>> }>(
    `select id, tenant_id, context_snapshot_id, plan, snapshot, version, event_seq, status, owner
     from workflow_run where id = any(?::uuid[]) and owner = ?`,
    [ids, hostId],
  );
  return res.rows.map((r) => ({
    id: r.id as string, tenantId: r.tenant_id as string, contextSnapshotId: r.context_snapshot_id as string,
    plan: r.plan as RunPlan, snapshot: r.snapshot as Record<string, unknown>, version: r.version as number,
    eventSeq: r.event_seq as number, status: r.status as RunStatus, owner: r.owner as string | null,
  }));
}

/** Owner, status and version of one run, or null when it does not exist. */
export async function runOwner(knex: Knex, id: string): Promise<{ owner: string | null; status: RunStatus; version: number; ownerAlive: boolean } | null> {
  const res = await knex.raw<{ rows: Array<{ owner: string | null; status: RunStatus; version: number; alive: boolean | null }> }>(
    `select r.owner, r.status, r.version, (h.heartbeat_at >= now() - interval '30 seconds') as alive
     from workflow_run r left join run_host h on h.id = r.owner where r.id = ?`,
    [id],
  );
  const row = res.rows[0];
  return row ? { owner: row.owner, status: row.status, version: row.version, ownerAlive: row.alive === true } : null;
}

/** The ids of events already processed, per run (the idempotency set of a live run). */
export async function loadEventIds(knex: Knex, ids: string[]): Promise<Map<string, Set<string>>> {
  const out = new Map<string, Set<string>>(ids.map((id) => [id, new Set<string>()]));
  if (ids.length === 0) return out;
  const res = await knex.raw<{ rows: Array<{ run_id: string; event_id: string }> }>(
    'select run_id, event_id from run_event where run_id = any(?::uuid[])',
    [ids],
  );
  for (const r of res.rows) out.get(r.run_id)?.add(r.event_id);
  return out;
}

/** The effects (outbox) of runs' events, oldest first, one row per effect (to re-deliver what the snapshots still wait on). */
export async function loadOutbox(knex: Knex, ids: string[]): Promise<Array<{ runId: string; seq: number; kind: string; payload: Record<string, unknown> }>> {
  if (ids.length === 0) return [];
  const res = await knex.raw<{ rows: Array<{ run_id: string; seq: number; kind: string; payload: Record<string, unknown> }> }>(
    'select run_id, seq, kind, payload from run_outbox where run_id = any(?::uuid[]) order by run_id, seq',
    [ids],
  );
  return res.rows.map((r) => ({ runId: r.run_id, seq: r.seq, kind: r.kind, payload: r.payload }));
}

/** The latest successful output of each named stage of a run. */
export async function loadUpstreamOutputs(knex: Knex, runId: string, stageIds: string[]): Promise<Record<string, JsonValue>> {
  if (stageIds.length === 0) return {};
  const res = await knex.raw<{ rows: Array<{ stage_id: string; output: JsonValue }> }>(
    `select distinct on (stage_id) stage_id, output from stage_result
     where run_id = ? and stage_id = any(?::text[]) and ok
     order by stage_id, round desc, attempt desc, created_at desc`,
    [runId, stageIds],
  );
  return Object.fromEntries(res.rows.map((r) => [r.stage_id, r.output]));
}

/** A recorded outcome by idempotency key, or null. */
export async function findStageResult(knex: Knex, key: string): Promise<StageOutcome | null> {
  const res = await knex.raw<{ rows: Array<Record<string, unknown>> }>('select * from stage_result where key = ?', [key]);
  const r = res.rows[0];
  if (!r) return null;
  return {
    key: r.key as string, tenantId: r.tenant_id as string, runId: r.run_id as string, stageRunId: r.stage_run_id as string,
    stageId: r.stage_id as string, round: r.round as number, attempt: r.attempt as number, kind: r.kind as string, ok: r.ok as boolean,
    output: (r.output ?? null) as JsonValue | null, error: (r.error ?? null) as string | null, retryable: (r.retryable ?? null) as boolean | null,
    costUsd: r.cost_usd as number, artifacts: r.artifacts as StageOutcome['artifacts'], summary: null,
    startedAt: new Date(r.started_at as string).getTime(), finishedAt: new Date(r.finished_at as string).getTime(),
  };
}

/** A context snapshot's content and hash. */
export async function loadContextSnapshot(knex: Knex, id: string): Promise<{ context: Record<string, unknown>; hash: string } | null> {
  const res = await knex.raw<{ rows: Array<{ context: Record<string, unknown>; hash: string }> }>(
    'select context, hash from context_snapshot where id = ?',
    [id],
  );
  return res.rows[0] ?? null;
}
