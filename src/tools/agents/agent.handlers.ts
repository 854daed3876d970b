import { StageError, type StageHandler, type StageHandlerInput } from '../../contracts/execution.js';
import { OFFLINE_MARKER } from '../../providers/offline-text.js';
import { TIERS, type OfflineBrief, type Tier } from '../../providers/provider.js';
import type { RunFacts } from '../../persistence/runs/run-facts.js';
import type { ToolExecutor } from '../execution/tool-executor.js';
import { channelRule } from '../gates/channel-rules.js';
import { runAgentLoop, type ToolUse } from './agent-loop.js';
import { brandBrief, taskStatement, voiceAndRules, type BrandBrief } from './brand-brief.js';
import { AGENT_ROLES, type AgentRole } from './roles.js';

/** What agent handlers need. */
export interface AgentDeps {
  executor: ToolExecutor;
  /** The run's facts (project, feedback of rework rounds, the last review). */
  facts(runId: string): Promise<RunFacts | null>;
  /** Bounds of each agent stage unless its params say otherwise. Defaults 6 turns and $0.50. */
  maxSteps?: number;
  maxCostUsd?: number;
  /**
   * `rag.retrieve` is in the registry: the researcher and the copywriter retrieve the brand's
   * knowledge (past approved work, brand rules, feedback, campaign history), put it in their prompt
   * with citation markers and record the citations in their output.
   */
  knowledge?: boolean;
}

/** A passage of the brand's knowledge an agent was given, as its output records it. */
// A type alias, not an interface: the stage output must be assignable to JsonValue (index signature).
export type Citation = {
  /** `K1`, `K2`…: how the prompt (and the draft) cites it. */
  marker: string;
  chunkId: string;
  source: string;
  sourceKey: string;
  sourceVersion: number;
  runId: string | null;
  score: number;
};

/** What an agent stage outputs (the JSON stored as the stage's output). */
export interface AgentOutput {
  role: AgentRole;
  channel: string | null;
  content: string;
  /** True for a final deliverable (review and consolidation read these). */
  deliverable: boolean;
  provider: string;
  model: string;
  offline: boolean;
  tools: string[];
  fallbacks: string[];
  costUsd: number;
  steps: number;
  round: number;
  /** The knowledge passages given to the agent (empty when none were retrieved; absent in outputs of older versions). */
  citations?: Citation[];
}

/** True for an output of an agent stage. */
export function isAgentOutput(v: unknown): v is AgentOutput {
  return typeof v === 'object' && v !== null && typeof (v as AgentOutput).role === 'string' && typeof (v as AgentOutput).content === 'string';
}

const ROLES_WITH_COPY = new Set<AgentRole>(['copywriter', 'editor']);
/** Roles that retrieve the brand's knowledge base (`rag.retrieve`) before writing. */
const ROLES_WITH_KNOWLEDGE = new Set<AgentRole>(['researcher', 'copywriter']);

/** A `rag.retrieve` result as the agent reads it: what it cites, and the text. */
type RetrievedPassage = Citation & { text: string };

/** A passage as the prompt shows it: marker, where it comes from, text. */
function knowledgeLine(p: RetrievedPassage): string {
  return `[${p.marker}] (${p.source.replace('_', ' ')}, ${p.sourceKey}) ${p.text.replace(/\s+/g, ' ').trim()}`;
}

/** A passage as the offline provider may weave it into a draft: its text without offline-draft marker lines. */
function offlinePassage(p: RetrievedPassage): string {
  return p.text.split('\n').filter((line) => !line.includes(OFFLINE_MARKER)).join(' ').replace(/\s+/g, ' ').trim();
}

function toolUses(params: Record<string, unknown>): ToolUse[] {
  const raw = Array.isArray(params.tools) ? params.tools : [];
  return raw.flatMap((t): ToolUse[] => {
    if (typeof t === 'string') return [{ ref: t }];
    if (t && typeof t === 'object' && typeof (t as ToolUse).ref === 'string') return [t as ToolUse];
    return [];
  });
}

/** Feedback a rework round must address: the reviewer's words and the last failed gate's issues for this channel. */
function reworkFeedback(facts: RunFacts, round: number, channel: string | null): string[] {
  if (round === 0) return [];
  const notes = facts.feedback.map((f) => `Reviewer: ${f.feedback}`);
  const review = facts.lastReview as { passed?: boolean; drafts?: Array<{ channel: string | null; issues: Array<{ severity: string; message: string }> }> } | null;
  if (review && review.passed === false) {
    for (const d of review.drafts ?? []) {
      if (d.channel !== channel) continue;
      for (const i of d.issues) if (i.severity === 'error') notes.push(`Quality gate: the draft ${i.message}`);
    }
  }
  return notes;
}

function upstreamTexts(input: StageHandlerInput): string[] {
  return Object.entries(input.upstream).flatMap(([id, out]) => (typeof out === 'object' && out !== null && typeof (out as { content?: unknown }).content === 'string' ? [`[${id}] ${(out as { content: string }).content}`] : []));
}

function offlineBrief(role: AgentRole, b: BrandBrief, channel: string | null, upstream: Record<string, unknown>, retrieved: string[], feedback: string[], mustIncludeExtra: string[]): OfflineBrief {
  const copy = ROLES_WITH_COPY.has(role);
  const drafts = Object.values(upstream).flatMap((o) => (typeof o === 'object' && o !== null && typeof (o as { content?: unknown }).content === 'string' ? [(o as { content: string }).content] : []));
  return {
    role, task: b.task, deliverableType: b.deliverableType, ...(channel ? { channel } : {}), brand: b.brand,
    ...(b.tone ? { tone: b.tone } : {}), ...(b.audience ? { audience: b.audience } : {}), objectives: b.objectives,
    ...(copy ? {
      // One preferred term keeps offline drafts in the brand's vocabulary (real models get them all in the prompt).
      mustInclude: [...b.disclaimers, ...(b.callToAction ? [b.callToAction] : []), ...b.preferredTerms.slice(0, 1), ...mustIncludeExtra],
      avoid: [...b.bannedTerms, ...b.avoidTerms],
      maxWords: b.lengthWords?.max ?? channelRule(channel).defaultMaxWords,
    } : {}),
    upstream: drafts, retrieved, feedback,
  };
}

/**
 * An agent as a stage handler (`agent.<role>`): the role's prompt, the resolved brand voice and
 * rules, the upstream stages' work, the rework feedback, and the tools the stage names
 * (`params.tools`, `name@range` or `{ ref, fallback }`) in a bounded function-calling loop.
 * The researcher first retrieves brand knowledge; with a knowledge layer (`deps.knowledge`), the
 * researcher and the copywriter also call `rag.retrieve` and cite its passages ([K1]…, recorded as
 * `citations` in the output). Params: `channel`, `tier` (default: the run's),
 * `deliverable` (a final draft), `hashtags`, `maxSteps`, `maxCostUsd`.
 */
export function agentHandler(role: AgentRole, deps: AgentDeps): StageHandler {
  return {
    kind: `agent.${role}`,
    description: `The ${role} agent: ${AGENT_ROLES[role].split('.')[0]}.`,
    async run(input) {
      const facts = await deps.facts(input.runId);
      if (!facts) throw new StageError(`run ${input.runId} was not found`, false);
      const b = brandBrief(input.context);
      const p = input.params;
      const channel = typeof p.channel === 'string' ? p.channel : null;
      const tier: Tier = typeof p.tier === 'string' && (TIERS as readonly string[]).includes(p.tier) ? (p.tier as Tier) : ((TIERS as readonly string[]).includes(facts.tier) ? (facts.tier as Tier) : 'standard');
      // The attempt key (runId:stageRunId:attempt) names the stage in its round: a rework round calls anew.
      const keyPrefix = input.key;
      const common = { tenantId: input.tenantId, projectId: facts.projectId, agent: role, runId: input.runId, stageId: input.stageId, signal: input.signal };
      let retrieved: string[] = [];
      if (role === 'researcher') {
        const found = await deps.executor.invoke({ ...common, ref: 'brand.knowledge@^1', input: { query: `${b.task} ${b.objectives.join(' ')}`, limit: 6 }, idempotencyKey: `${keyPrefix}:retrieve` });
        retrieved = (found.output as { results: Array<{ source: string; text: string }> }).results.map((r) => `${r.source}: ${r.text}`);
      }
      let passages: RetrievedPassage[] = [];
      if (deps.knowledge && ROLES_WITH_KNOWLEDGE.has(role)) {
        // Brand, campaign and task type come from the run (the tool reads them); the query says what this stage writes about.
        const query = [b.task, b.deliverableType.replace(/_/g, ' '), channel ?? '', ...b.objectives].filter(Boolean).join(' ').slice(0, 2000);
        const found = await deps.executor.invoke({ ...common, ref: 'rag.retrieve@^1', input: { query, k: role === 'researcher' ? 6 : 4 }, idempotencyKey: `${keyPrefix}:knowledge` });
        passages = (found.output as { results: RetrievedPassage[] }).results;
      }
      const feedback = reworkFeedback(facts, input.round, channel);
      const hashtags = Array.isArray(p.hashtags) ? p.hashtags.filter((h): h is string => typeof h === 'string') : [];
      const upstream = upstreamTexts(input);
      const user = [
        taskStatement(b, channel),
        retrieved.length ? `Retrieved knowledge:\n${retrieved.map((r) => `- ${r}`).join('\n')}` : '',
        passages.length ? `Knowledge from the brand's past work and rules (cite what you use as [K1], [K2]…):\n${passages.map(knowledgeLine).join('\n')}` : '',
        upstream.length ? `Work so far:\n${upstream.join('\n\n')}` : '',
        feedback.length ? `This is rework round ${input.round}. Address this feedback:\n${feedback.map((f) => `- ${f}`).join('\n')}` : '',
        ROLES_WITH_COPY.has(role) ? `Channel limits: ${describeLimits(channel, b)}.` : '',
        hashtags.length ? `Use these hashtags: ${hashtags.join(' ')}.` : '',
      ].filter(Boolean).join('\n\n');
      const result = await runAgentLoop(deps.executor, {
        role, tenantId: input.tenantId, projectId: facts.projectId, runId: input.runId, stageId: input.stageId, keyPrefix, signal: input.signal, tier,
        messages: [{ role: 'system', content: `${AGENT_ROLES[role]}\n\n${voiceAndRules(b)}` }, { role: 'user', content: user }],
        brief: offlineBrief(role, b, channel, input.upstream, [...passages.map(offlinePassage).filter(Boolean), ...retrieved], feedback, hashtags),
        tools: toolUses(p),
        maxSteps: typeof p.maxSteps === 'number' ? p.maxSteps : (deps.maxSteps ?? 6),
        maxCostUsd: typeof p.maxCostUsd === 'number' ? p.maxCostUsd : (deps.maxCostUsd ?? 0.5),
      });
      const output: AgentOutput = {
        role, channel, content: result.content, deliverable: p.deliverable === true, provider: result.provider, model: result.model, offline: result.offline,
        tools: result.tools, fallbacks: result.fallbacks, costUsd: result.costUsd, steps: result.steps, round: input.round,
        citations: passages.map((p) => ({ marker: p.marker, chunkId: p.chunkId, source: p.source, sourceKey: p.sourceKey, sourceVersion: p.sourceVersion, runId: p.runId, score: p.score })),
      };
      return { output: { ...output }, costUsd: result.costUsd };
    },
  };
}

function describeLimits(channel: string | null, b: BrandBrief): string {
  const rule = channelRule(channel);
  return [
    rule.maxChars !== null ? `at most ${rule.maxChars} characters` : '',
    `at most ${rule.maxHashtags} hashtags`,
    `at most ${b.lengthWords?.max ?? rule.defaultMaxWords} words`,
  ].filter(Boolean).join(', ');
}

/** Every agent handler. */
export function agentHandlers(deps: AgentDeps): StageHandler[] {
  return (Object.keys(AGENT_ROLES) as AgentRole[]).filter((r) => r !== 'judge').map((r) => agentHandler(r, deps));
}
