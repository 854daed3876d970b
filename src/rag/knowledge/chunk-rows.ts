import type { Orm } from '../../persistence/orm.js';
import { tenantEm } from '../../persistence/scope.js';

/** Which of a tenant's chunk rows to delete: a brand's, those created before a time (optionally of one brand), or those of some sources. */
export type ChunkRowSelection =
  | { brandId: string }
  | { before: Date; brandId?: string | undefined }
  | { sourceKeys: string[] };

/**
 * Deletes a tenant's `knowledge_chunk` rows and returns their ids and brands (the vectors to delete next, and where they are).
 * The one place these statements live: the indexer deletes rows then vectors, a process without a
 * vector store deletes rows only.
 */
export function deleteChunkRows(orm: Orm, tenantId: string, selection: ChunkRowSelection): Promise<Array<{ id: string; brand_id: string }>> {
  const [cond, params] = 'sourceKeys' in selection
    ? ['source_key in (select jsonb_array_elements_text(?::jsonb))', [JSON.stringify(selection.sourceKeys)]]
    : 'before' in selection
      ? [`created_at < ?::timestamptz${selection.brandId ? ' and brand_id = ?' : ''}`, [selection.before.toISOString(), ...(selection.brandId ? [selection.brandId] : [])]]
      : ['brand_id = ?', [selection.brandId]];
  return tenantEm(orm, tenantId).execute<Array<{ id: string; brand_id: string }>>(
    `delete from knowledge_chunk where tenant_id = ? and ${cond} returning id, brand_id`,
    [tenantId, ...params],
  );
}
