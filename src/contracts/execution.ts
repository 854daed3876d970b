import type { JsonValue } from '../domain/canonical-json.js';
import type { StageSummary } from '../domain/run.js';

/**
 * The execution contract: what a stage job carries, what a stage handler receives and returns.
 * Handlers are looked up by `kind`; the agent handlers of the tool layer implement this contract.
 */

/** The payload of a stage job (in-process or BullMQ). Its id is `key`. */
export interface StageJob {
  /** The idempotency key of this attempt: `runId:stageRunId:attempt`. */
  key: string;
  tenantId: string;
  runId: string;
  stageRunId: string;
  stageId: string;
  round: number;
  attempt: number;
  kind: string;
  contextSnapshotId: string;
  /** The stages whose latest successful outputs this stage reads. */
  upstream: string[];
  params: Record<string, unknown>;
  timeoutMs: number | null;
  /** The run host that owns the run: results go back to it. */
  hostId: string;
  /** Set when the job is sent again after a restart: check for a recorded result first. */
  redelivery?: boolean;
  /** The upstream outputs, when the dispatcher had them all (saves the worker a database read). */
  upstreamOutputs?: Record<string, JsonValue>;
}

/** A reference to a stored artifact (content lives in the artifact store). */
export interface ArtifactRef {
  id: string;
  version: number;
  kind: string;
}

/** What a handler gets. */
export interface StageHandlerInput {
  key: string;
  tenantId: string;
  runId: string;
  stageId: string;
  stageRunId: string;
  round: number;
  attempt: number;
  kind: string;
  params: Record<string, unknown>;
  /** The run's resolved Brand -> Campaign -> Task context (its immutable snapshot). */
  context: Record<string, unknown>;
  contextHash: string;
  /** Outputs of the upstream stages, by stage id (latest successful attempt). */
  upstream: Record<string, JsonValue>;
  /** Aborted when the attempt is cancelled or times out: pass it to every I/O call. */
  signal: AbortSignal;
}

/** What a handler returns. `output` must be JSON and small (<= 256 KiB); big content goes to artifacts. */
export interface StageHandlerOutput {
  output: JsonValue;
  artifacts?: ArtifactRef[];
  costUsd?: number;
  summary?: StageSummary;
}

/** A stage handler. */
export interface StageHandler {
  kind: string;
  description: string;
  run(input: StageHandlerInput): Promise<StageHandlerOutput>;
}

/** The recorded outcome of one attempt, as the run host commits it. */
export interface StageOutcome {
  key: string;
  tenantId: string;
  runId: string;
  stageRunId: string;
  stageId: string;
  round: number;
  attempt: number;
  kind: string;
  ok: boolean;
  output: JsonValue | null;
  error: string | null;
  retryable: boolean | null;
  costUsd: number;
  artifacts: ArtifactRef[];
  summary: StageSummary | null;
  startedAt: number;
  finishedAt: number;
  /** When the StageRun was first queued; set by the run host when the outcome succeeds it. */
  queuedAt?: number | null;
}

const RETRYABLE = Symbol.for('vmp.StageError');

/**
 * The error a handler throws to say whether trying again can help. Any other error counts as
 * retryable (a transient failure until proven otherwise).
 */
export class StageError extends Error {
  readonly [RETRYABLE] = true;
  constructor(message: string, readonly retryable: boolean) {
    super(message);
    this.name = 'StageError';
  }
}

/** True for a {@link StageError} (also across module copies). */
export function isStageError(err: unknown): err is StageError {
  return typeof err === 'object' && err !== null && (err as Record<symbol, unknown>)[RETRYABLE] === true;
}
