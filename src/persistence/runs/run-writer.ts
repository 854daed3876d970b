import type { SqlRunner } from './sql-runner.js';
import type { RunBatch } from './run-batch.js';

/**
 * The run engine's hot path below the ORM: one statement per group commit, one multi-row insert
 * per table inside it (rows travel as JSON arrays through `jsonb_to_recordset`). This is the only
 * place that writes run tables with raw SQL; measurement showed the unit of work, and even one
 * statement per table in a transaction, cost several times more per run (bench/README.md).
 */

/** Raised when a run in the batch is no longer at the version the host read, or is owned by another host. */
export class StaleRunError extends Error {
  constructor(readonly runIds: string[]) {
    super(`stale writer: ${runIds.length} run(s) changed under this host or belong to another (${runIds.slice(0, 3).join(', ')})`);
    this.name = 'StaleRunError';
  }
}

const ts = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

const RUN_STATE_COLUMNS = `status text, state text, version int, snapshot jsonb, event_seq int, cost_usd float8,
  diagnosis jsonb, updated_at timestamptz, finished_at timestamptz`;

function runState(r: RunBatch['states'][number]) {
  return {
    id: r.id, expected: r.expected, status: r.status, state: r.state, version: r.version, snapshot: r.snapshot,
    event_seq: r.eventSeq, cost_usd: r.costUsd, diagnosis: r.diagnosis, updated_at: ts(r.updatedAt), finished_at: ts(r.finishedAt),
  };
}

/**
 * Writes a batch atomically, as ONE statement (data-modifying CTEs): one round trip, no explicit
 * transaction. Every updated run must still be at its expected version and owned by `owner`;
 * otherwise `vmp_expect_rows` raises, nothing is written, and {@link StaleRunError} is thrown.
 * Returns the bytes of row data sent.
 */
export async function commitRunBatch(sql: SqlRunner, owner: string, batch: RunBatch): Promise<number> {
  let bytes = 0;
  const json = (rows: unknown[]) => {
    const text = JSON.stringify(rows);
    bytes += text.length;
    return text;
  };
  const params = [
    owner,
    json(batch.newRuns.map((r) => ({
      ...runState(r), tenant_id: r.tenantId, task_id: r.taskId, context_snapshot_id: r.contextSnapshotId,
      template_name: r.plan.template.name, template_version: r.plan.template.version, template_hash: r.plan.template.hash, plan: r.plan,
      requested_mode: r.requestedMode, effective_mode: r.effectiveMode, mode_reason: r.modeReason, tier: r.tier,
      created_by: r.createdBy, created_at: ts(r.createdAt),
    }))),
    json(batch.states.map(runState)),
    json(batch.events.map((e) => ({
      run_id: e.runId, seq: e.seq, tenant_id: e.tenantId, event_id: e.eventId, type: e.type, payload: e.payload,
      from_state: e.fromState, to_state: e.toState, stages: e.stages, effects: e.effects, actor: e.actor, version: e.version, created_at: ts(e.at),
    }))),
    json(batch.stages.map((st) => ({
      id: st.id, tenant_id: st.tenantId, run_id: st.runId, stage_id: st.stageId, round: st.round, kind: st.kind, status: st.status,
      attempt: st.attempt, attempts_total: st.attemptsTotal, using_fallback: st.usingFallback, last_error: st.lastError, cost_usd: st.costUsd,
      queued_at: ts(st.queuedAt), started_at: ts(st.startedAt), finished_at: ts(st.finishedAt), updated_at: ts(st.updatedAt),
    }))),
    json(batch.results.map((r) => ({
      key: r.key, tenant_id: r.tenantId, run_id: r.runId, stage_run_id: r.stageRunId, stage_id: r.stageId, round: r.round,
      attempt: r.attempt, kind: r.kind, ok: r.ok, output: r.output, error: r.error, retryable: r.retryable, cost_usd: r.costUsd,
      artifacts: r.artifacts, queued_at: ts(r.queuedAt ?? null), started_at: ts(r.startedAt), finished_at: ts(r.finishedAt),
    }))),
    json(batch.audits.map((a) => ({
      id: a.id, tenant_id: a.tenantId, actor_type: a.actorType, actor_id: a.actorId, action: a.action, target_type: a.targetType,
      target_id: a.targetId, version: a.version, details: a.details, request_id: a.requestId, created_at: ts(a.at),
    }))),
    json(batch.commands.map((c) => ({
      tenant_id: c.tenantId, key: c.key, command: c.command, run_id: c.runId, request_hash: c.requestHash,
      status_code: c.statusCode, response: c.response, created_at: ts(c.at),
    }))),
    batch.states.length,
  ];
  try {
    await sql.query(COMMIT_SQL, params);
  } catch (err) {
    if ((err as { code?: string }).code === '40001' || /stale writer/.test(String((err as Error).message))) {
      throw new StaleRunError(batch.states.map((st) => st.id));
    }
    throw err;
  }
  return bytes;
}

/** The group commit: every table's rows as one JSON array parameter, in one statement. */
const COMMIT_SQL = `
with new_runs as (
  insert into workflow_run (id, tenant_id, task_id, context_snapshot_id, template_name, template_version, template_hash, plan,
    requested_mode, effective_mode, mode_reason, tier, status, state, version, snapshot, event_seq, cost_usd, diagnosis,
    owner, created_by, created_at, updated_at, finished_at)
  select id, tenant_id, task_id, context_snapshot_id, template_name, template_version, template_hash, plan,
    requested_mode, effective_mode, mode_reason, tier, status, state, version, snapshot, event_seq, cost_usd, diagnosis,
    $1, created_by, created_at, updated_at, finished_at
  from jsonb_to_recordset($2::jsonb) as x(id uuid, tenant_id uuid, task_id uuid, context_snapshot_id uuid, template_name text,
    template_version int, template_hash text, plan jsonb, requested_mode text, effective_mode text, mode_reason text, tier text,
    created_by text, created_at timestamptz, ${RUN_STATE_COLUMNS})
  returning 1
), updated as (
  update workflow_run r set status = x.status, state = x.state, version = x.version, snapshot = x.snapshot, event_seq = x.event_seq,
    cost_usd = x.cost_usd, diagnosis = x.diagnosis, updated_at = x.updated_at,
    finished_at = coalesce(r.finished_at, x.finished_at)
  from jsonb_to_recordset($3::jsonb) as x(id uuid, expected int, ${RUN_STATE_COLUMNS})
  where r.id = x.id and r.version = x.expected and r.owner = $1
  returning r.id
), events as (
  insert into run_event (run_id, seq, tenant_id, event_id, type, payload, from_state, to_state, stages, effects, actor, version, created_at)
  select run_id, seq, tenant_id, event_id, type, payload, from_state, to_state, stages, effects, actor, version, created_at
  from jsonb_to_recordset($4::jsonb) as x(run_id uuid, seq int, tenant_id uuid, event_id text, type text, payload jsonb,
    from_state text, to_state text, stages jsonb, effects jsonb, actor text, version int, created_at timestamptz)
  returning 1
), stages as (
  insert into stage_run (id, tenant_id, run_id, stage_id, round, kind, status, attempt, attempts_total, using_fallback, last_error,
    cost_usd, queued_at, started_at, finished_at, updated_at)
  select id, tenant_id, run_id, stage_id, round, kind, status, attempt, attempts_total, using_fallback, last_error,
    cost_usd, queued_at, started_at, finished_at, updated_at
  from jsonb_to_recordset($5::jsonb) as x(id uuid, tenant_id uuid, run_id uuid, stage_id text, round int, kind text, status text,
    attempt int, attempts_total int, using_fallback boolean, last_error text, cost_usd float8, queued_at timestamptz,
    started_at timestamptz, finished_at timestamptz, updated_at timestamptz)
  on conflict (id) do nothing
  returning 1
), results as (
  insert into stage_result (key, tenant_id, run_id, stage_run_id, stage_id, round, attempt, kind, ok, output, error, retryable,
    cost_usd, artifacts, queued_at, started_at, finished_at, created_at)
  select key, tenant_id, run_id, stage_run_id, stage_id, round, attempt, kind, ok, output, error, retryable,
    cost_usd, artifacts, queued_at, started_at, finished_at, now()
  from jsonb_to_recordset($6::jsonb) as x(key text, tenant_id uuid, run_id uuid, stage_run_id uuid, stage_id text, round int,
    attempt int, kind text, ok boolean, output jsonb, error text, retryable boolean, cost_usd float8, artifacts jsonb,
    queued_at timestamptz, started_at timestamptz, finished_at timestamptz)
  on conflict (key) do nothing
  returning 1
), audits as (
  insert into audit_event (id, tenant_id, actor_type, actor_id, action, target_type, target_id, version, before_hash, after_hash,
    details, request_id, created_at)
  select id, tenant_id, actor_type, actor_id, action, target_type, target_id, version, null, null, details, request_id, created_at
  from jsonb_to_recordset($7::jsonb) as x(id uuid, tenant_id uuid, actor_type text, actor_id text, action text, target_type text,
    target_id text, version int, details jsonb, request_id text, created_at timestamptz)
  returning 1
), commands as (
  insert into command_record (tenant_id, key, command, run_id, request_hash, status_code, response, created_at)
  select tenant_id, key, command, run_id, request_hash, status_code, response, created_at
  from jsonb_to_recordset($8::jsonb) as x(tenant_id uuid, key text, command text, run_id uuid, request_hash text,
    status_code int, response jsonb, created_at timestamptz)
  on conflict do nothing
  returning 1
)
select vmp_expect_rows((select count(*) from updated), $9::int) as updated`;
