import type { Orm } from '../../persistence/orm.js';
import { tenantEm } from '../../persistence/scope.js';

/**
 * Which versions of a brand's rules and voice are indexed. Only the newest one may stay searchable:
 * older versions can contradict the current rules (a term banned since, a tone changed), so indexing
 * version N supersedes the chunks of every version below N, and a run pinned to an older version
 * does not bring it back.
 */
export async function indexedBrandRulesVersions(orm: Orm, tenantId: string, brandId: string): Promise<Array<{ sourceKey: string; version: number }>> {
  const rows = await tenantEm(orm, tenantId).execute<Array<{ source_key: string; source_version: number }>>(
    `select distinct source_key, source_version from knowledge_chunk
      where tenant_id = ? and brand_id = ? and source = 'brand_rules' order by source_version`,
    [tenantId, brandId],
  );
  return rows.map((r) => ({ sourceKey: r.source_key, version: Number(r.source_version) }));
}
