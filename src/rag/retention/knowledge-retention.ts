import type { Orm } from '../../persistence/orm.js';
import { recordAudit } from '../../persistence/repositories/audit.repository.js';
import { listBrandPolicies, loadKnowledgePolicies } from '../../persistence/repositories/knowledge-policy.repository.js';
import { createScope, tenantEm, type Actor } from '../../persistence/scope.js';
import { deleteChunkRows } from '../knowledge/chunk-rows.js';
import type { KnowledgeIndexer } from '../knowledge/knowledge-indexer.js';

/** What retention and brand deletion need from the knowledge layer: deletions of rows and vectors together. */
export type KnowledgePurger = Pick<KnowledgeIndexer, 'deleteBrand' | 'deleteOlderThan'>;

/** What retention removed for one brand. */
export interface BrandRetention {
  brandId: string;
  /** The retention in force for the brand (its override, else the tenant's); null for a deleted brand's leftovers. */
  retentionDays: number | null;
  /** Knowledge created before this was removed (ISO 8601); null for a deleted brand (everything removed). */
  cutoff: string | null;
  chunks: number;
  vectors: number;
  learnings: number;
  /** The brand was deleted and its leftover knowledge was purged. */
  deletedBrand: boolean;
}

/** The result of applying a tenant's retention. */
export interface RetentionResult {
  tenantId: string;
  appliedAt: string;
  brands: BrandRetention[];
  totals: { chunks: number; vectors: number; learnings: number };
}

const DAY_MS = 86_400_000;

/**
 * Applies a tenant's retention: for every brand with knowledge, the retention in force (the brand's
 * override, else the tenant's `retentionDays`; none: kept forever) removes the chunks, their
 * vectors and the learning records created before `now − days`; the leftover knowledge of deleted
 * brands (a purge interrupted by a crash, a run that learned during the deletion) is removed too.
 * Audited as `knowledge.retention_apply` (with the counts) when something was removed or when
 * `auditAlways` (a person asked for it).
 */
export async function applyRetention(orm: Orm, purger: KnowledgePurger, tenantId: string, opts: { now?: Date; actor: Actor; requestId?: string; auditAlways?: boolean }): Promise<RetentionResult> {
  const now = opts.now ?? new Date();
  const em = tenantEm(orm, tenantId);
  const [policies, overrides, brands] = await Promise.all([
    loadKnowledgePolicies(orm, tenantId),
    listBrandPolicies(orm, tenantId),
    em.execute<Array<{ brand_id: string; deleted: boolean }>>(
      `select k.brand_id, coalesce(b.deleted_at is not null, true) as deleted
         from (select distinct brand_id from knowledge_chunk where tenant_id = ?
               union select distinct brand_id from learning where tenant_id = ?) k
         left join brand b on b.id = k.brand_id and b.tenant_id = ?
        order by k.brand_id`,
      [tenantId, tenantId, tenantId],
    ),
  ]);
  const byBrand = new Map(overrides.map((p) => [p.brandId as string, p.retentionDays ?? null]));
  const out: BrandRetention[] = [];
  for (const { brand_id: brandId, deleted } of brands) {
    if (deleted) {
      const res = await purger.deleteBrand(tenantId, brandId);
      const learnings = await em.execute<Array<{ id: string }>>('delete from learning where tenant_id = ? and brand_id = ? returning id', [tenantId, brandId]);
      out.push({ brandId, retentionDays: null, cutoff: null, chunks: res.chunks, vectors: res.vectors, learnings: learnings.length, deletedBrand: true });
      continue;
    }
    const days = byBrand.get(brandId) ?? policies.tenant?.retentionDays ?? null;
    if (days === null) continue;
    const cutoff = new Date(now.getTime() - days * DAY_MS);
    const res = await purger.deleteOlderThan(tenantId, cutoff, brandId);
    const learnings = await em.execute<Array<{ id: string }>>(
      'delete from learning where tenant_id = ? and brand_id = ? and created_at < ?::timestamptz returning id', [tenantId, brandId, cutoff.toISOString()],
    );
    out.push({ brandId, retentionDays: days, cutoff: cutoff.toISOString(), chunks: res.chunks, vectors: res.vectors, learnings: learnings.length, deletedBrand: false });
  }
  const totals = out.reduce((t, b) => ({ chunks: t.chunks + b.chunks, vectors: t.vectors + b.vectors, learnings: t.learnings + b.learnings }), { chunks: 0, vectors: 0, learnings: 0 });
  const result: RetentionResult = { tenantId, appliedAt: now.toISOString(), brands: out, totals };
  if (opts.auditAlways || totals.chunks + totals.vectors + totals.learnings > 0) {
    const scope = createScope(orm, tenantId, opts.actor, opts.requestId);
    recordAudit(scope, {
      action: 'knowledge.retention_apply', targetType: 'tenant', targetId: tenantId,
      details: { appliedAt: result.appliedAt, totals, brands: out.filter((b) => b.chunks + b.vectors + b.learnings > 0) },
    });
    await scope.em.flush();
  }
  return result;
}

/** The tenants retention has work for: a retention set at some level, or knowledge left by a deleted brand. */
export async function tenantsWithRetentionWork(orm: Orm): Promise<string[]> {
  const rows = await orm.em.fork().execute<Array<{ tenant_id: string }>>(
    // From the (few) deleted brands to their chunks by the (tenant_id, brand_id, …) index, not a scan of every chunk.
    `select tenant_id from knowledge_policy where retention_days is not null
     union
     select b.tenant_id from brand b
      where b.deleted_at is not null
        and exists (select 1 from knowledge_chunk k where k.tenant_id = b.tenant_id and k.brand_id = b.id)`,
  );
  return rows.map((r) => r.tenant_id);
}

/**
 * A purger for a process without a knowledge layer (no vector store to reach): it removes chunk
 * rows only and reports no vectors. Retrieval never returns a vector without its row.
 */
export function rowsOnlyPurger(orm: Orm): KnowledgePurger {
  return {
    deleteBrand: async (tenantId, brandId) => ({ chunks: (await deleteChunkRows(orm, tenantId, { brandId })).length, vectors: 0 }),
    deleteOlderThan: async (tenantId, before, brandId) => ({ chunks: (await deleteChunkRows(orm, tenantId, { before, brandId })).length, vectors: 0 }),
  };
}
