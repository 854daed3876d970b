import type { WorkflowTemplate } from '../planner/template.js';
import type { RunEvent } from '../persistence/entities/run-records.entity.js';
import type { StageRun, WorkflowRun } from '../persistence/entities/workflow-run.entity.js';
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

export const presentStageRun = (s: StageRun) => ({
  id: s.id, stageId: s.stageId, round: s.round, kind: s.kind, status: s.status, attempt: s.attempt, usingFallback: s.usingFallback,
  lastError: s.lastError ?? null, costUsd: s.costUsd, queuedAt: iso(s.queuedAt), startedAt: iso(s.startedAt), finishedAt: iso(s.finishedAt),
});

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
    stages: d.stages.map(presentStageRun),
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
