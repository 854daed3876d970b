import { EntitySchema, type Ref } from '@mikro-orm/core';
import { tenantFilter } from './tenant-scope.js';
import { Tenant } from './tenant.entity.js';
import { WorkflowRun } from './workflow-run.entity.js';

/**
 * The outcome of one attempt of a StageRun, keyed by its idempotency key
 * (`runId:stageRunId:attempt`). Append-only: every attempt's output is kept, through rework rounds.
 * Outputs are bounded JSON; large content goes to the artifact store and is referenced here.
 */
export class StageResult {
  key!: string;
  tenant!: Ref<Tenant>;
  run!: Ref<WorkflowRun>;
  stageRunId!: string;
  stageId!: string;
  round!: number;
  attempt!: number;
  kind!: string;
  ok!: boolean;
  output?: unknown;
  error?: string | null;
  retryable?: boolean | null;
  costUsd!: number;
  artifacts!: unknown[];
  /** When the StageRun was first queued (set on its successful attempt). */
  queuedAt?: Date | null;
  startedAt!: Date;
  finishedAt!: Date;
  createdAt!: Date;
}

export const StageResultSchema = new EntitySchema<StageResult>({
  class: StageResult,
  tableName: 'stage_result',
  filters: tenantFilter,
  indexes: [{ properties: ['run', 'stageId'] }],
  properties: {
    key: { type: 'text', primary: true },
    tenant: { kind: 'm:1', entity: () => Tenant, ref: true, deleteRule: 'cascade' },
    run: { kind: 'm:1', entity: () => WorkflowRun, ref: true, deleteRule: 'cascade' },
    stageRunId: { type: 'uuid' },
    stageId: { type: 'text' },
    round: { type: 'integer' },
    attempt: { type: 'integer' },
    kind: { type: 'text' },
    ok: { type: 'boolean' },
    output: { type: 'json', nullable: true },
    error: { type: 'text', nullable: true },
    retryable: { type: 'boolean', nullable: true },
    costUsd: { type: 'double' },
    artifacts: { type: 'json' },
    queuedAt: { type: 'datetime', nullable: true },
    startedAt: { type: 'datetime' },
    finishedAt: { type: 'datetime' },
    createdAt: { type: 'datetime' },
  },
});

/**
 * One processed event of a run, in order: the run's timeline, its idempotency record (an event id
 * is processed at most once per run) and its outbox (the effects the step asked for). `from`/`to`
 * are the run's state before and after. Append-only.
 */
export class RunEvent {
  run!: Ref<WorkflowRun>;
  seq!: number;
  tenant!: Ref<Tenant>;
  eventId!: string;
  type!: string;
  payload!: Record<string, unknown>;
  fromState!: string;
  toState!: string;
  stages!: Array<{ stageRunId: string; stageId: string; from: string | null; to: string }>;
  /** The side effects this step asked for (the outbox): delivered after commit, re-delivered on restore. */
  effects!: Array<Record<string, unknown>>;
  actor!: string;
  version!: number;
  createdAt!: Date;
}

export const RunEventSchema = new EntitySchema<RunEvent>({
  class: RunEvent,
  tableName: 'run_event',
  filters: tenantFilter,
  uniques: [{ properties: ['run', 'eventId'] }],
  properties: {
    run: { kind: 'm:1', entity: () => WorkflowRun, ref: true, primary: true, deleteRule: 'cascade' },
    seq: { type: 'integer', primary: true },
    tenant: { kind: 'm:1', entity: () => Tenant, ref: true, deleteRule: 'cascade' },
    eventId: { type: 'text' },
    type: { type: 'text' },
    payload: { type: 'json' },
    fromState: { type: 'text' },
    toState: { type: 'text' },
    stages: { type: 'json' },
    effects: { type: 'json', default: "'[]'" },
    actor: { type: 'text' },
    version: { type: 'integer' },
    createdAt: { type: 'datetime' },
  },
});

/**
 * The first answer to a command with an `Idempotency-Key`: a repeat with the same body gets the same
 * answer; a repeat with another body is refused. Written in the commit that applied the command.
 */
export class CommandRecord {
  tenant!: Ref<Tenant>;
  key!: string;
  command!: string;
  runId!: string;
  requestHash!: string;
  statusCode!: number;
  response!: Record<string, unknown>;
  createdAt!: Date;
}

export const CommandRecordSchema = new EntitySchema<CommandRecord>({
  class: CommandRecord,
  tableName: 'command_record',
  filters: tenantFilter,
  properties: {
    tenant: { kind: 'm:1', entity: () => Tenant, ref: true, primary: true, deleteRule: 'cascade' },
    key: { type: 'text', primary: true },
    command: { type: 'text' },
    runId: { type: 'uuid' },
    requestHash: { type: 'text' },
    statusCode: { type: 'integer' },
    response: { type: 'json' },
    createdAt: { type: 'datetime' },
  },
});

/** A run host process: its heartbeat is the lease on the runs it owns. */
export class RunHostRecord {
  id!: string;
  startedAt!: Date;
  heartbeatAt!: Date;
}

export const RunHostSchema = new EntitySchema<RunHostRecord>({
  class: RunHostRecord,
  tableName: 'run_host',
  properties: {
    id: { type: 'text', primary: true },
    startedAt: { type: 'datetime' },
    heartbeatAt: { type: 'datetime' },
  },
});
