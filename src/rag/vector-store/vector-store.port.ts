/**
 * The vector store port. Adapters: the embedded store (default; exact search per tenant+brand
 * partition, persisted under `$DATA_DIR/vectors`) and Milvus (`MILVUS_ADDRESS`). The store keeps the
 * vectors and the chunk metadata needed to filter and boost; the chunk text and provenance of record
 * live in Postgres (`knowledge_chunk`), keyed by the same chunk id.
 *
 * Isolation is part of the contract: every search names a tenant AND a brand, and an adapter must
 * never return a vector of another tenant or brand, whatever the other filters say.
 */

/** Where a chunk came from. */
export type ChunkSource = 'artifact' | 'brand_rules' | 'feedback' | 'campaign_history';

/** All sources, for validation. */
export const CHUNK_SOURCES: readonly ChunkSource[] = ['artifact', 'brand_rules', 'feedback', 'campaign_history'];

/** A chunk's hierarchical metadata (what retrieval filters and boosts on). */
export interface ChunkMetadata {
  tenantId: string;
  brandId: string;
  /** Null for brand-level knowledge (rules, voice). */
  campaignId: string | null;
  /** The deliverable / task type (`social_post`, `email`…); null when not tied to one. */
  taskType: string | null;
  /** The stage that produced it (`copy`, `edit`…); null when not from a run. */
  stage: string | null;
  /** 0..1; 1 for curated sources (brand rules). */
  qualityScore: number;
  source: ChunkSource;
  /** The version of the source (artifact version, brand version…). */
  sourceVersion: number;
  /** A rejected draft kept as a negative example: never returned unless asked for explicitly. */
  negative: boolean;
  /** Epoch ms. */
  createdAt: number;
}

/** A vector with its id and metadata, as written to the store. */
export interface VectorRecord {
  /** The chunk id (uuid v7), the same as `knowledge_chunk.id`. */
  id: string;
  vector: Float32Array;
  metadata: ChunkMetadata;
}

/** Optional narrowing filters; tenant and brand are mandatory and separate (see VectorQuery). */
export interface VectorFilter {
  campaignIds?: string[];
  taskTypes?: string[];
  stages?: string[];
  sources?: ChunkSource[];
  minQualityScore?: number;
  /** false (default): positives only; true: negatives only. There is no "both". */
  negative?: boolean;
  createdAfter?: number;
  createdBefore?: number;
}

/** Additive boosts applied to the similarity before ranking (exactly, inside the store). */
export interface VectorBoosts {
  /** Added when the chunk's campaign is this one. */
  campaign?: { id: string; weight: number };
  /** Added when the chunk's task type is this one. */
  taskType?: { value: string; weight: number };
  /** Added when the chunk's campaign is one of these (similar campaigns). */
  similarCampaigns?: { ids: string[]; weight: number };
}

/** A search. Vectors are expected L2-normalised; similarity is the inner product (cosine). */
export interface VectorQuery {
  tenantId: string;
  brandId: string;
  vector: Float32Array;
  k: number;
  filter?: VectorFilter;
  boosts?: VectorBoosts;
}

/** A hit: `similarity` is the raw cosine, `boost` what the boosts added, `score` their sum. */
export interface VectorHit {
  id: string;
  score: number;
  similarity: number;
  boost: number;
  metadata: ChunkMetadata;
}

/** Counts, for stats and tests. */
export interface VectorStoreStats {
  vectors: number;
  dimension: number;
}

/** A vector store adapter. */
export interface VectorStore {
  readonly kind: 'embedded' | 'milvus';
  readonly dimension: number;
  /** Loads or creates what the store needs (files, collection). Idempotent. */
  init(): Promise<void>;
  /** Inserts or replaces (by id) records. Durable when the promise resolves. */
  upsert(records: VectorRecord[]): Promise<void>;
  /** Top-k by boosted score, highest first, ties by id; filters applied before ranking. */
  search(query: VectorQuery): Promise<VectorHit[]>;
  /**
   * Deletes by ids within a tenant, or only within one of its brands when `brandId` is given (the
   * caller knows where the vectors are: nothing else of the tenant is visited); returns how many were removed.
   */
  deleteByIds(tenantId: string, ids: string[], brandId?: string): Promise<number>;
  /** Deletes every vector of a brand (brand deletion). */
  deleteBrand(tenantId: string, brandId: string): Promise<number>;
  /** Deletes every vector of a tenant created before a time (retention), optionally one brand. */
  deleteOlderThan(tenantId: string, before: number, brandId?: string): Promise<number>;
  stats(tenantId?: string): Promise<VectorStoreStats>;
  close(): Promise<void>;
}
