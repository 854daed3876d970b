import { z } from 'zod';
import { RUN_MODES, RUN_STATUSES, RUN_TIERS, STAGE_STATUSES } from '../../domain/run.js';

/** `Idempotency-Key` (required on every command) and optional `If-Match` (the run version you expect). */
export const CommandHeaders = z.object({
  'idempotency-key': z
    .string({ message: 'send an Idempotency-Key header (1-200 characters: letters, digits, "-", "_", ".", ":")' })
    .regex(/^[A-Za-z0-9._:-]{1,200}$/, 'Idempotency-Key must be 1-200 characters: letters, digits, "-", "_", ".", ":"'),
  'if-match': z.string().max(20).optional(),
});

/** POST /v2/runs */
export const StartRunBody = z.strictObject({
  taskId: z.uuid({ message: 'must be a task id (UUID)' }),
  mode: z.enum(RUN_MODES),
  tier: z.enum(RUN_TIERS).optional(),
  /** A workflow template: `name` (latest) or `name@version`. Default: campaign-content. */
  template: z.string().max(120).regex(/^[a-z][a-z0-9_-]*(@[1-9][0-9]*)?$/, 'a template reference such as "social_post" or "campaign-content@1"').optional(),
});

/** POST /v2/runs/:id/approve */
export const ApproveBody = z.strictObject({ note: z.string().trim().min(1).max(4000).optional() }).nullish();
/** POST /v2/runs/:id/request-rework: feedback is required; `stages` defaults to the content stages. */
export const ReworkBody = z.strictObject({
  feedback: z.string({ message: 'feedback is required: say what to change' }).trim().min(1, 'feedback is required: say what to change').max(4000),
  stages: z.array(z.string().min(1).max(64)).min(1).max(50).optional(),
});
/** POST /v2/runs/:id/cancel */
export const CancelBody = z.strictObject({ reason: z.string({ message: 'reason is required' }).trim().min(1, 'reason is required').max(1000) });
/** POST /v2/runs/:id/resume */
export const ResumeBody = z.strictObject({}).nullish();

/** The answer to a command: where the run is now. */
export const RunAccepted = z.object({ id: z.uuid(), status: z.enum(RUN_STATUSES), state: z.string(), version: z.number().int() });

/** GET /v2/runs filters. */
export const RunListQuery = z.strictObject({ status: z.enum(RUN_STATUSES).optional(), taskId: z.uuid().optional() });

const Diagnosis = z.object({
  reason: z.string(), message: z.string(), stageId: z.string().optional(), kind: z.string().optional(),
  attempts: z.number().optional(), errors: z.array(z.string()).optional(),
});

/** A StageRun: one stage of a run in one rework round. */
export const StageRunResource = z.object({
  id: z.uuid(),
  stageId: z.string(),
  round: z.number().int(),
  kind: z.string(),
  status: z.enum(STAGE_STATUSES),
  attempt: z.number().int(),
  usingFallback: z.boolean(),
  lastError: z.string().nullable(),
  costUsd: z.number(),
  queuedAt: z.string().nullable(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
});

/** A run as listed. */
export const RunSummaryResource = z.object({
  id: z.uuid(),
  taskId: z.uuid(),
  status: z.enum(RUN_STATUSES),
  state: z.string(),
  version: z.number().int(),
  requestedMode: z.enum(RUN_MODES),
  effectiveMode: z.enum(RUN_MODES),
  modeReason: z.string(),
  tier: z.enum(RUN_TIERS),
  template: z.object({ name: z.string(), version: z.number().int(), hash: z.string() }),
  costUsd: z.number(),
  diagnosis: Diagnosis.nullable(),
  createdBy: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  finishedAt: z.string().nullable(),
});

/** GET /v2/runs/:id */
export const RunResource = RunSummaryResource.extend({
  contextSnapshot: z.object({ id: z.uuid(), hash: z.string() }),
  plan: z.object({
    stages: z.array(z.object({ id: z.string(), kind: z.string(), dependsOn: z.array(z.string()), content: z.boolean() })),
    skipped: z.array(z.string()),
    maxReworkRounds: z.number().int(),
  }),
  round: z.number().int(),
  gate: z.object({ passed: z.boolean(), score: z.number().optional(), notes: z.string().optional() }).nullable(),
  stages: z.array(StageRunResource),
});

/** One entry of a run's timeline. */
export const TimelineEntry = z.object({
  seq: z.number().int(),
  type: z.string(),
  payload: z.record(z.string(), z.unknown()),
  from: z.string(),
  to: z.string(),
  stages: z.array(z.object({ stageRunId: z.string(), stageId: z.string(), from: z.string().nullable(), to: z.string() })),
  actor: z.string(),
  version: z.number().int(),
  at: z.string(),
});

/** A workflow template as listed. */
export const TemplateResource = z.object({
  name: z.string(), version: z.number().int(), description: z.string(),
  stages: z.array(z.object({ id: z.string(), kind: z.string(), dependsOn: z.array(z.string()), content: z.boolean(), when: z.unknown().optional() })),
  review: z.object({ kind: z.string() }), consolidate: z.object({ kind: z.string() }).nullable(), learn: z.object({ kind: z.string() }).nullable(),
  maxReworkRounds: z.number().int(), approvalDeadlineMs: z.number().int().nullable(),
});
