import type { StageTemplateSchema, WorkflowTemplateInput } from '../template.js';
import type { z } from 'zod';

type StageInput = z.input<typeof StageTemplateSchema>;

/** The social channels `social_post` writes a branch for (each runs only when the campaign targets it). */
export const SOCIAL_CHANNELS = ['linkedin', 'x', 'instagram', 'facebook', 'tiktok'] as const;

const AGENT_RETRY = { maxAttempts: 3, backoff: { type: 'exponential' as const, initialMs: 500, maxMs: 10_000 } };

/** Strategy, research and audience analysis: the first stages of every agency template. */
function groundwork(): StageInput[] {
  return [
    { id: 'strategy', kind: 'agent.strategist', retry: AGENT_RETRY, params: { role: 'strategist' } },
    { id: 'research', kind: 'agent.researcher', dependsOn: ['strategy'], retry: AGENT_RETRY, params: { role: 'researcher', tools: ['brand.knowledge@^1'] } },
    { id: 'audience', kind: 'agent.audience', dependsOn: ['strategy'], retry: AGENT_RETRY, params: { role: 'audience' } },
  ];
}

/** A copywriter then an editor for one channel; the editor's output is the deliverable. */
function branch(channel: string, extra: Partial<StageInput> = {}, params: Record<string, unknown> = {}): StageInput[] {
  return [
    { id: `copy-${channel}`, kind: 'agent.copywriter', dependsOn: ['strategy', 'research', 'audience'], content: true, retry: AGENT_RETRY, ...extra, params: { role: 'copywriter', channel, ...params } },
    { id: `edit-${channel}`, kind: 'agent.editor', dependsOn: [`copy-${channel}`], content: true, retry: AGENT_RETRY, ...extra, params: { role: 'editor', channel, deliverable: true, ...params } },
  ];
}

/**
 * Review (quality gates), consolidation (versioned artifacts) and learning (`learn.index`: approved
 * output, feedback and rejected drafts become learnings, indexed when good enough; src/rag/README.md).
 */
const SYSTEM_STEPS = {
  review: { kind: 'review.gates', params: { minScore: 0.6 } },
  consolidate: { kind: 'consolidate.artifacts' },
  learn: { kind: 'learn.index' },
} satisfies Pick<WorkflowTemplateInput, 'review' | 'consolidate' | 'learn'>;

/**
 * `social_post`: strategy -> research + audience (parallel) -> one copywriter -> editor branch per
 * social channel of the campaign (parallel) -> quality gates -> approval -> artifacts. A campaign
 * with none of the known channels gets one generic `social` branch.
 */
export const socialPostTemplate: WorkflowTemplateInput = {
  name: 'social_post',
  version: 1,
  description: 'Strategy -> research, audience (parallel) -> copy -> edit per social channel (parallel branches) -> quality gates -> approval -> artifacts',
  stages: [
    ...groundwork(),
    ...SOCIAL_CHANNELS.flatMap((ch) => branch(ch, { when: { path: 'channels', includes: ch } })),
    ...branch('social', { when: { not: { any: SOCIAL_CHANNELS.map((ch) => ({ path: 'channels', includes: ch })) } } }),
  ],
  ...SYSTEM_STEPS,
  maxReworkRounds: 2,
};

/** `email`: strategy -> research + audience -> copy -> edit -> gates -> approval -> artifact. */
export const emailTemplate: WorkflowTemplateInput = {
  name: 'email',
  version: 1,
  description: 'Strategy -> research, audience (parallel) -> email copy -> edit -> quality gates -> approval -> artifact',
  stages: [...groundwork(), ...branch('email')],
  ...SYSTEM_STEPS,
  maxReworkRounds: 2,
};

/** `blog_article`: strategy -> research + audience -> article draft -> edit -> gates -> approval -> artifact. */
export const blogArticleTemplate: WorkflowTemplateInput = {
  name: 'blog_article',
  version: 1,
  description: 'Strategy -> research, audience (parallel) -> article draft -> edit -> quality gates -> approval -> artifact',
  stages: [...groundwork(), ...branch('blog', {}, { tier: 'premium' })],
  ...SYSTEM_STEPS,
  maxReworkRounds: 2,
};

/** `ad_copy`: strategy -> research + audience -> ad copy -> edit -> gates -> approval -> artifact. */
export const adCopyTemplate: WorkflowTemplateInput = {
  name: 'ad_copy',
  version: 1,
  description: 'Strategy -> research, audience (parallel) -> ad copy -> edit -> quality gates -> approval -> artifact',
  stages: [...groundwork(), ...branch('ads')],
  ...SYSTEM_STEPS,
  review: { kind: 'review.gates', params: { minScore: 0.65 } },
  maxReworkRounds: 2,
};

/** The agency templates. */
export const AGENCY_TEMPLATES: WorkflowTemplateInput[] = [socialPostTemplate, emailTemplate, blogArticleTemplate, adCopyTemplate];

/** The template a deliverable type runs by default. */
export const TEMPLATE_BY_DELIVERABLE: Record<string, string> = {
  social_post: 'social_post', email: 'email', article: 'blog_article', ad: 'ad_copy',
};
