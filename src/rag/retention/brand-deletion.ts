import type { Orm } from '../../persistence/orm.js';
import { recordAudit } from '../../persistence/repositories/audit.repository.js';
import { deleteBrand } from '../../persistence/repositories/brand.repository.js';
import { createScope, type Scope } from '../../persistence/scope.js';
import type { KnowledgePurger } from './knowledge-retention.js';

/** What deleting a brand removed. */
export interface BrandDeletionResult {
  brandId: string;
  version: number;
  deletedAt: string;
  knowledge: { chunks: number; vectors: number; learnings: number; policy: boolean };
}

/**
 * Deletes a brand and its knowledge: first the brand (deleted_at, learnings, policy override and the
 * `brand.delete` audit event in one transaction, at the `If-Match` version), then its chunks and
 * vectors, audited as `brand.knowledge_purge` with the counts (the knowledge layer's indexer, or
 * {@link rowsOnlyPurger} in a process without one). If the purge is interrupted, the retention sweep
 * removes what a deleted brand left.
 */
export async function deleteBrandWithKnowledge(orm: Orm, scope: Scope, purger: KnowledgePurger, brandId: string, expected: number): Promise<BrandDeletionResult> {
  const deleted = await deleteBrand(scope, brandId, expected);
  const purged = await purger.deleteBrand(scope.tenantId, brandId);
  const audit = createScope(orm, scope.tenantId, scope.actor, scope.requestId);
  recordAudit(audit, { action: 'brand.knowledge_purge', targetType: 'brand', targetId: brandId, version: deleted.version, details: { ...purged, learnings: deleted.learnings, policy: deleted.policy } });
  await audit.em.flush();
  return {
    brandId, version: deleted.version, deletedAt: deleted.deletedAt.toISOString(),
    knowledge: { chunks: purged.chunks, vectors: purged.vectors, learnings: deleted.learnings, policy: deleted.policy },
  };
}
