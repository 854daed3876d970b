import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';

/**
 * Run vocabulary shared by the planner, the machines, the run host and the API: statuses, modes and
 * the shape of a planned run. Pure and isomorphic.
 */

/** What the caller asked for / what policy allowed. */
export const RUN_MODES = ['autopilot', 'supervised'] as const;
export type RunMode = (typeof RUN_MODES)[number];

/** The cost/quality tier a run executes at. */
export const RUN_TIERS = ['economy', 'standard', 'premium'] as const;
export type RunTier = (typeof RUN_TIERS)[number];

/** Top-level states of a WorkflowRun. `running` covers execution, review, consolidation and learning. */
export const RUN_STATUSES = ['queued', 'running', 'waiting_approval', 'paused', 'completed', 'failed', 'cancelled'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** Statuses after which a run never changes again. */
export const TERMINAL_RUN_STATUSES: readonly RunStatus[] = ['completed', 'failed', 'cancelled'];

/** True for completed, failed and cancelled. */
export function isTerminalRunStatus(status: RunStatus): boolean {
  return TERMINAL_RUN_STATUSES.includes(status);
}

/** States of a StageRun. `pending` and `skipped` are decided by the plan; the rest by its actor. */
export const STAGE_STATUSES = ['pending', 'queued', 'running', 'retry_wait', 'succeeded', 'failed', 'skipped', 'cancelled'] as const;
export type StageStatus = (typeof STAGE_STATUSES)[number];

/** Retry policy of a stage: attempts in all (first try included) and the backoff between them. */
export interface RetryPolicy {
  maxAttempts: number;
  backoff: { type: 'fixed' | 'exponential'; initialMs: number; maxMs: number; multiplier: number };
}

/** The wait before attempt `attempt + 1` after attempt `attempt` failed (attempts count from 1). */
export function backoffDelay(policy: RetryPolicy, attempt: number): number {
  const { type, initialMs, maxMs, multiplier } = policy.backoff;
  const raw = type === 'fixed' ? initialMs : initialMs * multiplier ** Math.max(0, attempt - 1);
  return Math.min(maxMs, Math.round(raw));
}

/** The system steps every run goes through after its DAG: review (gates), consolidation, learning. */
export const SYSTEM_STAGES = ['$review', '$consolidate', '$learn'] as const;
export type SystemStageId = (typeof SYSTEM_STAGES)[number];

/** One stage of a planned run. */
export interface PlannedStage {
  /** The template's stage id (`draft`), or a system stage id (`$review`). */
  id: string;
  /** The handler kind that runs it. */
  kind: string;
  /** Stage ids this one waits for (DAG stages only). */
  dependsOn: string[];
  retry: RetryPolicy;
  /** Time allowed per attempt, from dispatch; null for none. */
  timeoutMs: number | null;
  /** The handler kind tried once the retries of `kind` are spent. */
  fallbackKind: string | null;
  /** A content stage is re-run by default when a reviewer asks for rework. */
  content: boolean;
  /** Free parameters the handler reads (from the template). */
  params: Record<string, unknown>;
}

/** A run's plan: the DAG stages that run, the system stages, and the policies of the run. */
export interface RunPlan {
  template: { name: string; version: number; hash: string };
  /** DAG stages to run, in a topological order. Stages whose `when` was false are not here. */
  stages: PlannedStage[];
  /** Template stages left out because their `when` condition was false. */
  skipped: string[];
  review: PlannedStage;
  /** Null: the run goes from approval straight to learning (or completion). */
  consolidate: PlannedStage | null;
  /** Null: the run completes without a learning step. */
  learn: PlannedStage | null;
  maxReworkRounds: number;
  /** How long a supervised run waits for a decision before it pauses; null for no deadline. */
  approvalDeadlineMs: number | null;
}

/**
 * The id of the StageRun row (and of its actor) for a stage in a given rework round. Derived, so the
 * pure machine can name a new round's StageRuns and the host can insert their rows idempotently:
 * an RFC 9562 version-8 UUID from SHA-256 of `runId/stageId/round`.
 */
export function stageRunId(runId: string, stageId: string, round: number): string {
  const hex = bytesToHex(sha256(utf8ToBytes(`${runId}/${stageId}/${round}`))).slice(0, 32).split('');
  hex[12] = '8';
  hex[16] = ((parseInt(hex[16] ?? '0', 16) & 0x3) | 0x8).toString(16);
  const h = hex.join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** The idempotency key of one attempt of a StageRun: `runId:stageRunId:attempt`. */
export function attemptKey(runId: string, stageRunIdValue: string, attempt: number): string {
  return `${runId}:${stageRunIdValue}:${attempt}`;
}

/** Why a run failed: enough for a person to act without reading logs. */
export interface RunDiagnosis {
  reason: 'stage_failed' | 'rework_limit' | 'gate_failed';
  message: string;
  stageId?: string;
  kind?: string;
  attempts?: number;
  errors?: string[];
}

/** What a stage's handler reports besides its output: small, kept in the run's snapshot. */
export interface StageSummary {
  /** The review stage's verdict. */
  gate?: { passed: boolean; score?: number; notes?: string };
}
