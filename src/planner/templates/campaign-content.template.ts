import type { WorkflowTemplateInput } from '../template.js';

/**
 * The default template for a deliverable: a brief, three research stages in parallel, a draft,
 * and a visual brief when the task targets a visual channel; then review, consolidation and
 * learning. Its stages run the `echo` handler until the agent handlers land (issue 4 swaps kinds
 * by publishing version 2).
 */
export const campaignContentTemplate: WorkflowTemplateInput = {
  name: 'campaign-content',
  version: 1,
  description: 'Brief -> research, audience, competitors (parallel) -> draft (+ visual brief for visual channels) -> review -> approval -> consolidate -> learn',
  stages: [
    { id: 'brief', kind: 'echo', params: { role: 'strategist' } },
    { id: 'research', kind: 'echo', dependsOn: ['brief'], params: { role: 'researcher' } },
    { id: 'audience', kind: 'echo', dependsOn: ['brief'], params: { role: 'researcher' } },
    { id: 'competitors', kind: 'echo', dependsOn: ['brief'], params: { role: 'researcher' } },
    { id: 'draft', kind: 'echo', dependsOn: ['research', 'audience', 'competitors'], content: true, params: { role: 'copywriter' } },
    {
      id: 'visual-brief', kind: 'echo', dependsOn: ['draft'], content: true, params: { role: 'art-director' },
      when: { any: [{ path: 'channels', includes: 'instagram' }, { path: 'channels', includes: 'tiktok' }, { path: 'channels', includes: 'youtube' }] },
    },
  ],
  review: { kind: 'gate.pass' },
  consolidate: { kind: 'consolidate.noop' },
  learn: { kind: 'learn.noop' },
  maxReworkRounds: 3,
};
