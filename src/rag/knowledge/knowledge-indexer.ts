import { isUuid } from '../../domain/ids.js';
import type { Logger } from '../../observability/logger.js';
import type { Orm } from '../../persistence/orm.js';
import { tenantEm } from '../../persistence/scope.js';
import { chunkDocument, contentHash, type Chunk } from '../chunking/chunker.js';
import { embedderLabel, type Embedder } from '../embeddings/embedder.port.js';
import { CHUNK_SOURCES, type ChunkSource, type VectorRecord, type VectorStore } from '../vector-store/vector-store.port.js';
import { chunkId } from './chunk-id.js';
import { deleteChunkRows } from './chunk-rows.js';
import { knowledgeStats, type KnowledgeStats } from './knowledge-stats.js';

/** A document to index: its text, where it came from, and the metadata retrieval filters and boosts on. */
export interface IndexDocument {
  tenantId: string;
  brandId: string;
  campaignId: string | null;
  taskType: string | null;
  stage: string | null;
  source: ChunkSource;
  /** What the document is, stably: `artifact:<id>:v<n>`, `brand:<id>:v<n>`, `feedback:<runId>:<seq>`… */
  sourceKey: string;
  sourceVersion: number;
  runId: string | null;
  learningId: string | null;
  /** 0..1. */
  qualityScore: number;
  /** A rejected draft kept as a negative example. */
  negative: boolean;
  format: 'markdown' | 'text' | 'json';
  text: string;
}

/** What {@link KnowledgeIndexer.index} did: every chunk id of the document, how many rows it created, the embedding cost. */
export interface IndexResult {
  chunkIds: string[];
  created: number;
  costUsd: number;
}

/** What a deletion removed: chunk rows and vectors. */
export interface DeleteResult {
  chunks: number;
  vectors: number;
}

/** Options of {@link KnowledgeIndexer}. */
export interface KnowledgeIndexerOptions {
  orm: Orm;
  embedder: Embedder;
  store: VectorStore;
  logger?: Logger;
  /** Texts per embedding call and vectors per upsert. Default 64. */
  batchSize?: number;
  /** Chunk size bounds (the chunker's defaults otherwise). */
  chunking?: { maxChars?: number; overlapChars?: number };
}

interface ExistingRow {
  id: string;
  chunk_index: number;
  brand_id: string;
  campaign_id: string | null;
  task_type: string | null;
  stage: string | null;
  source: string;
  source_version: number;
  run_id: string | null;
  learning_id: string | null;
  quality_score: number;
  negative: boolean;
  heading: string | null;
  content_hash: string;
  embedder: string;
  created_at: Date | string;
}

/** A chunk row to write, as it travels through `jsonb_to_recordset`. */
interface ChunkRow {
  id: string;
  tenant_id: string;
  brand_id: string;
  campaign_id: string | null;
  task_type: string | null;
  stage: string | null;
  source: string;
  source_key: string;
  source_version: number;
  run_id: string | null;
  learning_id: string | null;
  quality_score: number;
  negative: boolean;
  chunk_index: number;
  heading: string | null;
  text: string;
  content_hash: string;
  embedder: string;
  created_at: string;
}

const ROW_COLUMNS = `id uuid, tenant_id uuid, brand_id uuid, campaign_id uuid, task_type text, stage text, source text, source_key text,
  source_version int, run_id uuid, learning_id uuid, quality_score float8, negative boolean, chunk_index int, heading text, text text,
  content_hash text, embedder text, created_at timestamptz`;
const ROW_NAMES = `id, tenant_id, brand_id, campaign_id, task_type, stage, source, source_key, source_version, run_id, learning_id,
  quality_score, negative, chunk_index, heading, text, content_hash, embedder, created_at`;

function assertValid(doc: IndexDocument): void {
  const problems: string[] = [];
  for (const f of ['tenantId', 'brandId'] as const) if (!isUuid(doc[f])) problems.push(`${f} must be a uuid`);
  for (const f of ['campaignId', 'runId', 'learningId'] as const) {
    const v = doc[f];
    if (v !== null && !isUuid(v)) problems.push(`${f} must be a uuid or null`);
  }
  if (!CHUNK_SOURCES.includes(doc.source)) problems.push(`source must be one of ${CHUNK_SOURCES.join(', ')}`);
  if (typeof doc.sourceKey !== 'string' || doc.sourceKey.trim() === '' || doc.sourceKey.length > 500) problems.push('sourceKey must be 1..500 characters');
  if (!Number.isInteger(doc.sourceVersion) || doc.sourceVersion < 0) problems.push('sourceVersion must be a non-negative integer');
  if (!(doc.qualityScore >= 0 && doc.qualityScore <= 1)) problems.push('qualityScore must be within 0..1');
  if (typeof doc.text !== 'string') problems.push('text must be a string');
  if (problems.length > 0) throw new RangeError(`KnowledgeIndexer.index: ${problems.join('; ')}`);
}

/** The text that is embedded: the heading path gives a chunk the context of its section. */
function embeddingText(chunk: Chunk): string {
  return chunk.heading ? `${chunk.heading}\n\n${chunk.text}` : chunk.text;
}

/**
 * Writes knowledge: chunks a document, embeds the chunks, writes their vectors to the vector store
 * and their text and provenance to `knowledge_chunk`, and deletes knowledge (by source, brand or
 * age). Every statement is scoped to one tenant.
 *
 * Ordering is what keeps the two stores consistent without a distributed transaction:
 * - index: vectors first, then rows in one transaction. Retrieval only returns hits that have a row,
 *   so a crash in between surfaces nothing, and re-running the indexing repairs it (chunk ids are
 *   derived from tenant + source key + position, see {@link chunkId}).
 * - delete: rows first, then vectors; a crash in between leaves vectors without rows, which retrieval
 *   drops, and the next deletion of the same scope removes.
 *
 * Re-indexing the same source with the same text creates nothing and embeds nothing. A changed chunk
 * (text, heading, metadata or embedder) is re-embedded and its row updated; chunks beyond the new
 * chunk count are deleted, so a source's chunks always match its latest text.
 */
export class KnowledgeIndexer {
  private readonly batchSize: number;

  constructor(private readonly opts: KnowledgeIndexerOptions) {
    this.batchSize = opts.batchSize ?? 64;
  }

  /** `<embedder name>/<model>`, stored on every row: a change of embedder re-embeds on the next indexing. */
  get embedderLabel(): string {
    return embedderLabel(this.opts.embedder);
  }

  /** Indexes one document; idempotent per (tenant, sourceKey). */
  async index(doc: IndexDocument, signal?: AbortSignal): Promise<IndexResult> {
    assertValid(doc);
    const chunks = chunkDocument(doc.text, { format: doc.format, ...this.opts.chunking });
    const em = tenantEm(this.opts.orm, doc.tenantId);
    const existing = await em.execute<ExistingRow[]>(
      `select id, chunk_index, brand_id, campaign_id, task_type, stage, source, source_version, run_id, learning_id, quality_score,
              negative, heading, content_hash, embedder, created_at
         from knowledge_chunk where tenant_id = ? and source_key = ?`,
      [doc.tenantId, doc.sourceKey],
    );
    const byIndex = new Map(existing.map((r) => [r.chunk_index, r]));
    const now = new Date();
    const label = this.embedderLabel;

    const rows: ChunkRow[] = chunks.map((c) => ({
      id: chunkId(doc.tenantId, doc.sourceKey, c.index), tenant_id: doc.tenantId, brand_id: doc.brandId, campaign_id: doc.campaignId,
      task_type: doc.taskType, stage: doc.stage, source: doc.source, source_key: doc.sourceKey, source_version: doc.sourceVersion,
      run_id: doc.runId, learning_id: doc.learningId, quality_score: doc.qualityScore, negative: doc.negative, chunk_index: c.index,
      heading: c.heading, text: c.text, content_hash: contentHash(c.text), embedder: label,
      created_at: toIso(byIndex.get(c.index)?.created_at ?? now),
    }));
    const fresh: number[] = [];
    const changed: number[] = [];
    rows.forEach((row, i) => {
      const old = byIndex.get(row.chunk_index);
      if (!old) fresh.push(i);
      else if (!sameRow(old, row)) changed.push(i);
    });
    const staleRows = existing.filter((r) => r.chunk_index >= chunks.length);
    const stale = staleRows.map((r) => r.id);
    const chunkIds = rows.map((r) => r.id);
    if (fresh.length === 0 && changed.length === 0 && stale.length === 0) return { chunkIds, created: 0, costUsd: 0 };

    const toEmbed = [...fresh, ...changed];
    let costUsd = 0;
    for (let at = 0; at < toEmbed.length; at += this.batchSize) {
      const batch = toEmbed.slice(at, at + this.batchSize);
      const res = await this.opts.embedder.embed(batch.map((i) => embeddingText(chunks[i] as Chunk)), signal);
      if (res.vectors.length !== batch.length) throw new Error(`embedder ${label} returned ${res.vectors.length} vectors for ${batch.length} texts`);
      costUsd += res.costUsd;
      const records: VectorRecord[] = batch.map((i, n) => {
        const row = rows[i] as ChunkRow;
        return {
          id: row.id, vector: res.vectors[n] as Float32Array,
          metadata: {
            tenantId: doc.tenantId, brandId: doc.brandId, campaignId: doc.campaignId, taskType: doc.taskType, stage: doc.stage,
            qualityScore: doc.qualityScore, source: doc.source, sourceVersion: doc.sourceVersion, negative: doc.negative,
            createdAt: Date.parse(row.created_at),
          },
        };
      });
      await this.opts.store.upsert(records);
    }

    let created = 0;
    await em.transactional(async (tem) => {
      if (fresh.length > 0) {
        const inserted = await tem.execute<Array<{ id: string }>>(
          `insert into knowledge_chunk (${ROW_NAMES})
           select ${ROW_NAMES} from jsonb_to_recordset(?::jsonb) as x(${ROW_COLUMNS})
           on conflict (tenant_id, source_key, chunk_index) do nothing returning id`,
          [JSON.stringify(fresh.map((i) => rows[i]))],
        );
        created = inserted.length;
      }
      if (changed.length > 0) {
        await tem.execute(
          `update knowledge_chunk k set brand_id = x.brand_id, campaign_id = x.campaign_id, task_type = x.task_type, stage = x.stage,
                  source = x.source, source_version = x.source_version, run_id = x.run_id, learning_id = x.learning_id,
                  quality_score = x.quality_score, negative = x.negative, heading = x.heading, text = x.text,
                  content_hash = x.content_hash, embedder = x.embedder
             from jsonb_to_recordset(?::jsonb) as x(${ROW_COLUMNS})
            where k.tenant_id = x.tenant_id and k.id = x.id`,
          [JSON.stringify(changed.map((i) => rows[i]))],
        );
      }
      if (stale.length > 0) {
        await tem.execute(`delete from knowledge_chunk where tenant_id = ? and id in (select value::uuid from jsonb_array_elements_text(?::jsonb))`, [
          doc.tenantId, JSON.stringify(stale),
        ]);
      }
    });
    // Vectors live in their brand's partition: the stale ones where their rows said, and a chunk that
    // moved to another brand (re-upserted above under the new one) leaves its old brand too.
    const oldVectors = [...staleRows, ...changed.map((i) => byIndex.get((rows[i] as ChunkRow).chunk_index) as ExistingRow).filter((r) => r.brand_id !== doc.brandId)];
    for (const [brandId, ids] of groupIdsByBrand(oldVectors)) await this.opts.store.deleteByIds(doc.tenantId, ids, brandId);
    this.opts.logger?.debug({ tenantId: doc.tenantId, sourceKey: doc.sourceKey, chunks: rows.length, created, updated: changed.length, removed: stale.length, costUsd }, 'knowledge indexed');
    return { chunkIds, created, costUsd };
  }

  /** Deletes every chunk of these sources (rows, then vectors). */
  async deleteBySourceKeys(tenantId: string, keys: string[]): Promise<DeleteResult> {
    if (keys.length === 0) return { chunks: 0, vectors: 0 };
    const deleted = await deleteChunkRows(this.opts.orm, tenantId, { sourceKeys: keys });
    let vectors = 0;
    for (const [brandId, ids] of groupIdsByBrand(deleted)) vectors += await this.opts.store.deleteByIds(tenantId, ids, brandId);
    return { chunks: deleted.length, vectors };
  }

  /** Deletes every chunk of a brand (rows, then every vector of the brand, orphans included). */
  async deleteBrand(tenantId: string, brandId: string): Promise<DeleteResult> {
    const ids = await deleteChunkRows(this.opts.orm, tenantId, { brandId });
    const vectors = await this.opts.store.deleteBrand(tenantId, brandId);
    return { chunks: ids.length, vectors };
  }

  /** Deletes the tenant's chunks created before `before` (retention), optionally of one brand only. */
  async deleteOlderThan(tenantId: string, before: Date, brandId?: string): Promise<DeleteResult> {
    const ids = await deleteChunkRows(this.opts.orm, tenantId, { before, brandId });
    const vectors = await this.opts.store.deleteOlderThan(tenantId, before.getTime(), brandId);
    return { chunks: ids.length, vectors };
  }

  /** Chunks per brand and source, and learnings indexed or not, for the tenant (or one brand). */
  stats(tenantId: string, brandId?: string): Promise<KnowledgeStats> {
    return knowledgeStats(tenantEm(this.opts.orm, tenantId), tenantId, brandId);
  }
}

function groupIdsByBrand(rows: Array<{ id: string; brand_id: string }>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const r of rows) out.set(r.brand_id, [...(out.get(r.brand_id) ?? []), r.id]);
  return out;
}

function toIso(d: Date | string): string {
  return (d instanceof Date ? d : new Date(d)).toISOString();
}

function sameRow(old: ExistingRow, row: ChunkRow): boolean {
  return old.content_hash === row.content_hash && old.embedder === row.embedder && old.heading === row.heading
    && old.brand_id === row.brand_id && old.campaign_id === row.campaign_id && old.task_type === row.task_type && old.stage === row.stage
    && old.source === row.source && Number(old.source_version) === row.source_version && old.run_id === row.run_id
    && old.learning_id === row.learning_id && Number(old.quality_score) === row.quality_score && old.negative === row.negative;
}
