import type { StageHandler, StageHandlerInput } from '../../contracts/execution.js';
import type { RunFacts } from '../../persistence/runs/run-facts.js';
import { isAgentOutput, type AgentOutput } from '../agents/agent.handlers.js';
import { brandBrief, type BrandBrief } from '../agents/brand-brief.js';
import { AGENT_ROLES } from '../agents/roles.js';
import type { ToolExecutor } from '../execution/tool-executor.js';
import { checkCompliance, copyText, DEFAULT_RISKY_CLAIMS, type GateIssue } from './brand-compliance.gate.js';
import { heuristicScore, parseJudgeAnswer, type QualityScore } from './quality-score.js';

/** The verdict on one deliverable. */
export interface DraftVerdict {
  stageId: string;
  channel: string | null;
  passed: boolean;
  score: number;
  scorer: QualityScore['scorer'];
  rationale: string;
  /** The judge's score per task criterion. */
  criteria?: Record<string, number>;
  issues: GateIssue[];
}

/** The review's output: the gate report. */
export interface GateReport {
  passed: boolean;
  threshold: number;
  round: number;
  drafts: DraftVerdict[];
}

/** What the review needs. */
export interface ReviewDeps {
  executor: ToolExecutor;
  facts(runId: string): Promise<RunFacts | null>;
}

const DEFAULT_MIN_SCORE = 0.6;

/**
 * The review (`review.gates`): every final deliverable of the run goes through the quality gates —
 * brand compliance (banned terms, disclaimers, claims, channel length and hashtags, the task's word
 * range) and a quality score: an LLM judge scores the draft overall and per task criterion (the
 * rubric); each criterion with a `minScore` must reach it, and the overall score must reach the
 * higher of the template's `minScore` (default 0.6) and the brand's `rules.minQualityScore`. With the offline model (or an unreadable answer) the
 * heuristic scorer gives the overall score and criteria are reported as not scored. The gate
 * report is the stage output; its verdict decides rework, approval or failure.
 */
export function reviewHandler(deps: ReviewDeps): StageHandler {
  return {
    kind: 'review.gates',
    description: 'Quality gates: brand compliance and a quality score for every deliverable.',
    async run(input) {
      const b = brandBrief(input.context);
      const p = input.params;
      const claims = Array.isArray(p.claims) ? p.claims.filter((c): c is string => typeof c === 'string') : DEFAULT_RISKY_CLAIMS;
      const threshold = Math.max(typeof p.minScore === 'number' ? p.minScore : DEFAULT_MIN_SCORE, b.minQualityScore ?? 0);
      const deliverables = Object.entries(input.upstream).flatMap(([id, o]) => (isAgentOutput(o) && o.deliverable ? [[id, o] as const] : []));
      const facts = await deps.facts(input.runId);
      let cost = 0;
      const drafts: DraftVerdict[] = [];
      for (const [stageId, draft] of deliverables) {
        const issues = checkCompliance(draft.content, b, draft.channel, claims);
        const quality = await judge(deps.executor, input, facts?.projectId ?? null, b, stageId, draft);
        cost += quality.costUsd;
        if (quality.score < threshold) issues.push({ check: 'score', severity: 'error', message: `scores ${quality.score.toFixed(2)}, below the threshold ${threshold.toFixed(2)} (${quality.rationale})` });
        for (const c of b.qualityCriteria) {
          const got = quality.criteria?.[c.id];
          if (c.minScore === undefined) continue;
          if (got === undefined) issues.push({ check: 'score', severity: 'warning', message: `criterion ${c.id} was not scored (${quality.scorer === 'heuristic' ? 'offline heuristic scorer' : 'the judge gave no score for it'})` });
          else if (got < c.minScore) issues.push({ check: 'score', severity: 'error', message: `scores ${got.toFixed(2)} on criterion ${c.id}, below its minimum ${c.minScore.toFixed(2)}` });
        }
        drafts.push({
          stageId, channel: draft.channel, passed: !issues.some((i) => i.severity === 'error'), score: quality.score, scorer: quality.scorer,
          rationale: quality.rationale, ...(quality.criteria ? { criteria: quality.criteria } : {}), issues,
        });
      }
      const passed = drafts.length > 0 && drafts.every((d) => d.passed);
      const report: GateReport = { passed, threshold, round: input.round, drafts };
      const failing = drafts.flatMap((d) => d.issues.filter((i) => i.severity === 'error').map((i) => `${d.channel ?? d.stageId} ${i.message}`));
      const notes = drafts.length === 0 ? 'no deliverable to review: the template has no stage with params.deliverable' : failing.join('; ');
      const minScore = drafts.length ? Math.min(...drafts.map((d) => d.score)) : 0;
      return {
        output: JSON.parse(JSON.stringify(report)),
        costUsd: cost,
        summary: { gate: { passed, score: minScore, ...(notes ? { notes: notes.slice(0, 500) } : {}) } },
      };
    },
  };
}

async function judge(executor: ToolExecutor, input: StageHandlerInput, projectId: string | null, b: BrandBrief, stageId: string, draft: AgentOutput): Promise<QualityScore & { costUsd: number }> {
  const rubric = b.qualityCriteria.length
    ? b.qualityCriteria.map((c) => `- ${c.id}: ${c.description}`).join('\n')
    : '- on-brief: serves the objectives and the audience\n- on-brand: the brand\'s tone and terms\n- clear: one idea, readable, with a call to action';
  const result = await executor.invoke({
    ref: 'llm.complete@^1', tenantId: input.tenantId, projectId, agent: 'judge', runId: input.runId, stageId: input.stageId,
    idempotencyKey: `${input.key}:judge:${stageId}`, signal: input.signal,
    input: {
      tier: 'economy',
      messages: [
        { role: 'system', content: AGENT_ROLES.judge },
        { role: 'user', content: `Rubric (score each criterion by its id under "criteria"):\n${rubric}\n\nDraft (${draft.channel ?? b.deliverableType}):\n${copyText(draft.content)}` },
      ],
      brief: { role: 'judge', task: b.task, brand: b.brand, upstream: [draft.content], ...(draft.channel ? { channel: draft.channel } : {}) },
    },
  });
  const completion = result.output as { content: string; offline: boolean };
  if (completion.offline) return { ...heuristicScore(draft.content, b, draft.channel), costUsd: result.costUsd };
  const parsed = parseJudgeAnswer(completion.content);
  if (!parsed) return { ...heuristicScore(draft.content, b, draft.channel), rationale: 'the judge answered without a score; heuristic used', costUsd: result.costUsd };
  return { score: parsed.score, rationale: parsed.rationale, scorer: 'judge', criteria: parsed.criteria, costUsd: result.costUsd };
}
