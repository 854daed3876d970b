import { getPath } from '../domain/context-fields.js';
import type { Condition } from './template.js';

/**
 * Evaluates a `when` condition over a resolved context. `includes` works on lists (membership) and
 * strings (substring); `equals` compares scalars; `exists` tests presence (a missing field is not
 * equal to anything and includes nothing).
 */
export function evaluateCondition(condition: Condition, context: Record<string, unknown>): boolean {
  if ('all' in condition) return condition.all.every((c) => evaluateCondition(c, context));
  if ('any' in condition) return condition.any.some((c) => evaluateCondition(c, context));
  if ('not' in condition) return !evaluateCondition(condition.not, context);
  const value = getPath(context, condition.path);
  if ('exists' in condition) return (value !== undefined && value !== null) === condition.exists;
  if ('equals' in condition) return value === condition.equals || (value === undefined && condition.equals === null);
  if (Array.isArray(value)) return value.includes(condition.includes);
  if (typeof value === 'string' && typeof condition.includes === 'string') return value.includes(condition.includes);
  return false;
}

/** Every path a condition reads. */
export function conditionPaths(condition: Condition): string[] {
  if ('all' in condition) return condition.all.flatMap(conditionPaths);
  if ('any' in condition) return condition.any.flatMap(conditionPaths);
  if ('not' in condition) return conditionPaths(condition.not);
  return [condition.path];
}
