import { z } from 'zod';
import { Overrides } from './campaign.js';
import { CONTEXT_FIELDS } from './context-fields.js';
import { ShortText } from './values.js';

const f = CONTEXT_FIELDS;

/** A task's content: the deliverable, its specs and quality criteria, dependencies, overrides. */
export const TaskData = z.strictObject({
  name: ShortText,
  deliverableType: f.deliverableType.schema,
  specs: f.specs.schema.prefault({}),
  qualityCriteria: f.qualityCriteria.schema.default([]),
  /** Other tasks (same tenant) whose deliverables this one builds on. */
  dependsOn: f.dependsOn.schema.default([]),
  overrides: Overrides.default({}),
});
/** The parsed form of {@link TaskData}. */
export type TaskData = z.output<typeof TaskData>;

/**
 * Finds a dependency cycle reachable from `start`, given each task's direct dependencies.
 * Returns the cycle as a list of ids starting and ending at the same task, or `null`.
 */
export function findDependencyCycle(start: string, dependsOn: (id: string) => readonly string[]): string[] | null {
  const path: string[] = [];
  const onPath = new Set<string>();
  const done = new Set<string>();
  const visit = (id: string): string[] | null => {
    if (onPath.has(id)) return [...path.slice(path.indexOf(id)), id];
    if (done.has(id)) return null;
    onPath.add(id);
    path.push(id);
    for (const dep of dependsOn(id)) {
      const cycle = visit(dep);
      if (cycle) return cycle;
    }
    path.pop();
    onPath.delete(id);
    done.add(id);
    return null;
  };
  return visit(start);
}
