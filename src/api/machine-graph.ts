import type { AnyStateMachine, StateNode } from 'xstate';
import { stateString } from '../actors/machine-runtime.js';
import type { MachineEdge, MachineGraph, MachineName, MachineNode, RunMachineView } from '../contracts/http/machines.js';
import type { RunStatus } from '../domain/run.js';
import { stageRunMachine } from '../machines/stage-run.machine.js';
import { workflowRunMachine } from '../machines/workflow-run.machine.js';

/**
 * The statecharts as graphs, walked from the machine definitions themselves (`machine.root`), so
 * the Studio draws exactly what runs; and a run's position in them, read from its persisted
 * snapshot.
 */

const MACHINES: Record<MachineName, AnyStateMachine> = { 'workflow-run': workflowRunMachine, 'stage-run': stageRunMachine };

type AnyNode = StateNode<never, never>;

/** A guard as written in the definition: its name, `a && b` for `and([...])`, null when absent. */
function guardName(guard: unknown): string | null {
  if (guard === undefined || guard === null) return null;
  if (typeof guard === 'string') return guard;
  const g = guard as { guards?: unknown[]; type?: unknown; name?: unknown };
  if (Array.isArray(g.guards)) return g.guards.map((x) => guardName(x) ?? '?').join(' && ');
  if (typeof g.type === 'string') return g.type;
  return typeof g.name === 'string' && g.name ? g.name : 'inline';
}

function walk(node: AnyNode, nodes: MachineNode[], edges: MachineEdge[]): void {
  nodes.push({
    id: node.id, key: node.key, parent: node.parent?.id ?? null, type: node.type,
    initial: node.type === 'compound' ? (node.initial.target[0]?.id ?? null) : null,
  });
  const add = (event: string, t: { target?: ReadonlyArray<{ id: string }> | undefined; guard?: unknown }) => {
    for (const target of t.target ?? []) edges.push({ source: node.id, target: target.id, event, guard: guardName(t.guard) });
  };
  for (const [event, transitions] of node.transitions) for (const t of transitions) add(event, t);
  for (const t of node.always ?? []) add('always', t);
  for (const child of Object.values(node.states) as AnyNode[]) walk(child, nodes, edges);
}

const graphs = new Map<MachineName, MachineGraph>();

/** A machine's graph: every state node (document order) and every transition with a target. */
export function machineGraph(name: MachineName): MachineGraph {
  let graph = graphs.get(name);
  if (!graph) {
    const nodes: MachineNode[] = [];
    const edges: MachineEdge[] = [];
    walk(MACHINES[name].root as unknown as AnyNode, nodes, edges);
    graph = { machine: name, nodes, edges };
    graphs.set(name, graph);
  }
  return graph;
}

/**
 * The active state node ids of a state value, root first (`{running: 'executing'}` →
 * `[workflowRun, workflowRun.running, workflowRun.running.executing]`). Keys the machine does not
 * know are skipped.
 */
export function activeNodes(name: MachineName, value: unknown): string[] {
  const out: string[] = [];
  const visit = (node: AnyNode, v: unknown) => {
    out.push(node.id);
    const states = node.states as Record<string, AnyNode>;
    if (typeof v === 'string') {
      const child = states[v];
      if (child) visit(child, undefined);
    } else if (v && typeof v === 'object') {
      for (const [key, inner] of Object.entries(v as Record<string, unknown>)) {
        const child = states[key];
        if (child) visit(child, inner);
      }
    }
  };
  visit(MACHINES[name].root as unknown as AnyNode, value);
  return out;
}

/** A run's position in the workflow-run graph, from its persisted snapshot. */
export function runMachineView(run: { id: string; status: RunStatus; version: number; snapshot: Record<string, unknown> | null }): RunMachineView {
  const snapshot = run.snapshot ?? {};
  const children = (snapshot.children ?? {}) as Record<string, { snapshot?: { value?: unknown; context?: { stageId?: unknown } } } | undefined>;
  const stages = Object.entries(children).flatMap(([stageRunId, child]) => {
    const snap = child?.snapshot;
    if (!snap) return [];
    return [{
      stageRunId, stageId: typeof snap.context?.stageId === 'string' ? snap.context.stageId : '', state: stateString(snap.value), active: activeNodes('stage-run', snap.value),
    }];
  });
  return {
    ...machineGraph('workflow-run'), runId: run.id, status: run.status, version: run.version,
    active: activeNodes('workflow-run', snapshot.value ?? run.status), stages,
  };
}
