import { describe, expect, it } from 'vitest';
import { TaskData, findDependencyCycle } from '../../../src/domain/task.js';

/** A dependency lookup over a literal graph; unknown ids have no dependencies. Counts lookups per id. */
function graph(edges: Record<string, string[]>) {
  const calls = new Map<string, number>();
  const dependsOn = (id: string): readonly string[] => {
    calls.set(id, (calls.get(id) ?? 0) + 1);
    return edges[id] ?? [];
  };
  return { dependsOn, calls };
}

/** Checks that `cycle` is a closed walk along edges of `edges`. */
function expectClosedPath(cycle: string[] | null, edges: Record<string, string[]>): void {
  expect(cycle).not.toBeNull();
  const c = cycle ?? [];
  expect(c.length).toBeGreaterThanOrEqual(2);
  expect(c[c.length - 1]).toBe(c[0]);
  for (let i = 0; i + 1 < c.length; i++) {
    const from = c[i] as string;
    expect(edges[from] ?? []).toContain(c[i + 1]);
  }
  expect(new Set(c.slice(0, -1)).size).toBe(c.length - 1);
}

describe('findDependencyCycle', () => {
  it('finds a cycle through the start and returns it as a closed path starting at the start', () => {
    const edges = { a: ['b'], b: ['c'], c: ['a'] };
    const cycle = findDependencyCycle('a', graph(edges).dependsOn);
    expect(cycle).toEqual(['a', 'b', 'c', 'a']);
    expectClosedPath(cycle, edges);
  });

  it('returns only the cycle, not the path that led to it, when the cycle is further down', () => {
    const edges = { start: ['x'], x: ['y'], y: ['z'], z: ['x'] };
    expect(findDependencyCycle('start', graph(edges).dependsOn)).toEqual(['x', 'y', 'z', 'x']);
  });

  it('finds a self-loop as a two-element closed path', () => {
    expect(findDependencyCycle('a', graph({ a: ['a'] }).dependsOn)).toEqual(['a', 'a']);
    expect(findDependencyCycle('a', graph({ a: ['b'], b: ['b'] }).dependsOn)).toEqual(['b', 'b']);
  });

  it('finds a two-task cycle', () => {
    expect(findDependencyCycle('a', graph({ a: ['b'], b: ['a'] }).dependsOn)).toEqual(['a', 'b', 'a']);
  });

  it('returns null for a task without dependencies or with unknown ones', () => {
    expect(findDependencyCycle('a', graph({}).dependsOn)).toBeNull();
    expect(findDependencyCycle('a', graph({ a: ['ghost'] }).dependsOn)).toBeNull();
  });

  it('returns null for a chain and for a DAG', () => {
    expect(findDependencyCycle('a', graph({ a: ['b'], b: ['c'], c: [] }).dependsOn)).toBeNull();
    expect(findDependencyCycle('a', graph({ a: ['b', 'c', 'd'], b: ['d', 'e'], c: ['e'], d: ['e'], e: [] }).dependsOn)).toBeNull();
  });

  it('does not mistake a diamond (two paths to the same task) for a cycle, and explores the shared task once', () => {
    const g = graph({ a: ['b', 'c'], b: ['d'], c: ['d'], d: ['e'], e: [] });
    expect(findDependencyCycle('a', g.dependsOn)).toBeNull();
    expect(Object.fromEntries(g.calls)).toEqual({ a: 1, b: 1, c: 1, d: 1, e: 1 });
  });

  it('finds a cycle reached through the second branch of a diamond', () => {
    const edges = { a: ['b', 'c'], b: ['d'], c: ['d', 'f'], d: [], f: ['c'] };
    const cycle = findDependencyCycle('a', graph(edges).dependsOn);
    expect(cycle).toEqual(['c', 'f', 'c']);
    expectClosedPath(cycle, edges);
  });

  it('ignores a cycle that is not reachable from the start', () => {
    expect(findDependencyCycle('a', graph({ a: ['b'], b: [], x: ['y'], y: ['x'] }).dependsOn)).toBeNull();
  });

  it('handles long chains and long cycles', () => {
    const n = 500;
    const chain: Record<string, string[]> = {};
    for (let i = 0; i < n; i++) chain[`t${i}`] = i + 1 < n ? [`t${i + 1}`] : [];
    expect(findDependencyCycle('t0', graph(chain).dependsOn)).toBeNull();
    const ring = { ...chain, [`t${n - 1}`]: ['t0'] };
    const cycle = findDependencyCycle('t0', graph(ring).dependsOn);
    expect(cycle).toHaveLength(n + 1);
    expectClosedPath(cycle, ring);
  });
});

describe('TaskData', () => {
  const UUID = '0190a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2b';

  it('requires a name and a deliverable type, and defaults the rest', () => {
    expect(TaskData.parse({ name: 'Post', deliverableType: 'email' })).toEqual({
      name: 'Post',
      deliverableType: 'email',
      specs: {},
      qualityCriteria: [],
      dependsOn: [],
      overrides: {},
    });
    expect(TaskData.safeParse({ name: 'Post' }).success).toBe(false);
    expect(TaskData.safeParse({ deliverableType: 'email' }).success).toBe(false);
  });

  it('refuses an unknown deliverable type and unknown keys', () => {
    expect(TaskData.safeParse({ name: 'Post', deliverableType: 'tweet' }).success).toBe(false);
    expect(TaskData.safeParse({ name: 'Post', deliverableType: 'email', priority: 1 }).success).toBe(false);
  });

  it('accepts UUID dependencies and refuses anything else, and more than 50', () => {
    expect(TaskData.parse({ name: 'P', deliverableType: 'ad', dependsOn: [UUID] }).dependsOn).toEqual([UUID]);
    expect(TaskData.safeParse({ name: 'P', deliverableType: 'ad', dependsOn: ['task-1'] }).success).toBe(false);
    expect(TaskData.safeParse({ name: 'P', deliverableType: 'ad', dependsOn: Array.from({ length: 51 }, () => UUID) }).success).toBe(false);
  });

  it('refuses more than 30 quality criteria', () => {
    const criteria = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `c${i}`, description: 'Clear' }));
    expect(TaskData.safeParse({ name: 'P', deliverableType: 'ad', qualityCriteria: criteria(30) }).success).toBe(true);
    expect(TaskData.safeParse({ name: 'P', deliverableType: 'ad', qualityCriteria: criteria(31) }).success).toBe(false);
  });
});
