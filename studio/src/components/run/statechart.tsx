import type { MachineEdge, MachineNode, RunMachineView } from '../../api/machine-types.js';
import { Empty } from '../feedback.js';
import { StatusBadge } from '../status-badge.js';

interface Tree {
  byParent: Map<string | null, MachineNode[]>;
  byId: Map<string, MachineNode>;
  edgesFrom: Map<string, MachineEdge[]>;
}

function buildTree(view: RunMachineView): Tree {
  const byParent = new Map<string | null, MachineNode[]>();
  const byId = new Map<string, MachineNode>();
  for (const n of view.nodes) {
    byId.set(n.id, n);
    byParent.set(n.parent, [...(byParent.get(n.parent) ?? []), n]);
  }
  const edgesFrom = new Map<string, MachineEdge[]>();
  for (const e of view.edges) edgesFrom.set(e.source, [...(edgesFrom.get(e.source) ?? []), e]);
  return { byParent, byId, edgesFrom };
}

/** The dot path of a node below the root (`running.executing`), how runs name their state. */
function pathOf(node: MachineNode, tree: Tree): string {
  const keys: string[] = [];
  for (let n: MachineNode | undefined = node; n && n.parent !== null; n = n.parent ? tree.byId.get(n.parent) : undefined) keys.unshift(n.key);
  return keys.join('.');
}

function StateBox({ node, tree, active, depth }: { node: MachineNode; tree: Tree; active: Set<string>; depth: number }) {
  const children = tree.byParent.get(node.id) ?? [];
  const path = pathOf(node, tree);
  const isActive = active.has(node.id) || (path !== '' && active.has(path));
  const parent = node.parent ? tree.byId.get(node.parent) : undefined;
  const isInitial = parent?.initial !== undefined && parent?.initial !== null && (parent.initial === node.id || parent.initial === node.key);
  const edges = tree.edgesFrom.get(node.id) ?? [];
  const label = path || node.key;
  return (
    <div
      role="group"
      aria-label={`state ${label}${isActive ? ' (active)' : ''}`}
      aria-current={isActive ? 'step' : undefined}
      data-state={label}
      data-active={isActive ? 'true' : 'false'}
      className={`state state-${node.type} ${isActive ? 'state-active' : ''} depth-${Math.min(depth, 3)}`}
    >
      <div className="state-head">
        <span className="state-name">{node.key}</span>
        {isInitial && <span className="state-tag">initial</span>}
        {node.type === 'final' && <span className="state-tag">final</span>}
        {node.type === 'parallel' && <span className="state-tag">parallel</span>}
      </div>
      {edges.length > 0 && (
        <ul className="state-edges" aria-label={`transitions from ${label}`}>
          {edges.map((e, i) => (
            <li key={i}>
              <code>{e.event === 'always' ? '(always)' : e.event}</code>{e.guard ? <span className="guard"> [{e.guard}]</span> : null} → {tree.byId.get(e.target) ? pathOf(tree.byId.get(e.target) as MachineNode, tree) || e.target : e.target}
            </li>
          ))}
        </ul>
      )}
      {children.length > 0 && (
        <div className="state-children">
          {children.map((c) => <StateBox key={c.id} node={c} tree={tree} active={active} depth={depth + 1} />)}
        </div>
      )}
    </div>
  );
}

/**
 * The run's statechart as nested boxes (compound states contain their children), the active states
 * highlighted (`aria-current="step"`, `data-active="true"`), each state's transitions listed, and the
 * state of every live StageRun actor.
 */
export function Statechart({ view }: { view: RunMachineView }) {
  const tree = buildTree(view);
  const roots = tree.byParent.get(null) ?? [];
  const active = new Set(view.active);
  return (
    <div className="statechart">
      <p className="muted small">
        Machine <code>{view.machine}</code> at version {view.version}; active: {view.active.length ? view.active.map((a) => <code key={a}>{a} </code>) : 'none'}
      </p>
      <div className="statechart-canvas">
        {roots.map((r) => {
          // The root box is the machine itself: show its states directly.
          const top = tree.byParent.get(r.id) ?? [];
          return (
            <div key={r.id} className="state-children state-root" role="group" aria-label={`statechart ${view.machine}`}>
              {top.map((c) => <StateBox key={c.id} node={c} tree={tree} active={active} depth={0} />)}
            </div>
          );
        })}
      </div>
      <h4>Live StageRun actors</h4>
      {view.stages.length === 0 ? (
        <Empty>No StageRun actor is live.</Empty>
      ) : (
        <ul className="stage-actors">
          {view.stages.map((s) => (
            <li key={s.stageRunId} data-stage={s.stageId}>
              <code>{s.stageId}</code> <StatusBadge status={s.state} />
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
