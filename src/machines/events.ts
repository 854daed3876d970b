import type { RunDiagnosis, StageSummary } from '../domain/run.js';

export type { StageSummary };

/**
 * Events of the WorkflowRun machine. Every event from outside carries `at` (epoch ms, stamped by the
 * run host when it accepts the event) so the machines compute deadlines without reading a clock.
 */

/** Start executing a queued run. */
export interface StartEvent { type: 'START'; at: number }
/** A worker picked up an attempt. */
export interface StageStartedEvent { type: 'STAGE.STARTED'; at: number; stageRunId: string; attempt: number }
/** The outcome of an attempt. `summary` is small (gate verdicts, counts); outputs live in stage results. */
export type StageResultEvent =
  | { type: 'STAGE.RESULT'; at: number; stageRunId: string; attempt: number; ok: true; summary?: StageSummary; costUsd?: number }
  | { type: 'STAGE.RESULT'; at: number; stageRunId: string; attempt: number; ok: false; error: string; retryable: boolean; costUsd?: number };
/** A durable timer came due. */
export interface TimerFiredEvent { type: 'TIMER.FIRED'; at: number; timerId: string }
/** A reviewer approves the run. */
export interface ApproveEvent { type: 'APPROVE'; at: number; note?: string }
/** A reviewer sends the run back; `stages` defaults to the content stages. */
export interface RequestReworkEvent { type: 'REQUEST_REWORK'; at: number; feedback: string; stages?: string[] }
/** Stop the run. */
export interface CancelEvent { type: 'CANCEL'; at: number; reason: string }
/** Continue a paused run (back to waiting for approval). */
export interface ResumeEvent { type: 'RESUME'; at: number }


/** Sent by a StageRun to its run when it reaches a final state. */
export type StageDoneEvent =
  | { type: 'STAGE.DONE'; at: number; stageRunId: string; stageId: string; ok: true; attempts: number; summary?: StageSummary; costUsd: number }
  | { type: 'STAGE.DONE'; at: number; stageRunId: string; stageId: string; ok: false; attempts: number; diagnosis: RunDiagnosis; costUsd: number };

/** Every event the WorkflowRun machine accepts from outside. */
export type RunEvent =
  | StartEvent | StageStartedEvent | StageResultEvent | TimerFiredEvent
  | ApproveEvent | RequestReworkEvent | CancelEvent | ResumeEvent;

/** Events a StageRun accepts (forwarded by its run). */
export type StageEvent = StageStartedEvent | StageResultEvent | TimerFiredEvent;

/** The event types clients may send as commands. */
export const COMMAND_EVENTS = ['START', 'APPROVE', 'REQUEST_REWORK', 'CANCEL', 'RESUME'] as const;
