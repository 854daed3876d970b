import { EntitySchema, type Ref } from '@mikro-orm/core';
import type { RunDiagnosis, RunMode, RunPlan, RunStatus, RunTier, StageStatus } from '../../domain/run.js';
import { ContextSnapshot } from './context-snapshot.entity.js';
import { Task } from './task.entity.js';
import { tenantFilter } from './tenant-scope.js';
import { Tenant } from './tenant.entity.js';

/**
 * A WorkflowRun: its plan (written once), and the persisted XState snapshot of its actor with a
 * `version` that every committed macrostep increments (a writer that saw another version, or that
 * does not own the run, is rejected). `status`, `state`, `cost_usd` and `diagnosis` are projections
 * of the snapshot for queries. The hot path writes these rows with batched SQL (run-writer.ts).
 */
export class WorkflowRun {
  id!: string;
  tenant!: Ref<Tenant>;
  task!: Ref<Task>;
  contextSnapshot!: Ref<ContextSnapshot>;
  templateName!: string;
  templateVersion!: number;
  templateHash!: string;
  plan!: RunPlan;
  requestedMode!: RunMode;
  effectiveMode!: RunMode;
  modeReason!: string;
  tier!: RunTier;
  status!: RunStatus;
  state!: string;
  version!: number;
  snapshot!: Record<string, unknown>;
  eventSeq!: number;
  costUsd!: number;
  diagnosis?: RunDiagnosis | null;
  owner?: string | null;
  createdBy!: string;
  createdAt!: Date;
  updatedAt!: Date;
  finishedAt?: Date | null;
}

export const WorkflowRunSchema = new EntitySchema<WorkflowRun>({
  class: WorkflowRun,
  tableName: 'workflow_run',
  filters: tenantFilter,
  indexes: [{ properties: ['tenant', 'id'] }, { properties: ['tenant', 'status'] }, { properties: ['task'] }, { properties: ['owner', 'status'] }],
  properties: {
    id: { type: 'uuid', primary: true },
    tenant: { kind: 'm:1', entity: () => Tenant, ref: true, deleteRule: 'cascade' },
    task: { kind: 'm:1', entity: () => Task, ref: true },
    contextSnapshot: { kind: 'm:1', entity: () => ContextSnapshot, ref: true },
    templateName: { type: 'text' },
    templateVersion: { type: 'integer' },
    templateHash: { type: 'text' },
    plan: { type: 'json' },
    requestedMode: { type: 'text' },
    effectiveMode: { type: 'text' },
    modeReason: { type: 'text' },
    tier: { type: 'text' },
    status: { type: 'text' },
    state: { type: 'text' },
    version: { type: 'integer' },
    snapshot: { type: 'json' },
    eventSeq: { type: 'integer' },
    costUsd: { type: 'double' },
    diagnosis: { type: 'json', nullable: true },
    owner: { type: 'text', nullable: true },
    createdBy: { type: 'text' },
    createdAt: { type: 'datetime' },
    updatedAt: { type: 'datetime' },
    finishedAt: { type: 'datetime', nullable: true },
  },
});

/**
 * A StageRun: one stage of a run in one rework round. Its id is derived (stageRunId()) and is also
 * its actor's id. The row is a projection of the actor's state, upserted with each commit.
 */
export class StageRun {
  id!: string;
  tenant!: Ref<Tenant>;
  run!: Ref<WorkflowRun>;
  stageId!: string;
  round!: number;
  kind!: string;
  status!: StageStatus;
  attempt!: number;
  attemptsTotal!: number;
  usingFallback!: boolean;
  lastError?: string | null;
  costUsd!: number;
  queuedAt?: Date | null;
  startedAt?: Date | null;
  finishedAt?: Date | null;
  updatedAt!: Date;
}

export const StageRunSchema = new EntitySchema<StageRun>({
  class: StageRun,
  tableName: 'stage_run',
  filters: tenantFilter,
  uniques: [{ properties: ['run', 'stageId', 'round'] }],
  properties: {
    id: { type: 'uuid', primary: true },
    tenant: { kind: 'm:1', entity: () => Tenant, ref: true, deleteRule: 'cascade' },
    run: { kind: 'm:1', entity: () => WorkflowRun, ref: true, deleteRule: 'cascade' },
    stageId: { type: 'text' },
    round: { type: 'integer' },
    kind: { type: 'text' },
    status: { type: 'text' },
    attempt: { type: 'integer' },
    attemptsTotal: { type: 'integer' },
    usingFallback: { type: 'boolean' },
    lastError: { type: 'text', nullable: true },
    costUsd: { type: 'double' },
    queuedAt: { type: 'datetime', nullable: true },
    startedAt: { type: 'datetime', nullable: true },
    finishedAt: { type: 'datetime', nullable: true },
    updatedAt: { type: 'datetime' },
  },
});
