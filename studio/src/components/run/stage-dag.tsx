import type { Run, StageRun } from '../../api/types.js';
import { humanize } from '../../lib/format.js';

const NODE_W = 148;
const NODE_H = 50;
const COL_GAP = 40;
const ROW_GAP = 14;

interface DagNode {
  id: string;
  deps: string[];
  level: number;
  row: number;
}

/** Lays the plan out in columns by dependency depth; the system stages follow the DAG. */
export function layoutDag(run: Pick<Run, 'plan' | 'stages'>): DagNode[] {
  const stages = run.plan.stages.map((s) => ({ id: s.id, deps: s.dependsOn }));
  const ids = new Set(stages.map((s) => s.id));
  const sinks = stages.filter((s) => !stages.some((o) => o.deps.includes(s.id))).map((s) => s.id);
  const present = new Set(run.stages.map((s) => s.stageId));
  const system: Array<{ id: string; deps: string[] }> = [{ id: '$review', deps: sinks }];
  if (present.has('$consolidate')) system.push({ id: '$consolidate', deps: ['$review'] });
  if (present.has('$learn')) system.push({ id: '$learn', deps: [present.has('$consolidate') ? '$consolidate' : '$review'] });
  const all = [...stages, ...system];
  const level = new Map<string, number>();
  const depth = (id: string, seen: Set<string>): number => {
    const known = level.get(id);
    if (known !== undefined) return known;
    if (seen.has(id)) return 0;
    seen.add(id);
    const node = all.find((n) => n.id === id);
    const d = node && node.deps.length ? Math.max(...node.deps.filter((x) => ids.has(x) || x.startsWith('$')).map((x) => depth(x, seen) + 1)) : 0;
    level.set(id, Number.isFinite(d) ? d : 0);
    return level.get(id) ?? 0;
  };
  const rows = new Map<number, number>();
  return all.map((n) => {
    const l = depth(n.id, new Set());
    const row = rows.get(l) ?? 0;
    rows.set(l, row + 1);
    return { ...n, level: l, row };
  });
}

/** The latest StageRun (highest round) of each stage. */
export function latestByStage(stages: StageRun[]): Map<string, StageRun> {
  const out = new Map<string, StageRun>();
  for (const s of stages) {
    const prev = out.get(s.stageId);
    if (!prev || s.round >= prev.round) out.set(s.stageId, s);
  }
  return out;
}

/** The run's DAG of stages, each coloured by the status of its latest StageRun. */
export function StageDag({ run }: { run: Run }) {
  const nodes = layoutDag(run);
  const latest = latestByStage(run.stages);
  const pos = new Map(nodes.map((n) => [n.id, { x: n.level * (NODE_W + COL_GAP), y: n.row * (NODE_H + ROW_GAP) }]));
  const width = Math.max(...nodes.map((n) => n.level), 0) * (NODE_W + COL_GAP) + NODE_W + 4;
  const height = (Math.max(...nodes.map((n) => n.row), 0) + 1) * (NODE_H + ROW_GAP);
  return (
    <figure className="dag">
      <svg viewBox={`-2 -2 ${width + 2} ${height}`} width={width} height={height} role="group" aria-label="Stage DAG" className="dag-svg">
        {nodes.flatMap((n) =>
          n.deps.filter((d) => pos.has(d)).map((d) => {
            const a = pos.get(d) as { x: number; y: number };
            const b = pos.get(n.id) as { x: number; y: number };
            const x1 = a.x + NODE_W;
            const y1 = a.y + NODE_H / 2;
            const x2 = b.x;
            const y2 = b.y + NODE_H / 2;
            const mid = (x1 + x2) / 2;
            return <path key={`${d}->${n.id}`} className="dag-edge" d={`M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}`} />;
          }),
        )}
        {nodes.map((n) => {
          const p = pos.get(n.id) as { x: number; y: number };
          const s = latest.get(n.id);
          const status = s?.status ?? 'pending';
          const detail = s ? `${humanize(status)}${s.attempt > 1 ? `, attempt ${s.attempt}` : ''}${s.round > 0 ? `, round ${s.round}` : ''}` : 'pending';
          return (
            <g key={n.id} transform={`translate(${p.x},${p.y})`} className={`dag-node status-${status}`} data-stage={n.id} data-status={status} role="img" aria-label={`${n.id}: ${detail}`}>
              <rect width={NODE_W} height={NODE_H} rx={6} />
              <text x={8} y={20} className="dag-title">{n.id.length > 20 ? `${n.id.slice(0, 19)}…` : n.id}</text>
              <text x={8} y={38} className="dag-sub">{detail}</text>
            </g>
          );
        })}
      </svg>
      {run.plan.skipped.length > 0 && (
        <figcaption className="muted small">Not planned (their condition was false): {run.plan.skipped.join(', ')}</figcaption>
      )}
    </figure>
  );
}
