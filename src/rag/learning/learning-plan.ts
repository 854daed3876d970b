import type { ChunkSource } from '../vector-store/vector-store.port.js';
import { approvedQualityScore, editDistance, meetsThreshold, type ThresholdSource } from './learning-signals.js';
import type { ArtifactFact, DraftOutput, ReviewFact, RunLearningFacts } from './run-learning-facts.js';

/** The kinds of `learning` rows the learn stage writes. */
export type LearningKind = 'approved_artifact' | 'feedback' | 'rejected_draft' | 'campaign_history';

/** A learning the run yields, with the decision on indexing it and the document to index. */
export interface LearningCandidate {
  kind: LearningKind;
  sourceKey: string;
  source: ChunkSource;
  qualityScore: number;
  /** Indexed into retrieval (positives at or above the threshold; negatives always, flagged). */
  index: boolean;
  negative: boolean;
  reason: string;
  signals: Record<string, unknown>;
  artifactId: string | null;
  artifactVersion: number | null;
  /** Metadata and text of the document to index. */
  stage: string | null;
  sourceVersion: number;
  format: 'markdown' | 'text';
  text: string;
}

/** The threshold in force and where it came from. */
export interface ThresholdInForce {
  threshold: number;
  source: ThresholdSource;
}

const obj = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
const str = (v: unknown): string | null => (typeof v === 'string' && v.trim() ? v.trim() : null);
const strs = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && x.trim() !== '') : []);

/** The names of the run's task, campaign and deliverable type, from its context. */
export function runLabels(context: Record<string, unknown>): { task: string; campaign: string | null; deliverableType: string | null; objectives: string[]; channels: string[] } {
  return {
    task: str(obj(context.task).name) ?? 'the task',
    campaign: str(obj(context.campaign).name),
    deliverableType: str(context.deliverableType),
    objectives: strs(context.objectives),
    channels: strs(context.channels),
  };
}

const LABEL = { brand: 'brand override', tenant: 'tenant policy', default: 'platform default' } as const;

/** The rounds a stage produced drafts in, oldest first. */
function draftsByStage(drafts: DraftOutput[]): Map<string, DraftOutput[]> {
  const by = new Map<string, DraftOutput[]>();
  for (const d of drafts) by.set(d.stageId, [...(by.get(d.stageId) ?? []), d]);
  for (const list of by.values()) list.sort((a, b) => a.round - b.round);
  return by;
}

/**
 * Why each round after the first was started: the review of the round before failed (automatic
 * rework), or a person sent the run back (the n-th such transition is the n-th rework request).
 */
function roundCauses(reviews: ReviewFact[], facts: RunLearningFacts): Map<number, { cause: 'gate' } | { cause: 'reviewer'; feedback: string | null }> {
  const causes = new Map<number, { cause: 'gate' } | { cause: 'reviewer'; feedback: string | null }>();
  const lastRound = Math.max(0, ...facts.drafts.map((d) => d.round), ...reviews.map((r) => r.round));
  const byRound = new Map(reviews.map((r) => [r.round, r]));
  let human = 0;
  for (let r = 0; r < lastRound; r++) {
    if (byRound.get(r)?.passed === false) causes.set(r, { cause: 'gate' });
    else causes.set(r, { cause: 'reviewer', feedback: facts.reworkRequests[human++]?.text ?? null });
  }
  return causes;
}

function verdict(reviews: ReviewFact[], round: number, stageId: string) {
  return reviews.find((r) => r.round === round)?.drafts.find((d) => d.stageId === stageId) ?? null;
}

function latestVerdict(reviews: ReviewFact[], stageId: string) {
  for (let i = reviews.length - 1; i >= 0; i--) {
    const v = reviews[i]?.drafts.find((d) => d.stageId === stageId);
    if (v) return v;
  }
  return null;
}

function approvedCandidate(a: ArtifactFact, content: string, drafts: DraftOutput[], reviews: ReviewFact[], t: ThresholdInForce, facts: RunLearningFacts): LearningCandidate {
  const first = drafts[0];
  const last = drafts[drafts.length - 1];
  const v = latestVerdict(reviews, a.stageId);
  const signals = {
    gateScore: v?.score ?? null, gatePassed: v ? v.passed : null, reworkRounds: Math.max(0, drafts.length - 1),
    editDistance: first && last ? editDistance(first.content, last.content) : 0,
    firstDraftRound: first?.round ?? null, approvedRound: last?.round ?? null, thresholdSource: t.source,
  };
  const score = approvedQualityScore(signals);
  const ok = meetsThreshold(score, t.threshold);
  const l = runLabels(facts.context);
  // What the deliverable is for, right under its title: retrieval finds it by campaign, task and channel too.
  const about = `Approved ${l.deliverableType ?? a.kind}${a.channel ? ` for ${a.channel}` : ''}${l.campaign ? ` in campaign "${l.campaign}"` : ''}${l.objectives.length ? ` (objectives: ${l.objectives.join('; ')})` : ''}.`;
  const text = /^#[^\n]*\n/.test(content) ? content.replace(/^(#[^\n]*\n)\n?/, `$1\n${about}\n\n`) : `${about}\n\n${content}`;
  return {
    kind: 'approved_artifact', sourceKey: `artifact:${a.artifactId}:v${a.version}`, source: 'artifact', qualityScore: score, index: ok, negative: false,
    reason: ok
      ? `approved; quality ${score.toFixed(3)} is at or above the threshold ${t.threshold.toFixed(3)} (${LABEL[t.source]})`
      : `approved, but quality ${score.toFixed(3)} is below the threshold ${t.threshold.toFixed(3)} (${LABEL[t.source]}): not indexed`,
    signals: { ...signals, slot: a.slot, stageId: a.stageId, runId: facts.runId },
    artifactId: a.artifactId, artifactVersion: a.version, stage: a.stageId, sourceVersion: a.version, format: 'markdown', text,
  };
}

function rejectedCandidates(byStage: Map<string, DraftOutput[]>, reviews: ReviewFact[], facts: RunLearningFacts): LearningCandidate[] {
  const causes = roundCauses(reviews, facts);
  const out: LearningCandidate[] = [];
  for (const [stageId, list] of byStage) {
    for (const d of list.slice(0, -1)) {
      const v = verdict(reviews, d.round, stageId);
      const gateFailed = v?.passed === false;
      const cause = causes.get(d.round);
      const issues = v ? v.issues.filter((i) => i.severity === 'error').map((i) => i.message) : [];
      const reason = gateFailed
        ? `rejected draft (failed the quality gates in round ${d.round}${issues.length ? `: ${issues.join('; ').slice(0, 300)}` : ''}): kept as a negative example`
        : `rejected draft (sent back by a reviewer in round ${d.round}${cause?.cause === 'reviewer' && cause.feedback ? `: "${cause.feedback.slice(0, 200)}"` : ''}): kept as a negative example`;
      out.push({
        kind: 'rejected_draft', sourceKey: `draft:${facts.runId}:${stageId}:r${d.round}`, source: 'artifact', qualityScore: Math.min(1, Math.max(0, v?.score ?? 0)),
        index: true, negative: true, reason,
        signals: { round: d.round, stageId, channel: d.channel, cause: gateFailed ? 'gate' : 'reviewer', gateScore: v?.score ?? null, issues },
        artifactId: null, artifactVersion: null, stage: stageId, sourceVersion: d.round, format: 'text', text: d.content,
      });
    }
  }
  return out;
}

function feedbackCandidates(facts: RunLearningFacts): LearningCandidate[] {
  const l = runLabels(facts.context);
  const about = `"${l.task}"${l.deliverableType ? ` (${l.deliverableType})` : ''}${l.campaign ? ` in campaign "${l.campaign}"` : ''}`;
  const items = [
    ...facts.reworkRequests.map((f, i) => ({ f, text: `Reviewer feedback on ${about}${f.stages?.length ? `, for ${f.stages.join(', ')}` : ''} (rework request ${i + 1}): ${f.text}`, event: 'REQUEST_REWORK' })),
    ...(facts.approveNote ? [{ f: facts.approveNote, text: `Approval note on ${about}: ${facts.approveNote.text}`, event: 'APPROVE' }] : []),
  ];
  return items.map(({ f, text, event }) => ({
    kind: 'feedback' as const, sourceKey: `feedback:${facts.runId}:${f.seq}`, source: 'feedback' as const, qualityScore: 1, index: true, negative: false,
    reason: 'explicit feedback from a person: curated, indexed as feedback',
    signals: { event, seq: f.seq, stages: f.stages }, artifactId: null, artifactVersion: null,
    stage: f.stages?.length === 1 ? (f.stages[0] ?? null) : null, sourceVersion: f.seq, format: 'text' as const, text,
  }));
}

function historyCandidate(approved: LearningCandidate[], t: ThresholdInForce, facts: RunLearningFacts): LearningCandidate | null {
  if (approved.length === 0) return null;
  const l = runLabels(facts.context);
  const score = Math.round((approved.reduce((s, c) => s + c.qualityScore, 0) / approved.length) * 1000) / 1000;
  const ok = meetsThreshold(score, t.threshold);
  const rounds = Math.max(0, ...approved.map((c) => Number(c.signals.reworkRounds ?? 0)));
  // A compact record of the campaign's work, one chunk: the approved copy itself is indexed as artifacts.
  const text = [
    `Campaign "${l.campaign ?? 'campaign'}"${l.objectives.length ? `, objectives: ${l.objectives.join('; ')}` : ''}${l.channels.length ? `; channels: ${l.channels.join(', ')}` : ''}.`,
    `Task "${l.task}"${l.deliverableType ? ` (${l.deliverableType})` : ''}: approved ${approved.map((c) => `${String(c.signals.slot ?? c.stage)} (quality ${c.qualityScore.toFixed(2)})`).join(', ')}`
      + ` after ${rounds} rework round(s)${facts.reworkRequests.length ? `; reviewers asked: ${facts.reworkRequests.map((f) => `"${f.text.slice(0, 160)}"`).join(', ')}` : ''}.`,
  ].join(' ');
  return {
    kind: 'campaign_history', sourceKey: `campaign_history:${facts.runId}`, source: 'campaign_history', qualityScore: score, index: ok, negative: false,
    reason: ok
      ? `summary of what the run approved; quality ${score.toFixed(3)} (mean of its deliverables) is at or above the threshold ${t.threshold.toFixed(3)} (${LABEL[t.source]})`
      : `summary of what the run approved; quality ${score.toFixed(3)} (mean of its deliverables) is below the threshold ${t.threshold.toFixed(3)} (${LABEL[t.source]}): not indexed`,
    signals: { deliverables: approved.length, reworkRounds: rounds }, artifactId: null, artifactVersion: null,
    stage: null, sourceVersion: 1, format: 'text', text,
  };
}

/**
 * Every learning a run yields, with its quality score and indexing decision: each consolidated
 * artifact (approved; indexed when its score reaches the threshold), every rejected draft (a draft
 * replaced in a later round because it failed the gates or a person sent it back; indexed as a
 * negative example), each rework request and the approval note (explicit feedback, score 1), and a
 * campaign-history summary of what was approved (the mean score of the deliverables).
 * `contents` maps an artifact id to its content.
 */
export function planLearnings(facts: RunLearningFacts, contents: ReadonlyMap<string, string>, t: ThresholdInForce): LearningCandidate[] {
  const byStage = draftsByStage(facts.drafts);
  const approved = facts.artifacts.map((a) => approvedCandidate(a, contents.get(a.artifactId) ?? '', byStage.get(a.stageId) ?? [], facts.reviews, t, facts));
  const history = historyCandidate(approved, t, facts);
  return [...approved, ...rejectedCandidates(byStage, facts.reviews, facts), ...feedbackCandidates(facts), ...(history ? [history] : [])];
}

/**
 * The brand's rules and voice as one document (from the run's context snapshot), indexed once per
 * brand version under `brand:<brandId>:v<version>`. Null when the context names no rules or voice.
 */
export function brandRulesDocument(facts: RunLearningFacts): { sourceKey: string; sourceVersion: number; text: string } | null {
  const c = facts.context;
  const identity = obj(c.identity);
  const voice = obj(c.voice);
  const positioning = obj(c.positioning);
  const rules = obj(c.rules);
  const line = (label: string, v: string | string[] | null) => (Array.isArray(v) ? (v.length ? `- ${label}: ${v.join(', ')}` : '') : v ? `- ${label}: ${v}` : '');
  const voiceLines = [
    line('Tone', str(voice.tone)), line('Personality', strs(voice.personality)), line('Preferred terms', strs(voice.preferredTerms)),
    line('Terms to avoid', strs(voice.avoidTerms)), line('Sample copy', str(voice.sampleCopy)),
  ].filter(Boolean);
  const positioningLines = [
    line('Statement', str(positioning.statement)), line('Audience', str(positioning.audience)), line('Differentiators', strs(positioning.differentiators)),
    line('Category', str(positioning.category)),
  ].filter(Boolean);
  const ruleLines = [
    line('Banned terms', strs(rules.bannedTerms)), line('Required disclaimers', strs(rules.requiredDisclaimers)),
    typeof rules.minQualityScore === 'number' ? `- Minimum quality score: ${rules.minQualityScore}` : '',
  ].filter(Boolean);
  if (voiceLines.length + positioningLines.length + ruleLines.length === 0) return null;
  const name = str(identity.name) ?? 'the brand';
  const text = [
    `# Brand rules and voice: ${name}`,
    voiceLines.length ? `\n## Voice\n\n${voiceLines.join('\n')}` : '',
    positioningLines.length ? `\n## Positioning\n\n${positioningLines.join('\n')}` : '',
    ruleLines.length ? `\n## Rules\n\n${ruleLines.join('\n')}` : '',
  ].filter(Boolean).join('\n');
  return { sourceKey: `brand:${facts.brandId}:v${facts.brandVersion}`, sourceVersion: facts.brandVersion, text };
}
