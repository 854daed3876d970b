/**
 * The machine views of GET /v2/machines/workflow-run and GET /v2/runs/:id/machine: the statechart as
 * nodes (with their parent) and edges, and for a run the active state nodes of the run and of each
 * live StageRun.
 */

/** One state node. `id` is unique in the machine; `parent` is null for the root. */
export interface MachineNode {
  id: string;
  key: string;
  parent: string | null;
  type: string;
  initial: string | null;
}

/** A transition from `source` to `target` on `event`. */
export interface MachineEdge {
  source: string;
  target: string;
  event: string;
}

/** GET /v2/machines/workflow-run */
export interface MachineView {
  machine: string;
  nodes: MachineNode[];
  edges: MachineEdge[];
}

/** GET /v2/runs/:id/machine */
export interface RunMachineView extends MachineView {
  runId: string;
  status: string;
  version: number;
  active: string[];
  stages: Array<{ stageRunId: string; stageId: string; state: string; active: string[] }>;
}
