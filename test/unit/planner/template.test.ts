import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../../src/domain/run.js';
import * as planner from '../../../src/planner/index.js';
import { RetrySchema, StageTemplateSchema, WorkflowTemplateSchema } from '../../../src/planner/template.js';
import { campaignContentTemplate } from '../../../src/planner/templates/campaign-content.template.js';
import { templateWith } from './_helpers.js';

describe('RetrySchema', () => {
  it('defaults to 3 attempts, exponential backoff from 1 s up to 30 s with multiplier 2', () => {
    expect(RetrySchema.parse({})).toEqual({ maxAttempts: 3, backoff: { type: 'exponential', initialMs: 1000, maxMs: 30_000, multiplier: 2 } });
  });

  it('gives delays of 1 s, 2 s, 4 s ... capped at 30 s with the defaults', () => {
    const policy = RetrySchema.parse({});
    expect([1, 2, 3, 4, 5, 6, 7].map((a) => backoffDelay(policy, a))).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000]);
  });

  it('refuses out-of-range values and unknown keys', () => {
    for (const bad of [
      { maxAttempts: 0 },
      { maxAttempts: 21 },
      { maxAttempts: 1.5 },
      { backoff: { type: 'linear' } },
      { backoff: { initialMs: -1 } },
      { backoff: { multiplier: 0.5 } },
      { backoff: { multiplier: 11 } },
      { backoff: { jitter: true } },
      { attempts: 3 },
    ]) {
      expect(RetrySchema.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
  });
});

describe('StageTemplateSchema', () => {
  it('accepts ids with lower-case letters, digits, "-" and "_"', () => {
    for (const id of ['a', 'visual-brief', 'step_2', 'a1-b2_c3']) {
      expect(StageTemplateSchema.safeParse({ id, kind: 'echo' }).success, id).toBe(true);
    }
  });

  it('accepts dotted handler kinds and refuses upper-case or leading punctuation', () => {
    expect(StageTemplateSchema.safeParse({ id: 'a', kind: 'copywriter.draft' }).success).toBe(true);
    expect(StageTemplateSchema.safeParse({ id: 'a', kind: 'Copywriter' }).success).toBe(false);
    expect(StageTemplateSchema.safeParse({ id: 'a', kind: '.echo' }).success).toBe(false);
    expect(StageTemplateSchema.safeParse({ id: 'a', kind: 'echo', fallback: 'Bad Kind' }).success).toBe(false);
  });

  it('refuses an id longer than 64 characters', () => {
    expect(StageTemplateSchema.safeParse({ id: `a${'b'.repeat(63)}`, kind: 'echo' }).success).toBe(true);
    expect(StageTemplateSchema.safeParse({ id: `a${'b'.repeat(64)}`, kind: 'echo' }).success).toBe(false);
  });
});

describe('WorkflowTemplateSchema', () => {
  it('parses the built-in template', () => {
    expect(WorkflowTemplateSchema.safeParse(campaignContentTemplate).success).toBe(true);
  });

  it('refuses more than 200 stages', () => {
    const stages = Array.from({ length: 201 }, (_, i) => ({ id: `s${i}`, kind: 'echo' }));
    expect(WorkflowTemplateSchema.safeParse(templateWith(stages)).success).toBe(false);
    expect(WorkflowTemplateSchema.safeParse(templateWith(stages.slice(0, 200))).success).toBe(true);
  });

  it('refuses an approval deadline under 1 s or over 90 days', () => {
    expect(WorkflowTemplateSchema.safeParse(templateWith(undefined, { approvalDeadlineMs: 999 })).success).toBe(false);
    expect(WorkflowTemplateSchema.safeParse(templateWith(undefined, { approvalDeadlineMs: 90 * 86_400_000 + 1 })).success).toBe(false);
    expect(WorkflowTemplateSchema.safeParse(templateWith(undefined, { approvalDeadlineMs: 90 * 86_400_000 })).success).toBe(true);
  });
});

describe('planner index', () => {
  it('exports the planner API and the built-in template', () => {
    expect(typeof planner.validateTemplate).toBe('function');
    expect(typeof planner.planRun).toBe('function');
    expect(typeof planner.evaluateCondition).toBe('function');
    expect(typeof planner.conditionPaths).toBe('function');
    expect(typeof planner.TemplateRegistry).toBe('function');
    expect(planner.campaignContentTemplate).toBe(campaignContentTemplate);
  });
});
