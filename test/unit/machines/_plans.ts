/**
 * Hand-built RunPlan fixtures for the machine unit tests: a stage builder with quiet defaults (one
 * attempt, no timeout, no fallback, content stage), a plan builder with the three system stages,
 * and the DAG shapes the tests keep coming back to. Not a test file itself.
 */
import type { PlannedStage, RetryPolicy, RunPlan } from '../../../src/domain/run.js';

/** A retry policy: `maxAttempts` in all, fixed 1 s backoff unless `backoff` says otherwise. */
export function retry(maxAttempts = 1, backoff: Partial<RetryPolicy['backoff']> = {}): RetryPolicy {
  return { maxAttempts, backoff: { type: 'fixed', initialMs: 1_000, maxMs: 60_000, multiplier: 2, ...backoff } };
}

/** An exponential policy: 1 s, 2 s, 4 s, ... capped at 10 s. */
export const EXPONENTIAL: RetryPolicy = retry(3, { type: 'exponential', initialMs: 1_000, maxMs: 10_000, multiplier: 2 });

/** A DAG stage `id` of kind `echo`: one attempt, no timeout, no fallback, a content stage. */
export function stage(id: string, overrides: Partial<PlannedStage> = {}): PlannedStage {
  return {
    id,
    kind: 'echo',
    dependsOn: [],
    retry: retry(1),
    timeoutMs: null,
    fallbackKind: null,
    content: true,
    params: {},
    ...overrides,
  };
}

/** A system stage (`$review`, `$consolidate`, `$learn`): never a content stage. */
export function systemStage(id: '$review' | '$consolidate' | '$learn', kind: string, overrides: Partial<PlannedStage> = {}): PlannedStage {
  return stage(id, { kind, content: false, ...overrides });
}

/** A plan running `stages`, with the no-op system stages, 2 rework rounds and a 1 h approval deadline. */
export function plan(stages: PlannedStage[], overrides: Partial<RunPlan> = {}): RunPlan {
  return {
    template: { name: 'test-template', version: 1, hash: 'sha256:test' },
    stages,
    skipped: [],
    review: systemStage('$review', 'gate.pass'),
    consolidate: systemStage('$consolidate', 'consolidate.noop'),
    learn: systemStage('$learn', 'learn.noop'),
    maxReworkRounds: 2,
    approvalDeadlineMs: 3_600_000,
    ...overrides,
  };
}

/** a */
export const single = (overrides: Partial<RunPlan> = {}) => plan([stage('a')], overrides);

/** a → b → c */
export const linear = (overrides: Partial<RunPlan> = {}) =>
  plan([stage('a'), stage('b', { dependsOn: ['a'] }), stage('c', { dependsOn: ['b'] })], overrides);

/** a → {b, c} (b and c run in parallel) */
export const fanOut = (overrides: Partial<RunPlan> = {}) =>
  plan([stage('a'), stage('b', { dependsOn: ['a'] }), stage('c', { dependsOn: ['a'] })], overrides);

/** a → {b, c} → d (d joins both branches) */
export const diamond = (overrides: Partial<RunPlan> = {}) =>
  plan([stage('a'), stage('b', { dependsOn: ['a'] }), stage('c', { dependsOn: ['a'] }), stage('d', { dependsOn: ['b', 'c'] })], overrides);

/**
 * research (not content) → draft → {edit, images} → publish (not content). Rework defaults re-run the
 * content stages draft/edit/images and their dependent publish, never research.
 */
export const campaign = (overrides: Partial<RunPlan> = {}) =>
  plan(
    [
      stage('research', { content: false }),
      stage('draft', { dependsOn: ['research'] }),
      stage('edit', { dependsOn: ['draft'] }),
      stage('images', { dependsOn: ['draft'] }),
      stage('publish', { dependsOn: ['edit', 'images'], content: false }),
    ],
    overrides,
  );

/** No DAG stages at all: straight to review. */
export const empty = (overrides: Partial<RunPlan> = {}) => plan([], overrides);
