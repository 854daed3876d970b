/**
 * The machine views of GET /v2/machines/:name and GET /v2/runs/:id/machine (src/contracts/http/machines.ts):
 * a statechart as nodes (with their parent) and edges, and for a run the active state nodes (root
 * to leaf) of the run and of each live StageRun.
 */
export type { MachineEdge, MachineGraph, MachineNode, RunMachineView } from '@contracts/http/machines.js';
