import { z } from 'zod';
import type { ArtifactCreatedEvent, GateResultEvent, RealtimeEvent, RunListEvent } from '../contracts/realtime.js';
import { RUN_LIST_EVENT } from '../contracts/realtime.js';
import type { CommittedStep } from '../actors/commit-listeners.js';
import { attemptKey } from '../domain/run.js';

/**
 * The one mapping from a committed run step to the realtime event catalog, used for live events
 * (from the run host's committed batches) and for replay (from the `run_event` timeline), so a
 * replayed step yields the same events as it did live.
 */

/** One step of a run's timeline: what a `run_event` row holds, and a committed step without its commit-time facts. */
export type TimelineStep = Omit<CommittedStep, 'at' | 'costBefore' | 'costUsd'>;

/** What an attempt returned (its `stage_result` row or committed outcome). */
export interface AttemptOutput {
  output: unknown;
  artifacts: ReadonlyArray<{ id: string; version: number; kind?: string }>;
}

/** Facts about a step that are not in its timeline row, gathered by the caller. */
export interface StepDetails {
  /** Commit time (live) or the step's recorded time (replay), epoch ms. */
  at: number;
  /** The run's accumulated cost after the step and the tokens of its finished stages; null when the step did not change the cost. */
  cost: { costUsd: number; tokens: number } | null;
  /** The review attempt that succeeded in this step (see {@link stepNeeds}). */
  review: AttemptOutput | null;
  /** The consolidation attempt that succeeded in this step. */
  consolidation: AttemptOutput | null;
}

/** The attempts whose outputs a step's events are built from (`runId:stageRunId:attempt` keys). */
export interface StepNeeds {
  review: string | null;
  consolidation: string | null;
}

const SUCCEEDED = 'succeeded';
/** StageRun states after which the stage's cost is added to its run's. */
const FINISHED_STAGE_STATES: ReadonlySet<string> = new Set(['succeeded', 'failed']);

/** The review and consolidation attempts that succeeded in a step, if any. */
export function stepNeeds(step: TimelineStep): StepNeeds {
  const attempt = typeof step.payload.attempt === 'number' ? step.payload.attempt : null;
  const keyOf = (stageId: string) => {
    const change = step.stages.find((s) => s.stageId === stageId && s.to === SUCCEEDED);
    return change && attempt !== null ? attemptKey(step.runId, change.stageRunId, attempt) : null;
  };
  return { review: keyOf('$review'), consolidation: keyOf('$consolidate') };
}

/** The top-level run status of a state string (`running.reviewing` → `running`). */
const statusOfState = (state: string): string => state.split('.')[0] ?? state;

/**
 * The events of one step, in order: its StageRun transitions, then `gate.result` (a review
 * succeeded), `artifact.created` (a consolidation succeeded, one per artifact), `run.cost` (the
 * cost changed), and `run.transition` last; all with the step's `seq` and increasing `n`.
 */
export function mapStep(step: TimelineStep, details: StepDetails): RealtimeEvent[] {
  const events: RealtimeEvent[] = [];
  const base = () => ({ runId: step.runId, seq: step.seq, n: events.length, at: details.at });
  for (const s of step.stages) {
    events.push({ ...base(), type: 'stage.transition', stageRunId: s.stageRunId, stageId: s.stageId, from: s.from, to: s.to });
  }
  if (stepNeeds(step).review !== null) events.push({ ...base(), ...gateResult(step, details.review) });
  if (details.consolidation) {
    for (const a of artifactsOf(details.consolidation)) events.push({ ...base(), type: 'artifact.created', ...a });
  }
  if (details.cost) events.push({ ...base(), type: 'run.cost', costUsd: details.cost.costUsd, tokens: details.cost.tokens });
  events.push({ ...base(), type: 'run.transition', event: step.type, from: step.fromState, to: step.toState, version: step.version });
  return events;
}

/** The run-list event of a step that changed the run's status (or started it), else null. */
export function runListEventOf(step: TimelineStep, at: number): RunListEvent | null {
  const status = statusOfState(step.toState);
  if (step.seq !== 1 && statusOfState(step.fromState) === status) return null;
  return { type: RUN_LIST_EVENT, runId: step.runId, status, seq: step.seq, at };
}

// Review and consolidation outputs are read structurally: realtime does not depend on the tool
// layer, and a template may put any handler in those steps (the benchmarks use a plain tool).
const Issue = z.object({ check: z.string(), severity: z.string(), message: z.string() });
const GateReport = z.object({
  passed: z.boolean(),
  threshold: z.number().optional(),
  drafts: z.array(z.object({
    stageId: z.string(), channel: z.string().nullable().optional(), passed: z.boolean(), score: z.number(),
    scorer: z.string().optional(), issues: z.array(Issue),
  })),
});
const GateSummary = z.object({ gate: z.object({ passed: z.boolean(), score: z.number().optional() }) });
const ConsolidationOutput = z.object({ artifacts: z.array(z.object({ id: z.string(), slot: z.string(), version: z.number().int().positive() })) });

const DETAIL_CHARS = 300;
const clip = (s: string) => (s.length > DETAIL_CHARS ? `${s.slice(0, DETAIL_CHARS - 1)}…` : s);

/**
 * The gate verdict of a review step: `passed` and `score` as the run acted on them (the attempt's
 * summary; a review without one passes, as in the machine), and one line per gate and deliverable
 * from the gate report when the review produced one.
 */
function gateResult(step: TimelineStep, review: AttemptOutput | null): Omit<GateResultEvent, 'runId' | 'seq' | 'n' | 'at'> {
  const summary = GateSummary.safeParse(step.payload.summary);
  const report = review ? GateReport.safeParse(review.output) : null;
  const drafts = report?.success ? report.data.drafts : [];
  const threshold = report?.success ? report.data.threshold : undefined;
  const gates = drafts.flatMap((d) => {
    const label = d.channel ?? d.stageId;
    const errors = (check: (c: string) => boolean) => d.issues.filter((i) => i.severity === 'error' && check(i.check)).map((i) => i.message);
    const warnings = d.issues.filter((i) => i.severity !== 'error' && i.check !== 'score').length;
    const compliance = errors((c) => c !== 'score');
    const quality = errors((c) => c === 'score');
    const scoreLine = `${d.score.toFixed(2)}${threshold === undefined ? '' : ` against ${threshold.toFixed(2)}`}${d.scorer ? ` (${d.scorer})` : ''}`;
    return [
      { name: `brand compliance (${label})`, passed: compliance.length === 0, detail: clip(compliance.length ? compliance.join('; ') : warnings ? `no errors, ${warnings} warning(s)` : 'no issues') },
      { name: `quality score (${label})`, passed: quality.length === 0, detail: clip(quality.length ? `${scoreLine}: ${quality.join('; ')}` : scoreLine) },
    ];
  });
  const reportScore = drafts.length ? Math.min(...drafts.map((d) => d.score)) : null;
  return {
    type: 'gate.result',
    stageId: '$review',
    passed: summary.success ? summary.data.gate.passed : report?.success ? report.data.passed : true,
    score: summary.success && summary.data.gate.score !== undefined ? summary.data.gate.score : reportScore,
    gates,
  };
}

/** The artifacts a consolidation wrote: from its output (slot names) or else its artifact references. */
function artifactsOf(c: AttemptOutput): Array<Omit<ArtifactCreatedEvent, 'runId' | 'seq' | 'n' | 'at' | 'type'>> {
  const parsed = ConsolidationOutput.safeParse(c.output);
  if (parsed.success && parsed.data.artifacts.length > 0) return parsed.data.artifacts.map((a) => ({ artifactId: a.id, name: a.slot, version: a.version }));
  return c.artifacts.map((a) => ({ artifactId: a.id, name: a.kind ?? 'artifact', version: a.version }));
}

/**
 * The run's accumulated cost through a sequence of steps, as the machines account it: a StageRun
 * adds every accepted attempt's cost (`STAGE.RESULT.costUsd`), and its run adds the StageRun's total
 * when it finishes (succeeded or failed); a cancelled StageRun adds nothing. Same operations in the
 * same order as the machines, so the numbers are identical.
 */
export class CostTracker {
  private run = 0;
  private readonly stages = new Map<string, number>();

  /** Applies a step; returns the run's cost before and after it. */
  apply(step: Pick<TimelineStep, 'type' | 'payload' | 'stages'>): { before: number; after: number } {
    const before = this.run;
    if (step.type === 'STAGE.RESULT' && typeof step.payload.stageRunId === 'string') {
      const id = step.payload.stageRunId;
      this.stages.set(id, (this.stages.get(id) ?? 0) + (typeof step.payload.costUsd === 'number' ? step.payload.costUsd : 0));
    }
    for (const s of step.stages) {
      if (FINISHED_STAGE_STATES.has(s.to)) this.run = this.run + (this.stages.get(s.stageRunId) ?? 0);
    }
    return { before, after: this.run };
  }
}
