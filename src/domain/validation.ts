import type { z } from 'zod';
import { PlatformError } from './errors.js';

/** One validation problem: where (dot path from the request part) and what is wrong. */
export interface ValidationIssue {
  path: string;
  message: string;
}

/** Flattens zod issues into `{path, message}` pairs, prefixing each path (e.g. `body`). */
export function toValidationIssues(issues: readonly z.core.$ZodIssue[], prefix?: string): ValidationIssue[] {
  return issues.map((i) => ({
    path: [prefix, ...i.path.map(String)].filter((p) => p !== undefined && p !== '').join('.'),
    message: i.message,
  }));
}

/**
 * Parses `value` with `schema`, or throws VALIDATION_FAILED whose message names the first problem
 * and whose `details.issues` lists all of them.
 */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, prefix?: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = toValidationIssues(parsed.error.issues, prefix);
  const first = issues[0];
  throw new PlatformError('VALIDATION_FAILED', first ? `${first.path || '(root)'}: ${first.message}` : 'invalid input', { issues });
}
