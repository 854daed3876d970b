import { PlatformError } from '../../domain/errors.js';
import { applyMergePatch } from '../../domain/merge-patch.js';
import { assertOverridesAllowed } from '../../domain/override-policy.js';
import { TaskData, findDependencyCycle } from '../../domain/task.js';
import { parseOrThrow } from '../../domain/validation.js';
import { Task, TaskVersion } from '../entities/task.entity.js';
import type { Page, PageRequest } from '../pagination.js';
import type { Scope } from '../scope.js';
import { getBrand } from './brand.repository.js';
import { getCampaign, type CampaignRecord } from './campaign.repository.js';
import { VersionedStore, type Versioned } from './versioned-store.js';

/** A task at one version. */
export type TaskRecord = Versioned<Task, TaskData>;

/** The append-only store of tasks. */
export const taskStore = new VersionedStore<Task, TaskData>('task', Task, TaskVersion, 'task');

/** Checks the task's overrides and dependencies; returns the data with its overrides normalized. */
async function withCheckedRules(scope: Scope, taskId: string | null, data: TaskData, campaign: CampaignRecord): Promise<TaskData> {
  const brand = await getBrand(scope, campaign.head.brand.id);
  const overrides = assertOverridesAllowed('task', data.overrides, {
    brand: { level: 'brand', id: brand.head.id, version: brand.head.currentVersion, policy: brand.version.data.overridePolicy },
    campaign: { level: 'campaign', id: campaign.head.id, version: campaign.head.currentVersion, lockedFields: campaign.version.data.lockedFields },
  });
  await assertDependencies(scope, taskId, data.dependsOn);
  return { ...data, overrides };
}

/**
 * Every dependency must be a task of this tenant (422 naming the unknown ids), not the task itself,
 * and the new edges must not close a cycle (422 listing it).
 */
async function assertDependencies(scope: Scope, taskId: string | null, dependsOn: readonly string[]): Promise<void> {
  if (dependsOn.length === 0) return;
  if (taskId && dependsOn.includes(taskId)) {
    throw new PlatformError('DEPENDENCY_CYCLE', `task ${taskId} cannot depend on itself`, { cycle: [taskId, taskId] });
  }
  const graph = new Map<string, readonly string[]>();
  let frontier = [...new Set(dependsOn)];
  const unknown: string[] = [];
  while (frontier.length > 0) {
    const heads = await scope.em.find(Task, { id: { $in: frontier } });
    if (graph.size === 0) unknown.push(...frontier.filter((id) => !heads.some((h) => h.id === id)));
    const versions = heads.length === 0 ? [] : await scope.em.find(TaskVersion, { $or: heads.map((h) => ({ task: h.id, version: h.currentVersion })) });
    for (const v of versions) graph.set(v.task.id, v.data.dependsOn);
    for (const id of frontier) if (!graph.has(id)) graph.set(id, []);
    frontier = [...new Set(versions.flatMap((v) => v.data.dependsOn))].filter((id) => !graph.has(id) && id !== taskId);
  }
  if (unknown.length > 0) {
    throw new PlatformError('INVALID_REFERENCE', `dependsOn names ${unknown.length === 1 ? 'a task' : 'tasks'} not found: ${unknown.join(', ')}`, { field: 'dependsOn', unknown });
  }
  if (taskId) {
    graph.set(taskId, dependsOn);
    const cycle = findDependencyCycle(taskId, (id) => graph.get(id) ?? []);
    if (cycle) throw new PlatformError('DEPENDENCY_CYCLE', `dependsOn would form a cycle: ${cycle.join(' -> ')}`, { cycle });
  }
}

/**
 * Creates a task (version 1) under a campaign of the tenant (404 otherwise). Overrides are checked
 * against the brand's policy and the campaign's locks; dependencies must exist in the tenant.
 */
export async function createTask(scope: Scope, input: { campaignId: string; data: TaskData }): Promise<TaskRecord> {
  const campaign = await getCampaign(scope, input.campaignId);
  const data = await withCheckedRules(scope, null, input.data, campaign);
  return taskStore.create(scope, { campaign: campaign.head, brand: campaign.head.brand }, data);
}

/** Applies a JSON merge patch as version `expected + 1`, re-checking overrides and dependencies. */
export async function patchTask(scope: Scope, id: string, expected: number, patch: Record<string, unknown>): Promise<TaskRecord> {
  return taskStore.append(scope, id, expected, async (current) => {
    const next = parseOrThrow(TaskData, applyMergePatch(current.version.data, patch), 'body');
    return withCheckedRules(scope, id, next, await getCampaign(scope, current.head.campaign.id));
  });
}

/** A task at its current version; 404 when unknown in this tenant. */
export function getTask(scope: Scope, id: string): Promise<TaskRecord> {
  return taskStore.get(scope, id);
}

/** The tenant's tasks at their current versions, optionally of one campaign. */
export function listTasks(scope: Scope, filter: { campaignId?: string | undefined }, page: PageRequest): Promise<Page<TaskRecord>> {
  return taskStore.list(scope, filter.campaignId ? { campaign: filter.campaignId } : {}, page);
}
