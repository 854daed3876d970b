import { EntitySchema, type Ref } from '@mikro-orm/core';
import { tenantFilter } from './tenant-scope.js';
import { Tenant } from './tenant.entity.js';

/**
 * A chunk of knowledge of a brand: the text and provenance of record. Its vector lives in the vector
 * store under the same id (embedded store or Milvus). Deleting a chunk deletes its vector too (the
 * knowledge service does both). `sourceKey` + `chunkIndex` make re-indexing the same source version
 * create nothing twice.
 */
export class KnowledgeChunk {
  id!: string;
  tenant!: Ref<Tenant>;
  brandId!: string;
  campaignId?: string | null;
  taskType?: string | null;
  stage?: string | null;
  /** `artifact` | `brand_rules` | `feedback` | `campaign_history`. */
  source!: string;
  /** What the chunk was cut from: e.g. `artifact:<id>:v<n>`, `brand:<id>:v<n>`, `feedback:<runId>:<seq>`. */
  sourceKey!: string;
  sourceVersion!: number;
  runId?: string | null;
  /** The Learning record that indexed it (null for brand rules indexed outside a run). */
  learningId?: string | null;
  qualityScore!: number;
  /** A rejected draft kept as a negative example (retrievable only when asked for explicitly). */
  negative!: boolean;
  chunkIndex!: number;
  /** The heading path the chunk sits under (`Title > Section`), for citations. */
  heading?: string | null;
  text!: string;
  contentHash!: string;
  /** The embedder that produced the vector (`local/hash-ngram-384`…): a change of embedder re-indexes. */
  embedder!: string;
  createdAt!: Date;
}

export const KnowledgeChunkSchema = new EntitySchema<KnowledgeChunk>({
  class: KnowledgeChunk,
  tableName: 'knowledge_chunk',
  filters: tenantFilter,
  uniques: [{ properties: ['tenant', 'sourceKey', 'chunkIndex'] }],
  indexes: [
    { properties: ['tenant', 'brandId', 'source'] },
    { properties: ['tenant', 'runId'] },
    // Start-up looks for chunks of another embedder than the configured one: a range read, not a scan.
    { properties: ['embedder'] },
    { name: 'knowledge_chunk_text_fts', expression: `create index "knowledge_chunk_text_fts" on "knowledge_chunk" using gin (to_tsvector('english', "text"))` },
  ],
  properties: {
    id: { type: 'uuid', primary: true },
    tenant: { kind: 'm:1', entity: () => Tenant, ref: true, deleteRule: 'cascade' },
    brandId: { type: 'uuid' },
    campaignId: { type: 'uuid', nullable: true },
    taskType: { type: 'text', nullable: true },
    stage: { type: 'text', nullable: true },
    source: { type: 'text' },
    sourceKey: { type: 'text' },
    sourceVersion: { type: 'integer' },
    runId: { type: 'uuid', nullable: true },
    learningId: { type: 'uuid', nullable: true },
    qualityScore: { type: 'double' },
    negative: { type: 'boolean', default: false },
    chunkIndex: { type: 'integer' },
    heading: { type: 'text', nullable: true },
    text: { type: 'text' },
    contentHash: { type: 'text' },
    embedder: { type: 'text' },
    createdAt: { type: 'datetime', onCreate: () => new Date() },
  },
});

/**
 * What the learning pipeline kept from an approved run: an approved artifact, a piece of explicit
 * feedback or a rejected draft, with the implicit signals (rework rounds, gate scores, edit distance
 * between first draft and approved version). `indexed` says whether it reached retrieval (only at or
 * above the quality threshold; negatives are indexed with `negative`). Unique per run and source key,
 * so re-processing an approval creates nothing twice.
 */
export class Learning {
  id!: string;
  tenant!: Ref<Tenant>;
  brandId!: string;
  campaignId?: string | null;
  taskId?: string | null;
  runId!: string;
  /** `approved_artifact` | `feedback` | `rejected_draft`. */
  kind!: string;
  sourceKey!: string;
  qualityScore!: number;
  /** The threshold that applied when it was processed (tenant policy, overridden per brand). */
  threshold!: number;
  indexed!: boolean;
  negative!: boolean;
  /** Why it was or was not indexed. */
  reason!: string;
  signals!: Record<string, unknown>;
  artifactId?: string | null;
  artifactVersion?: number | null;
  chunkCount!: number;
  createdAt!: Date;
}

export const LearningSchema = new EntitySchema<Learning>({
  class: Learning,
  tableName: 'learning',
  filters: tenantFilter,
  uniques: [{ properties: ['tenant', 'runId', 'sourceKey'] }],
  indexes: [{ properties: ['tenant', 'brandId'] }],
  properties: {
    id: { type: 'uuid', primary: true },
    tenant: { kind: 'm:1', entity: () => Tenant, ref: true, deleteRule: 'cascade' },
    brandId: { type: 'uuid' },
    campaignId: { type: 'uuid', nullable: true },
    taskId: { type: 'uuid', nullable: true },
    runId: { type: 'uuid' },
    kind: { type: 'text' },
    sourceKey: { type: 'text' },
    qualityScore: { type: 'double' },
    threshold: { type: 'double' },
    indexed: { type: 'boolean' },
    negative: { type: 'boolean', default: false },
    reason: { type: 'text' },
    signals: { type: 'json' },
    artifactId: { type: 'uuid', nullable: true },
    artifactVersion: { type: 'integer', nullable: true },
    chunkCount: { type: 'integer', default: 0 },
    createdAt: { type: 'datetime', onCreate: () => new Date() },
  },
});

/**
 * A tenant's knowledge policy (`brandId` null) or a brand's override of it: the minimum quality score
 * for a learning to be indexed, and how long knowledge is kept (null: forever).
 */
export class KnowledgePolicy {
  id!: string;
  tenant!: Ref<Tenant>;
  brandId?: string | null;
  minQualityScore?: number | null;
  retentionDays?: number | null;
  version!: number;
  updatedAt!: Date;
}

export const KnowledgePolicySchema = new EntitySchema<KnowledgePolicy>({
  class: KnowledgePolicy,
  tableName: 'knowledge_policy',
  filters: tenantFilter,
  indexes: [{ name: 'knowledge_policy_scope_unique', expression: `create unique index "knowledge_policy_scope_unique" on "knowledge_policy" ("tenant_id", coalesce("brand_id", '00000000-0000-0000-0000-000000000000'::uuid))` }],
  properties: {
    id: { type: 'uuid', primary: true },
    tenant: { kind: 'm:1', entity: () => Tenant, ref: true, deleteRule: 'cascade' },
    brandId: { type: 'uuid', nullable: true },
    minQualityScore: { type: 'double', nullable: true },
    retentionDays: { type: 'integer', nullable: true },
    version: { type: 'integer', default: 1 },
    updatedAt: { type: 'datetime', onCreate: () => new Date(), onUpdate: () => new Date() },
  },
});
