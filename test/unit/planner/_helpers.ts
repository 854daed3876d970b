/**
 * Helpers for the planner unit tests: a handler-kind oracle that knows the kinds of the built-in
 * template, a minimal valid template builder, and a PlatformError catcher. Not a test file itself.
 */
import { expect } from 'vitest';
import { isPlatformError, type PlatformError } from '../../../src/domain/errors.js';
import type { KnownKinds } from '../../../src/planner/planner.js';
import type { WorkflowTemplateInput } from '../../../src/planner/template.js';

/** The handler kinds the built-in campaign-content template uses. */
export const BUILT_IN_KINDS = ['echo', 'gate.pass', 'consolidate.noop', 'learn.noop'] as const;

/** A KnownKinds that knows exactly `kinds` (by default the built-in ones). */
export function knowing(...kinds: string[]): KnownKinds {
  const set = new Set<string>(kinds.length > 0 ? kinds : BUILT_IN_KINDS);
  return (kind) => set.has(kind);
}

/** Knows the built-in kinds plus a few extra ones used as fallbacks in the tests. */
export const knownKinds: KnownKinds = knowing(...BUILT_IN_KINDS, 'echo.fallback', 'gate.strict');

type StageInput = WorkflowTemplateInput['stages'][number];

/** A small valid template: the given stages (default: one `echo` stage `a`) and the no-op system steps. */
export function templateWith(stages: StageInput[] = [{ id: 'a', kind: 'echo' }], extra: Partial<WorkflowTemplateInput> = {}): WorkflowTemplateInput {
  return {
    name: 'test-template',
    version: 1,
    stages,
    review: { kind: 'gate.pass' },
    consolidate: { kind: 'consolidate.noop' },
    learn: { kind: 'learn.noop' },
    ...extra,
  };
}

/**
 * Runs `fn`, expects it to throw a PlatformError and returns it for assertions on code and details.
 * Fails the test (with the actual outcome) when nothing, or something else, is thrown.
 */
export function catchPlatformError(fn: () => unknown): PlatformError {
  let thrown: unknown;
  try {
    fn();
  } catch (err) {
    thrown = err;
  }
  expect(thrown, 'expected a PlatformError to be thrown').toBeDefined();
  expect(isPlatformError(thrown), `expected a PlatformError, got ${String(thrown)}`).toBe(true);
  return thrown as PlatformError;
}

/** The `details.problems` of an INVALID_TEMPLATE error (asserting the code and the shape). */
export function problemsOf(err: PlatformError): string[] {
  expect(err.code).toBe('INVALID_TEMPLATE');
  const problems = err.details?.['problems'];
  expect(Array.isArray(problems), 'details.problems is a list').toBe(true);
  return problems as string[];
}

/** The `details.issues` of a VALIDATION_FAILED error (asserting the code and the shape). */
export function issuesOf(err: PlatformError): { path: string; message: string }[] {
  expect(err.code).toBe('VALIDATION_FAILED');
  const issues = err.details?.['issues'];
  expect(Array.isArray(issues), 'details.issues is a list').toBe(true);
  return issues as { path: string; message: string }[];
}
