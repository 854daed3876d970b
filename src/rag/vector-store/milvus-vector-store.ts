/**
 * The Milvus (or Zilliz Cloud) adapter of the vector store port, used when `MILVUS_ADDRESS` is set.
 *
 * One collection (default `vmp_knowledge`) holds every tenant. `tenant_id` is the collection's
 * partition key, so Milvus routes each tenant to its own partition and a filter that pins the tenant
 * searches only that partition; brand and the rest of the chunk metadata are scalar fields. Every
 * search, delete and count is built here and starts with `tenant_id == "…"` (and, for searches,
 * `&& brand_id == "…"`); values are checked against `[A-Za-z0-9_.:-]` and quoted (milvus-schema.ts).
 *
 * Boosts: Milvus cannot add a per-row boost inside a search, so the adapter asks for
 * `min(k * 4 + 20, 16384)` candidates by similarity, adds the boosts, re-sorts (score, then id) and
 * cuts to k. The boost is exact over those candidates: a chunk ranked below the candidate cut by
 * similarity is not seen, however large its boost.
 *
 * Vectors are L2-normalised here on both sides, so the inner product is the cosine. Reads and deletes
 * use Strong consistency, so what `upsert` wrote is searchable when it resolves.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ConsistencyLevelEnum, LoadState, MilvusClient, type RowData } from '@zilliz/milvus2-sdk-node';
import { isErrorStatus, mapMilvusError, MilvusStoreError, MilvusTimeout, statusError, type MilvusStatus } from './milvus-errors.js';
import { brandExpr, collectionFields, F, idsExpr, metadataToRow, olderThanExpr, OUTPUT_FIELDS, rowToMetadata, searchExpr, tenantExpr, checkIdentifier } from './milvus-schema.js';
import { boostOf, candidateCount, MAX_K, unitVector } from './milvus-search.js';
import type { VectorHit, VectorQuery, VectorRecord, VectorStore, VectorStoreStats } from './vector-store.port.js';

/** Options of {@link MilvusVectorStore}. */
export interface MilvusVectorStoreOptions {
  /** `host:port` (or an `https://` endpoint for Zilliz Cloud). */
  address: string;
  /** An API key / `user:password` token (Zilliz Cloud, or Milvus with auth). */
  token?: string;
  username?: string;
  password?: string;
  /** Default `vmp_knowledge`. */
  collection?: string;
  /** The embedding dimension; an existing collection must have the same. */
  dimension: number;
  /** Deadline of each Milvus call, default 10 000 ms. */
  timeoutMs?: number;
}

/** Rows per upsert request (keeps each gRPC message well under the 64 MiB default). */
const UPSERT_BATCH = 500;
/** How long init waits at least for a collection to load (large collections take a while). */
const LOAD_WAIT_MS = 60_000;
/** HNSW build parameters; the search's `ef` follows the candidate count. */
const INDEX = { index_type: 'HNSW', metric_type: 'IP', params: { M: 16, efConstruction: 200 } } as const;

/** The vector store on Milvus. Call `init()` first (other calls run it if needed). */
export class MilvusVectorStore implements VectorStore {
  readonly kind = 'milvus' as const;
  readonly dimension: number;
  readonly collection: string;
  private readonly address: string;
  private readonly timeoutMs: number;
  private readonly client: MilvusClient;
  private initialising: Promise<void> | undefined;
  private connected = false;
  private closed = false;

  constructor(options: MilvusVectorStoreOptions) {
    if (!Number.isInteger(options.dimension) || options.dimension < 1 || options.dimension > 32768) {
      throw new Error(`MilvusVectorStore: dimension must be an integer in 1..32768, got ${options.dimension}`);
    }
    const collection = options.collection ?? 'vmp_knowledge';
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,254}$/.test(collection)) {
      throw new Error(`MilvusVectorStore: collection name must start with a letter or _ and contain only letters, digits and _, got ${JSON.stringify(collection)}`);
    }
    const timeoutMs = options.timeoutMs ?? 10_000;
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new Error(`MilvusVectorStore: timeoutMs must be > 0, got ${timeoutMs}`);
    if (!options.address) throw new Error('MilvusVectorStore: address is required');
    this.dimension = options.dimension;
    this.collection = collection;
    this.address = options.address;
    this.timeoutMs = timeoutMs;
    // No connection in the constructor: the SDK's own connect would reject unobserved when Milvus
    // is down. init() connects and reports it.
    this.client = new MilvusClient({
      address: options.address,
      token: options.token,
      username: options.username,
      password: options.password,
      timeout: timeoutMs,
      telemetry: { enabled: false },
      logLevel: 'error',
      __SKIP_CONNECT__: true,
    });
  }

  /** Connects, creates the collection (schema, HNSW/IP index) if missing, checks its dimension, loads it. */
  init(): Promise<void> {
    if (this.closed) return Promise.reject(new Error(`MilvusVectorStore (${this.address}, collection "${this.collection}") is closed`));
    this.initialising ??= this.doInit().catch((err: unknown) => {
      this.initialising = undefined; // a later call may try again (Milvus may come up)
      throw err;
    });
    return this.initialising;
  }

  private async doInit(): Promise<void> {
    if (!this.connected) {
      this.client.connect(MilvusClient.sdkInfo.version);
      await this.call('connect', () => this.client.connectPromise);
      this.connected = true;
    }
    const has = await this.call('init', () => this.client.hasCollection({ collection_name: this.collection }));
    this.check('init', has.status);
    if (!has.value) {
      const created = await this.call('init', () => this.client.createCollection({
        collection_name: this.collection,
        fields: collectionFields(this.dimension),
        consistency_level: 'Strong',
        description: 'VM Platform knowledge chunks (vectors and metadata; text lives in Postgres)',
      }));
      this.check('init', created);
    } else {
      await this.checkExistingSchema();
    }
    const indexes = await this.call('init', () => this.client.describeIndex({ collection_name: this.collection, field_name: F.vector }));
    if (isErrorStatus(indexes.status)) {
      const made = await this.call('init', () => this.client.createIndex({ collection_name: this.collection, field_name: F.vector, ...INDEX }));
      this.check('init', made);
    }
    await this.ensureLoaded();
  }

  /** Loads the collection unless it is loaded, and waits (bounded) until Milvus says it is. */
  private async ensureLoaded(): Promise<void> {
    const state = async (): Promise<LoadState> => {
      const res = await this.call('init', () => this.client.getLoadState({ collection_name: this.collection }));
      this.check('init', res.status);
      return res.state;
    };
    if ((await state()) === LoadState.LoadStateLoaded) return;
    const load = await this.call('init', () => this.client.loadCollectionAsync({ collection_name: this.collection }));
    this.check('init', load);
    const limitMs = Math.max(LOAD_WAIT_MS, this.timeoutMs * 6);
    const deadline = Date.now() + limitMs;
    for (let pause = 25; ; pause = Math.min(pause * 2, 1000)) {
      if ((await state()) === LoadState.LoadStateLoaded) return;
      if (Date.now() > deadline) throw new MilvusStoreError(`Milvus collection "${this.collection}" did not finish loading within ${limitMs / 1000} s`, 'init', undefined);
      await sleep(pause);
    }
  }

  private async checkExistingSchema(): Promise<void> {
    const info = await this.call('init', () => this.client.describeCollection({ collection_name: this.collection }));
    this.check('init', info.status);
    const fields = info.schema.fields;
    const vector = fields.find((f) => f.name === F.vector);
    const dim = Number(vector?.type_params?.find((p) => p.key === 'dim')?.value);
    if (vector && dim !== this.dimension) {
      throw new MilvusStoreError(
        `Milvus collection "${this.collection}" holds vectors of dimension ${dim}, but this store is configured for dimension ${this.dimension}: use another collection or re-embed into a new one`,
        'init', undefined,
      );
    }
    const expected = collectionFields(this.dimension).map((f) => f.name);
    const missing = expected.filter((name) => !fields.some((f) => f.name === name));
    if (missing.length) {
      throw new MilvusStoreError(`Milvus collection "${this.collection}" exists but is not a knowledge collection: it lacks the fields ${missing.join(', ')}`, 'init', undefined);
    }
    if (!fields.find((f) => f.name === F.tenantId)?.is_partition_key) {
      throw new MilvusStoreError(`Milvus collection "${this.collection}" exists but ${F.tenantId} is not its partition key`, 'init', undefined);
    }
  }

  async upsert(records: VectorRecord[]): Promise<void> {
    if (records.length === 0) return;
    const byId = new Map<string, RowData>(); // the last record of an id wins
    for (const r of records) {
      byId.set(r.id, { ...metadataToRow(r.id, r.metadata), [F.vector]: unitVector(r.vector, this.dimension, `upsert: vector of ${r.id}`) });
    }
    await this.init();
    const rows = [...byId.values()];
    for (let i = 0; i < rows.length; i += UPSERT_BATCH) {
      const batch = rows.slice(i, i + UPSERT_BATCH);
      const res = await this.call('upsert', () => this.client.upsert({ collection_name: this.collection, data: batch }));
      this.check('upsert', res.status);
    }
  }

  async search(query: VectorQuery): Promise<VectorHit[]> {
    const { k, boosts } = query;
    if (!Number.isInteger(k) || k < 1 || k > MAX_K) throw new Error(`MilvusVectorStore.search: k must be an integer in 1..${MAX_K}, got ${k}`);
    const vector = unitVector(query.vector, this.dimension, 'search: query vector');
    const filter = searchExpr(query.tenantId, query.brandId, query.filter); // validates before any call
    for (const id of [boosts?.campaign?.id, boosts?.taskType?.value, ...(boosts?.similarCampaigns?.ids ?? [])]) {
      if (id !== undefined) checkIdentifier('boost value', id, 128);
    }
    for (const w of [boosts?.campaign?.weight, boosts?.taskType?.weight, boosts?.similarCampaigns?.weight]) {
      if (w !== undefined && !Number.isFinite(w)) throw new Error(`MilvusVectorStore.search: boost weights must be finite numbers, got ${w}`);
    }
    await this.init();
    const limit = candidateCount(k);
    const res = await this.call('search', () => this.client.search({
      collection_name: this.collection,
      anns_field: F.vector,
      data: vector,
      filter,
      limit,
      metric_type: INDEX.metric_type,
      params: { ef: Math.max(limit, 64) },
      output_fields: OUTPUT_FIELDS,
      consistency_level: ConsistencyLevelEnum.Strong,
    }));
    this.check('search', res.status);
    const hits = (res.results as Array<Record<string, unknown>>).map((row): VectorHit => {
      const metadata = rowToMetadata(row);
      const similarity = Number(row.score);
      const boost = boostOf(boosts, metadata.campaignId, metadata.taskType);
      return { id: String(row[F.id] ?? row.id), score: similarity + boost, similarity, boost, metadata };
    });
    // Defence in depth: the filter already pins tenant and brand.
    const isolated = hits.filter((h) => h.metadata.tenantId === query.tenantId && h.metadata.brandId === query.brandId);
    isolated.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return isolated.slice(0, k);
  }

  async deleteByIds(tenantId: string, ids: string[], brandId?: string): Promise<number> {
    if (ids.length === 0) {
      checkIdentifier('tenantId', tenantId);
      if (brandId !== undefined) checkIdentifier('brandId', brandId);
      return 0;
    }
    return this.deleteWhere('deleteByIds', idsExpr(tenantId, [...new Set(ids)], brandId));
  }

  async deleteBrand(tenantId: string, brandId: string): Promise<number> {
    return this.deleteWhere('deleteBrand', brandExpr(tenantId, brandId));
  }

  async deleteOlderThan(tenantId: string, before: number, brandId?: string): Promise<number> {
    return this.deleteWhere('deleteOlderThan', olderThanExpr(tenantId, before, brandId));
  }

  /** Deletes what the expression selects; Milvus resolves a non-key expression to the rows it matches and counts them. */
  private async deleteWhere(operation: string, filter: string): Promise<number> {
    await this.init();
    const res = await this.call(operation, () => this.client.delete({ collection_name: this.collection, filter, consistency_level: 'Strong' }));
    this.check(operation, res.status);
    return Number(res.delete_cnt);
  }

  async stats(tenantId?: string): Promise<VectorStoreStats> {
    const filter = tenantId === undefined ? '' : tenantExpr(tenantId);
    await this.init();
    const res = await this.call('stats', () => this.client.query({
      collection_name: this.collection,
      filter,
      output_fields: ['count(*)'],
      consistency_level: ConsistencyLevelEnum.Strong,
    }));
    this.check('stats', res.status);
    const count = Number(res.data[0]?.['count(*)']);
    if (!Number.isFinite(count)) throw new MilvusStoreError(`Milvus stats on collection "${this.collection}": the count(*) reply had no count`, 'stats', undefined);
    return { vectors: count, dimension: this.dimension };
  }

  /** Closes the connection pool (the collection stays loaded for other clients). */
  async close(): Promise<void> {
    this.closed = true;
    this.initialising = undefined;
    await this.client.closeConnection();
  }

  private check(operation: string, status: MilvusStatus | undefined): void {
    if (isErrorStatus(status)) throw statusError(operation, this.collection, status!);
  }

  /** Runs one SDK call under a guard slightly longer than its deadline, mapping what it throws. */
  private async call<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const guard = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new MilvusTimeout(`${operation} did not settle`)), this.timeoutMs + 1000);
    });
    try {
      return await Promise.race([fn(), guard]);
    } catch (err) {
      throw mapMilvusError(err, { operation, collection: this.collection, address: this.address, timeoutMs: this.timeoutMs });
    } finally {
      clearTimeout(timer);
    }
  }
}
