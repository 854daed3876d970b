import { uuidv7 } from '../../domain/ids.js';
import type { Orm } from '../../persistence/orm.js';
import { tenantEm } from '../../persistence/scope.js';
import type { LearningCandidate } from './learning-plan.js';

/** A `learning` row as the learn stage reads it back. */
export interface LearningRow {
  id: string;
  sourceKey: string;
  indexed: boolean;
  qualityScore: number;
  threshold: number;
  reason: string;
  negative: boolean;
  chunkCount: number;
  /** False when the row already existed (a repeated attempt or re-processing). */
  created: boolean;
}

/** Where a run's learning belongs. */
export interface LearningOwner {
  tenantId: string;
  brandId: string;
  campaignId: string;
  taskId: string;
  runId: string;
}

type Row = { id: string; source_key: string; indexed: boolean; quality_score: number; threshold: number; reason: string; negative: boolean; chunk_count: number };

const toRow = (r: Row, created: boolean): LearningRow => ({
  id: r.id, sourceKey: r.source_key, indexed: r.indexed, qualityScore: Number(r.quality_score), threshold: Number(r.threshold), reason: r.reason,
  negative: r.negative, chunkCount: Number(r.chunk_count), created,
});

/**
 * Writes the run's learning rows, or reads them back when they exist (unique per tenant, run and
 * source key): the first attempt's decision stands, so a repeated attempt or a re-processing of the
 * approval creates nothing twice and indexes exactly what the first decided.
 */
export async function upsertLearnings(orm: Orm, owner: LearningOwner, threshold: number, candidates: LearningCandidate[]): Promise<Map<string, LearningRow>> {
  const out = new Map<string, LearningRow>();
  if (candidates.length === 0) return out;
  const em = tenantEm(orm, owner.tenantId);
  const now = new Date().toISOString();
  const rows = candidates.map((c) => ({
    id: uuidv7(), tenant_id: owner.tenantId, brand_id: owner.brandId, campaign_id: owner.campaignId, task_id: owner.taskId, run_id: owner.runId,
    kind: c.kind, source_key: c.sourceKey, quality_score: c.qualityScore, threshold, indexed: c.index, negative: c.negative, reason: c.reason,
    signals: c.signals, artifact_id: c.artifactId, artifact_version: c.artifactVersion, chunk_count: 0, created_at: now,
  }));
  const inserted = await em.execute<Row[]>(
    `insert into learning (id, tenant_id, brand_id, campaign_id, task_id, run_id, kind, source_key, quality_score, threshold, indexed, negative,
                           reason, signals, artifact_id, artifact_version, chunk_count, created_at)
     select id, tenant_id, brand_id, campaign_id, task_id, run_id, kind, source_key, quality_score, threshold, indexed, negative,
            reason, signals, artifact_id, artifact_version, chunk_count, created_at
       from jsonb_to_recordset(?::jsonb) as x(id uuid, tenant_id uuid, brand_id uuid, campaign_id uuid, task_id uuid, run_id uuid, kind text,
            source_key text, quality_score float8, threshold float8, indexed boolean, negative boolean, reason text, signals jsonb,
            artifact_id uuid, artifact_version int, chunk_count int, created_at timestamptz)
     on conflict (tenant_id, run_id, source_key) do nothing
     returning id, source_key, indexed, quality_score, threshold, reason, negative, chunk_count`,
    [JSON.stringify(rows)],
  );
  for (const r of inserted) out.set(r.source_key, toRow(r, true));
  const missing = candidates.filter((c) => !out.has(c.sourceKey)).map((c) => c.sourceKey);
  if (missing.length > 0) {
    const existing = await em.execute<Row[]>(
      `select id, source_key, indexed, quality_score, threshold, reason, negative, chunk_count from learning
        where tenant_id = ? and run_id = ? and source_key in (select jsonb_array_elements_text(?::jsonb))`,
      [owner.tenantId, owner.runId, JSON.stringify(missing)],
    );
    for (const r of existing) out.set(r.source_key, toRow(r, false));
  }
  return out;
}

/** Records how many chunks a learning's indexing produced. */
export async function setChunkCount(orm: Orm, tenantId: string, learningId: string, count: number): Promise<void> {
  await tenantEm(orm, tenantId).execute('update learning set chunk_count = ? where tenant_id = ? and id = ? and chunk_count <> ?', [count, tenantId, learningId, count]);
}

/** Deletes a run's learning rows (the brand was deleted while the run was learning). */
export async function deleteRunLearnings(orm: Orm, tenantId: string, runId: string): Promise<number> {
  const rows = await tenantEm(orm, tenantId).execute<Array<{ id: string }>>('delete from learning where tenant_id = ? and run_id = ? returning id', [tenantId, runId]);
  return rows.length;
}
