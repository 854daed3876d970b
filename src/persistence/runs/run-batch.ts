import type { StageOutcome } from '../../contracts/execution.js';
import type { RunDiagnosis, RunMode, RunPlan, RunStatus, RunTier, StageStatus } from '../../domain/run.js';

/**
 * One group commit of the run host: everything many runs' macrosteps wrote since the last commit.
 * Written in one transaction by {@link commitRunBatch}; rows of one kind go in one statement.
 */
export interface RunBatch {
  /** Runs created in this batch (inserted with their latest state). */
  newRuns: NewRunRow[];
  /** Runs that existed before this batch: their latest state, guarded by the version they had. */
  states: RunStateRow[];
  events: RunEventRow[];
  stages: StageRunRow[];
  audits: AuditRow[];
  commands: CommandRow[];
  results: StageOutcome[];
}

/** An empty batch. */
export function emptyBatch(): RunBatch {
  return { newRuns: [], states: [], events: [], stages: [], audits: [], commands: [], results: [] };
}

/** The immutable part of a new run plus its first state. */
export interface NewRunRow extends RunStateRow {
  tenantId: string;
  taskId: string;
  contextSnapshotId: string;
  plan: RunPlan;
  requestedMode: RunMode;
  effectiveMode: RunMode;
  modeReason: string;
  tier: RunTier;
  createdBy: string;
  createdAt: number;
}

/** A run's state after the batch. `expected` is the version the host read (null for a new run). */
export interface RunStateRow {
  id: string;
  expected: number | null;
  version: number;
  status: RunStatus;
  state: string;
  snapshot: Record<string, unknown>;
  eventSeq: number;
  costUsd: number;
  diagnosis: RunDiagnosis | null;
  updatedAt: number;
  finishedAt: number | null;
}

/** One processed event (timeline + idempotency). */
export interface RunEventRow {
  runId: string;
  seq: number;
  tenantId: string;
  eventId: string;
  type: string;
  payload: Record<string, unknown>;
  fromState: string;
  toState: string;
  stages: Array<{ stageRunId: string; stageId: string; from: string | null; to: string }>;
  /** The effects the step asked for (the outbox of this event). */
  effects: Array<Record<string, unknown>>;
  actor: string;
  version: number;
  at: number;
  /** The run's accumulated cost before and after the step: for commit listeners, not written to the row. */
  costBefore: number;
  costUsd: number;
}

/** A finished StageRun (live ones are in the run's snapshot, pending ones in its plan). */
export interface StageRunRow {
  id: string;
  tenantId: string;
  runId: string;
  stageId: string;
  round: number;
  kind: string;
  status: StageStatus;
  attempt: number;
  attemptsTotal: number;
  usingFallback: boolean;
  lastError: string | null;
  costUsd: number;
  queuedAt: number | null;
  startedAt: number | null;
  finishedAt: number | null;
  updatedAt: number;
}

/** An audit event written with the batch. */
export interface AuditRow {
  id: string;
  tenantId: string;
  actorType: 'api_key' | 'cli' | 'system';
  actorId: string | null;
  action: string;
  targetType: string;
  targetId: string;
  version: number | null;
  details: Record<string, unknown> | null;
  requestId: string | null;
  at: number;
}

/** The first answer to an idempotent command. */
export interface CommandRow {
  tenantId: string;
  key: string;
  command: string;
  runId: string;
  requestHash: string;
  statusCode: number;
  response: Record<string, unknown>;
  at: number;
}

/** Total rows a batch writes, for metrics. */
export function batchRows(b: RunBatch): number {
  return b.newRuns.length + b.states.length + b.events.length + b.stages.length + b.audits.length + b.commands.length + b.results.length;
}
