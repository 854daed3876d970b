/**
 * The realtime event catalog (Socket.IO), shared by the server, API clients and the Studio.
 *
 * Ordering and gaps: every committed step of a run has a sequence number `seq` (the run's timeline,
 * `run_event.seq`, 1, 2, 3… with no holes). A step yields zero or more detail events (`stage.transition`,
 * `run.cost`, `gate.result`, `artifact.created`) and then exactly one `run.transition`, all with the
 * step's `seq` and an increasing `n` within it. A client that last saw `run.transition` seq M and
 * receives seq N > M + 1 missed steps: it re-subscribes with `lastSeq: M` and gets them replayed from
 * the timeline, in order. Events are published after the step's commit, never before.
 */
import { z } from 'zod';

/** Socket.IO event names, server → client. */
export const REALTIME_EVENTS = ['run.transition', 'stage.transition', 'run.cost', 'gate.result', 'artifact.created'] as const;
export type RealtimeEventName = (typeof REALTIME_EVENTS)[number];

const base = {
  runId: z.string(),
  /** The run step (timeline sequence number). */
  seq: z.number().int().positive(),
  /** Position within the step (0-based); `run.transition` is the last. */
  n: z.number().int().nonnegative(),
  /**
   * Commit time, epoch ms: for live events, when the step's commit returned; for events replayed in
   * a `subscribe` ack, the step's recorded time (`run_event.created_at`, taken just before its commit).
   */
  at: z.number(),
};

/** The run's state after a step (from == to when the step did not move the run). */
export const RunTransitionEvent = z.object({
  ...base,
  type: z.literal('run.transition'),
  /** The machine event processed (`START`, `STAGE.SUCCEEDED`, `APPROVE`…). */
  event: z.string(),
  from: z.string(),
  to: z.string(),
  /** The run's snapshot version after the step. */
  version: z.number().int(),
});

/** A StageRun child changed state. */
export const StageTransitionEvent = z.object({
  ...base,
  type: z.literal('stage.transition'),
  stageRunId: z.string(),
  stageId: z.string(),
  from: z.string().nullable(),
  to: z.string(),
});

/** The run's accumulated cost after a step that changed it. */
export const RunCostEvent = z.object({
  ...base,
  type: z.literal('run.cost'),
  costUsd: z.number(),
  tokens: z.number().int().nonnegative(),
});

/** A review stage's quality-gate report. */
export const GateResultEvent = z.object({
  ...base,
  type: z.literal('gate.result'),
  stageId: z.string(),
  passed: z.boolean(),
  score: z.number().nullable(),
  /** One line per gate: name, passed, short reason. */
  gates: z.array(z.object({ name: z.string(), passed: z.boolean(), detail: z.string() })),
});

/** An artifact version was written for the run. */
export const ArtifactCreatedEvent = z.object({
  ...base,
  type: z.literal('artifact.created'),
  artifactId: z.string(),
  name: z.string(),
  version: z.number().int().positive(),
});

export type RunTransitionEvent = z.infer<typeof RunTransitionEvent>;
export type StageTransitionEvent = z.infer<typeof StageTransitionEvent>;
export type RunCostEvent = z.infer<typeof RunCostEvent>;
export type GateResultEvent = z.infer<typeof GateResultEvent>;
export type ArtifactCreatedEvent = z.infer<typeof ArtifactCreatedEvent>;

/** Any server → client event (the Socket.IO event name equals `type`). */
export const RealtimeEvent = z.discriminatedUnion('type', [RunTransitionEvent, StageTransitionEvent, RunCostEvent, GateResultEvent, ArtifactCreatedEvent]);
export type RealtimeEvent = z.infer<typeof RealtimeEvent>;

/**
 * Client → server `subscribe` (with an ack): one run's room, or the tenant's run list (`runs: true`).
 * `runId` must be a run of the caller's tenant (a UUID). With `lastSeq` the ack replays the steps
 * after it (`lastSeq: 0`: the whole history); without it nothing is replayed and the ack's `lastSeq`
 * says where the live stream starts.
 */
export const SubscribeRequest = z.union([
  z.object({ runId: z.string().min(1).max(64), lastSeq: z.number().int().nonnegative().optional() }).strict(),
  z.object({ runs: z.literal(true) }).strict(),
]);
export type SubscribeRequest = z.infer<typeof SubscribeRequest>;

/** The ack of `subscribe`: on success, the events after `lastSeq` (replayed from the timeline, in order). */
export const SubscribeAck = z.union([
  z.object({ ok: z.literal(true), missed: z.array(RealtimeEvent), lastSeq: z.number().int().nonnegative() }),
  z.object({ ok: z.literal(false), error: z.object({ code: z.string(), message: z.string() }) }),
]);
export type SubscribeAck = z.infer<typeof SubscribeAck>;

/** Sent to the tenant's run-list room when a run changes status (`runs: true` subscribers). */
export const RunListEvent = z.object({
  type: z.literal('runs.changed'),
  runId: z.string(),
  status: z.string(),
  seq: z.number().int().positive(),
  at: z.number(),
});
export type RunListEvent = z.infer<typeof RunListEvent>;

/** The Socket.IO event name of {@link RunListEvent}. */
export const RUN_LIST_EVENT = 'runs.changed' as const;

/**
 * Codes of a refused `subscribe`/`unsubscribe` (`{ok: false, error: {code, message}}`):
 * `VALIDATION` (the payload or the run id is malformed), `NOT_FOUND` (no such run in the caller's
 * tenant: another tenant's runs are answered the same way), `LIMIT` (too many subscriptions on one
 * connection), `UNAVAILABLE` (the server could not read the timeline; try again).
 * A connection without a valid API key is refused with a `connect_error` whose message starts with
 * `UNAUTHENTICATED: `.
 */
export const SUBSCRIBE_ERROR_CODES = ['VALIDATION', 'NOT_FOUND', 'LIMIT', 'UNAVAILABLE'] as const;
export type SubscribeErrorCode = (typeof SUBSCRIBE_ERROR_CODES)[number];

/** Client → server `unsubscribe` (with an optional ack): leave one run's room, or the run list. */
export const UnsubscribeRequest = z.union([
  z.object({ runId: z.string().min(1).max(64) }).strict(),
  z.object({ runs: z.literal(true) }).strict(),
]);
export type UnsubscribeRequest = z.infer<typeof UnsubscribeRequest>;

/** The ack of `unsubscribe`. */
export const UnsubscribeAck = z.union([
  z.object({ ok: z.literal(true) }),
  z.object({ ok: z.literal(false), error: z.object({ code: z.string(), message: z.string() }) }),
]);
export type UnsubscribeAck = z.infer<typeof UnsubscribeAck>;
