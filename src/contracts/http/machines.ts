import { z } from 'zod';
import { RUN_STATUSES } from '../../domain/run.js';

/** The statecharts the platform runs: a WorkflowRun and each of its StageRuns. */
export const MACHINE_NAMES = ['workflow-run', 'stage-run'] as const;
export type MachineName = (typeof MACHINE_NAMES)[number];

/** A state node. `id` is XState's (`workflowRun.running.executing`); the root's parent is null. */
export const MachineNode = z.object({
  id: z.string(),
  key: z.string(),
  parent: z.string().nullable(),
  type: z.enum(['atomic', 'compound', 'parallel', 'final', 'history']),
  /** The id of the initial child of a compound node; null otherwise. */
  initial: z.string().nullable(),
});
export type MachineNode = z.infer<typeof MachineNode>;

/**
 * A transition with a target. `event` is the event type (`always` for eventless transitions);
 * `guard` names its condition (`a && b` for a conjunction), null when unguarded. Transitions
 * without a target (actions only) are not edges.
 */
export const MachineEdge = z.object({
  source: z.string(),
  target: z.string(),
  event: z.string(),
  guard: z.string().nullable(),
});
export type MachineEdge = z.infer<typeof MachineEdge>;

/** GET /v2/machines/workflow-run, GET /v2/machines/stage-run: a statechart as nodes and edges. */
export const MachineGraph = z.object({
  machine: z.enum(MACHINE_NAMES),
  nodes: z.array(MachineNode),
  edges: z.array(MachineEdge),
});
export type MachineGraph = z.infer<typeof MachineGraph>;

/** A live StageRun in a run's persisted snapshot; `active` are node ids of the stage-run graph. */
export const MachineStage = z.object({
  stageRunId: z.string(),
  stageId: z.string(),
  state: z.string(),
  active: z.array(z.string()),
});

/**
 * GET /v2/runs/:id/machine: the workflow-run graph with the run's position in it, read from its
 * persisted snapshot: `active` (node ids, root to leaf) and its live StageRuns.
 */
export const RunMachineView = MachineGraph.extend({
  runId: z.uuid(),
  status: z.enum(RUN_STATUSES),
  version: z.number().int(),
  active: z.array(z.string()),
  stages: z.array(MachineStage),
});
export type RunMachineView = z.infer<typeof RunMachineView>;

/** Path of GET /v2/machines/:name. */
export const MachineParams = z.strictObject({ name: z.enum(MACHINE_NAMES, { message: `must be one of ${MACHINE_NAMES.join(', ')}` }) });
