import type { RetrievalFilter } from './retrieval-types.js';

/** A SQL condition over `knowledge_chunk` with its `?` bindings (knex style). */
export interface SqlCondition {
  sql: string;
  params: unknown[];
}

/**
 * The WHERE condition every retrieval query on `knowledge_chunk` uses: tenant AND brand always,
 * positives or negatives (never both), then the optional filters. Lists travel as one JSON
 * parameter each, so the statement's shape does not depend on their length.
 */
export function chunkCondition(tenantId: string, brandId: string, negative: boolean, filter: RetrievalFilter = {}, alias = ''): SqlCondition {
  const c = (col: string) => (alias ? `${alias}.${col}` : col);
  const parts = [`${c('tenant_id')} = ?`, `${c('brand_id')} = ?`, `${c('negative')} = ?`];
  const params: unknown[] = [tenantId, brandId, negative];
  const inList = (col: string, values: string[] | undefined) => {
    if (values === undefined) return;
    parts.push(`${c(col)}::text in (select jsonb_array_elements_text(?::jsonb))`);
    params.push(JSON.stringify(values));
  };
  inList('campaign_id', filter.campaignIds);
  inList('task_type', filter.taskTypes);
  inList('stage', filter.stages);
  inList('source', filter.sources);
  if (filter.minQualityScore !== undefined) {
    parts.push(`${c('quality_score')} >= ?`);
    params.push(filter.minQualityScore);
  }
  if (filter.createdAfter !== undefined) {
    parts.push(`${c('created_at')} > ?::timestamptz`);
    params.push(filter.createdAfter.toISOString());
  }
  if (filter.createdBefore !== undefined) {
    parts.push(`${c('created_at')} < ?::timestamptz`);
    params.push(filter.createdBefore.toISOString());
  }
  return { sql: parts.join(' and '), params };
}
