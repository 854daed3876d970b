import type { WorkflowTemplate } from '../planner/template.js';
import type { RunEvent, StageResult } from '../persistence/entities/run-records.entity.js';
import type { StageRun, WorkflowRun } from '../persistence/entities/workflow-run.entity.js';
import { stageRunId, type StageStatus } from '../domain/run.js';
import type { StageRunContext } from '../machines/stage-run.machine.js';
import type { RunDetail } from '../persistence/runs/run-queries.js';

/** Maps run rows onto the wire resources of src/contracts/http/runs.ts. */

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

export const presentRunSummary = (r: WorkflowRun) => ({
  id: r.id, taskId: r.task.id, status: r.status, state: r.state, version: r.version, requestedMode: r.requestedMode,
  effectiveMode: r.effectiveMode, modeReason: r.modeReason, tier: r.tier,
  template: { name: r.templateName, version: r.templateVersion, hash: r.templateHash },
  costUsd: r.costUsd, diagnosis: r.diagnosis ?? null, createdBy: r.createdBy, createdAt: r.createdAt.toISOString(),
  updatedAt: r.updatedAt.toISOString(), finishedAt: iso(r.finishedAt),
});

type StageView = {
  id: string; stageId: string; round: number; kind: string; status: StageStatus; attempt: number; usingFallback: boolean;
  lastError: string | null; costUsd: number; queuedAt: string | null; startedAt: string | null; finishedAt: string | null;
};

export const presentStageRun = (s: StageRun): StageView => ({
  id: s.id, stageId: s.stageId, round: s.round, kind: s.kind, status: s.status, attempt: s.attempt, usingFallback: s.usingFallback,
  lastError: s.lastError ?? null, costUsd: s.costUsd, queuedAt: iso(s.queuedAt), startedAt: iso(s.startedAt), finishedAt: iso(s.finishedAt),
});

type StoredSnapshot = {
  context?: { round?: number; waiting?: Record<string, number> };
  children?: Record<string, { snapshot?: { value?: unknown; context?: StageRunContext } }>;
};

const ms = (t: number | null | undefined) => (typeof t === 'number' ? new Date(t).toISOString() : null);

/**
 * Every StageRun of a run: finished ones from their rows, live ones from the run's snapshot
 * (its StageRun actors), the current round's not-yet-started ones from the plan (`pending`, or
 * `cancelled` once the run failed or was cancelled), and the stages the plan skipped.
 */
export function stageViews(run: WorkflowRun, finished: StageRun[], attempts: StageResult[] = []): StageView[] {
  const out = new Map<string, StageView>(finished.map((r) => [r.id, presentStageRun(r)]));
  // Succeeded StageRuns: their last attempt succeeded; cost and first queue time span all attempts.
  const byStageRun = new Map<string, StageResult[]>();
  for (const a of attempts) byStageRun.set(a.stageRunId, [...(byStageRun.get(a.stageRunId) ?? []), a]);
  for (const [id, list] of byStageRun) {
    const last = list.reduce((x, y) => (y.attempt > x.attempt ? y : x));
    if (out.has(id) || !last.ok) continue;
    const planned = [...run.plan.stages, run.plan.review, run.plan.consolidate, run.plan.learn].find((s) => s?.id === last.stageId);
    const failed = list.filter((a) => !a.ok).sort((x, y) => x.attempt - y.attempt);
    out.set(id, {
      id, stageId: last.stageId, round: last.round, kind: last.kind, status: 'succeeded', attempt: last.attempt,
      usingFallback: planned ? last.kind !== planned.kind : false, lastError: failed[failed.length - 1]?.error ?? null,
      costUsd: list.reduce((sum, a) => sum + a.costUsd, 0), queuedAt: iso(last.queuedAt ?? list[0]?.startedAt),
      startedAt: iso(last.startedAt), finishedAt: iso(last.finishedAt),
    });
  }
  const snapshot = run.snapshot as StoredSnapshot;
  for (const [id, child] of Object.entries(snapshot.children ?? {})) {
    const c = child.snapshot?.context;
    if (out.has(id) || !c) continue;
    out.set(id, {
      id, stageId: c.stageId, round: c.round, kind: c.usingFallback && c.fallbackKind ? c.fallbackKind : c.kind,
      status: (typeof child.snapshot?.value === 'string' ? child.snapshot.value : 'queued') as StageStatus, attempt: c.attempt,
      usingFallback: c.usingFallback, lastError: c.errors[c.errors.length - 1] ?? null, costUsd: c.costUsd,
      queuedAt: ms(c.queuedAt), startedAt: ms(c.startedAt), finishedAt: null,
    });
  }
  const round = snapshot.context?.round ?? 0;
  const ended = run.status === 'failed' || run.status === 'cancelled';
  const kindOf = (stageId: string) => run.plan.stages.find((s) => s.id === stageId)?.kind ?? '';
  const placeholder = (stageId: string, r: number, status: StageStatus): StageView => ({
    id: stageRunId(run.id, stageId, r), stageId, round: r, kind: kindOf(stageId), status, attempt: 0, usingFallback: false, lastError: null,
    costUsd: 0, queuedAt: null, startedAt: null, finishedAt: status === 'cancelled' ? iso(run.finishedAt) : null,
  });
  const waiting = run.status === 'completed' ? [] : Object.keys(snapshot.context?.waiting ?? {});
  for (const stageId of waiting) {
    const view = placeholder(stageId, round, ended ? 'cancelled' : 'pending');
    if (!out.has(view.id)) out.set(view.id, view);
  }
  for (const stageId of run.plan.skipped) {
    const view = placeholder(stageId, 0, 'skipped');
    if (!out.has(view.id)) out.set(view.id, view);
  }
  const order = new Map([...run.plan.stages.map((s) => s.id), ...run.plan.skipped, '$review', '$consolidate', '$learn'].map((id, i) => [id, i]));
  return [...out.values()].sort((a, b) => a.round - b.round || (order.get(a.stageId) ?? 99) - (order.get(b.stageId) ?? 99));
}

export function presentRun(d: RunDetail) {
  const ctx = (d.run.snapshot as { context?: { round?: number; gate?: unknown } }).context ?? {};
  return {
    ...presentRunSummary(d.run),
    contextSnapshot: { id: d.run.contextSnapshot.id, hash: d.contextHash },
    plan: {
      stages: d.run.plan.stages.map((s) => ({ id: s.id, kind: s.kind, dependsOn: s.dependsOn, content: s.content })),
      skipped: d.run.plan.skipped,
      maxReworkRounds: d.run.plan.maxReworkRounds,
    },
    round: ctx.round ?? 0,
    gate: (ctx.gate ?? null) as { passed: boolean; score?: number; notes?: string } | null,
    stages: stageViews(d.run, d.stages, d.attempts),
  };
}

export const presentTimelineEntry = (e: RunEvent) => ({
  seq: e.seq, type: e.type, payload: e.payload, from: e.fromState, to: e.toState, stages: e.stages, actor: e.actor, version: e.version,
  at: e.createdAt.toISOString(),
});

export const presentTemplate = (t: WorkflowTemplate) => ({
  name: t.name, version: t.version, description: t.description,
  stages: t.stages.map((s) => ({ id: s.id, kind: s.kind, dependsOn: s.dependsOn, content: s.content, ...(s.when ? { when: s.when } : {}) })),
  review: { kind: t.review.kind }, consolidate: t.consolidate ? { kind: t.consolidate.kind } : null, learn: t.learn ? { kind: t.learn.kind } : null,
  maxReworkRounds: t.maxReworkRounds, approvalDeadlineMs: t.approvalDeadlineMs,
});
