import { notFound } from '../../domain/errors.js';
import { resolveContext, type ResolvedContext } from '../../domain/context-resolver.js';
import { uuidv7 } from '../../domain/ids.js';
import { ContextSnapshot } from '../entities/context-snapshot.entity.js';
import type { Scope } from '../scope.js';
import { getBrand } from './brand.repository.js';
import { getCampaign } from './campaign.repository.js';
import { getTask } from './task.repository.js';

/** Resolves a task's context from the current versions of its brand, campaign and task. */
export async function resolveTaskContext(scope: Scope, taskId: string): Promise<ResolvedContext> {
  const task = await getTask(scope, taskId);
  const campaign = await getCampaign(scope, task.head.campaign.id);
  const brand = await getBrand(scope, campaign.head.brand.id);
  const rec = <D>(r: { head: { id: string; currentVersion: number }; version: { data: D } }) => ({
    id: r.head.id, version: r.head.currentVersion, data: r.version.data,
  });
  return resolveContext({ brand: rec(brand), campaign: rec(campaign), task: rec(task) });
}

/**
 * Stores the task's resolved context as an immutable snapshot, deduplicated per tenant by content
 * hash: resolving twice with no change returns the same snapshot (`created: false`). Safe under
 * concurrency (INSERT … ON CONFLICT DO NOTHING, then read).
 */
export async function snapshotTaskContext(scope: Scope, taskId: string): Promise<{ snapshot: ContextSnapshot; created: boolean }> {
  const resolved = await resolveTaskContext(scope, taskId);
  const inserted = await scope.em
    .createQueryBuilder(ContextSnapshot)
    .insert({
      id: uuidv7(),
      tenant: scope.tenantId,
      task: taskId,
      hash: resolved.hash,
      refs: resolved.refs,
      context: resolved.context,
      provenance: resolved.provenance,
      conflicts: resolved.conflicts,
      versions: resolved.versions,
      createdAt: new Date(),
    })
    .onConflict(['tenant', 'hash'])
    .ignore()
    .execute('run');
  const snapshot = await scope.em.findOne(ContextSnapshot, { hash: resolved.hash });
  if (!snapshot) throw new Error(`context snapshot ${resolved.hash} vanished after insert`);
  return { snapshot, created: inserted.affectedRows > 0 };
}

/** A stored snapshot by id; 404 when unknown in this tenant. */
export async function getContextSnapshot(scope: Scope, id: string): Promise<ContextSnapshot> {
  const snapshot = await scope.em.findOne(ContextSnapshot, { id });
  if (!snapshot) throw notFound('context_snapshot', id);
  return snapshot;
}
