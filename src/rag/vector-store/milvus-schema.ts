/**
 * The Milvus collection layout of the knowledge vectors and the filter expressions over it, for
 * {@link MilvusVectorStore}. One collection holds every tenant: `tenant_id` is the partition key
 * (Milvus hashes it to a partition and prunes the others when a filter pins it), brand and the rest
 * of the chunk metadata are scalar fields filtered in the same expression.
 */
import { DataType, type FieldType } from '@zilliz/milvus2-sdk-node';
import { CHUNK_SOURCES, type ChunkMetadata, type ChunkSource, type VectorFilter } from './vector-store.port.js';

/** Field names of the collection. */
export const F = {
  id: 'id',
  vector: 'vector',
  tenantId: 'tenant_id',
  brandId: 'brand_id',
  campaignId: 'campaign_id',
  taskType: 'task_type',
  stage: 'stage',
  source: 'source',
  qualityScore: 'quality_score',
  sourceVersion: 'source_version',
  negative: 'negative',
  createdAt: 'created_at',
} as const;

/** Longest id, tenant, brand, campaign, task type or stage the collection stores. */
export const ID_MAX_LENGTH = 64;
const LABEL_MAX_LENGTH = 128;

/** The scalar fields returned with every hit (everything but the vector). */
export const OUTPUT_FIELDS: string[] = Object.values(F).filter((f) => f !== F.vector);

/** The collection's fields; nullable metadata is stored as '' (ids can never be empty). */
export function collectionFields(dimension: number): FieldType[] {
  const varchar = (name: string, max: number, extra: Partial<FieldType> = {}): FieldType => ({ name, data_type: DataType.VarChar, max_length: max, ...extra });
  return [
    varchar(F.id, ID_MAX_LENGTH, { is_primary_key: true, autoID: false }),
    { name: F.vector, data_type: DataType.FloatVector, dim: dimension },
    varchar(F.tenantId, ID_MAX_LENGTH, { is_partition_key: true }),
    varchar(F.brandId, ID_MAX_LENGTH),
    varchar(F.campaignId, ID_MAX_LENGTH),
    varchar(F.taskType, LABEL_MAX_LENGTH),
    varchar(F.stage, LABEL_MAX_LENGTH),
    varchar(F.source, 32),
    { name: F.qualityScore, data_type: DataType.Float },
    { name: F.sourceVersion, data_type: DataType.Int64 },
    { name: F.negative, data_type: DataType.Bool },
    { name: F.createdAt, data_type: DataType.Int64 },
  ];
}

const SAFE_VALUE = /^[A-Za-z0-9_.:-]+$/;

/**
 * Checks a value that goes into a filter expression or an id field: non-empty, at most
 * {@link ID_MAX_LENGTH} characters of `[A-Za-z0-9_.:-]`. Anything else is refused here rather than
 * trusted to quoting.
 */
export function checkIdentifier(what: string, value: unknown, maxLength = ID_MAX_LENGTH): string {
  if (typeof value !== 'string' || !SAFE_VALUE.test(value) || value.length > maxLength) {
    throw new Error(`Milvus vector store: ${what} must be 1-${maxLength} characters of [A-Za-z0-9_.:-], got ${JSON.stringify(value)}`);
  }
  return value;
}

/** A Milvus string literal: double-quoted, backslash and quote escaped (values are checked anyway). */
export function quote(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

function inList(field: string, what: string, values: readonly string[], maxLength = ID_MAX_LENGTH): string {
  return `${field} in [${values.map((v) => quote(checkIdentifier(what, v, maxLength))).join(', ')}]`;
}

function finite(what: string, value: number): number {
  if (!Number.isFinite(value)) throw new Error(`Milvus vector store: ${what} must be a finite number, got ${value}`);
  return value;
}

/** `tenant_id == "t"`: the start of every expression, so Milvus prunes to the tenant's partition. */
export function tenantExpr(tenantId: string): string {
  return `${F.tenantId} == ${quote(checkIdentifier('tenantId', tenantId))}`;
}

/** `tenant_id == "t" && brand_id == "b"`. */
export function brandExpr(tenantId: string, brandId: string): string {
  return `${tenantExpr(tenantId)} && ${F.brandId} == ${quote(checkIdentifier('brandId', brandId))}`;
}

/**
 * The search filter: always tenant and brand first, then the optional narrowing filters, and
 * `negative == false` unless negatives are asked for. An absent or empty list does not constrain
 * (the port's semantics, shared with the embedded store).
 * The quality floor is written as a float32 literal: `quality_score` is a Float column, and Milvus
 * compares it in float32, so 0.7 must not exclude a stored 0.7.
 */
export function searchExpr(tenantId: string, brandId: string, filter: VectorFilter = {}): string {
  const parts = [brandExpr(tenantId, brandId)];
  if (filter.campaignIds?.length) parts.push(inList(F.campaignId, 'campaignIds[]', filter.campaignIds));
  if (filter.taskTypes?.length) parts.push(inList(F.taskType, 'taskTypes[]', filter.taskTypes, LABEL_MAX_LENGTH));
  if (filter.stages?.length) parts.push(inList(F.stage, 'stages[]', filter.stages, LABEL_MAX_LENGTH));
  if (filter.sources?.length) {
    const bad = filter.sources.find((s) => !CHUNK_SOURCES.includes(s));
    if (bad !== undefined) throw new Error(`Milvus vector store: unknown source ${JSON.stringify(bad)} (known: ${CHUNK_SOURCES.join(', ')})`);
    parts.push(inList(F.source, 'sources[]', filter.sources));
  }
  if (filter.negative !== undefined && typeof filter.negative !== 'boolean') throw new Error('Milvus vector store: filter.negative must be a boolean');
  if (filter.minQualityScore !== undefined) parts.push(`${F.qualityScore} >= ${Math.fround(finite('minQualityScore', filter.minQualityScore))}`);
  parts.push(`${F.negative} == ${filter.negative === true ? 'true' : 'false'}`);
  if (filter.createdAfter !== undefined) parts.push(`${F.createdAt} > ${Math.trunc(finite('createdAfter', filter.createdAfter))}`);
  if (filter.createdBefore !== undefined) parts.push(`${F.createdAt} < ${Math.trunc(finite('createdBefore', filter.createdBefore))}`);
  return parts.join(' && ');
}

/** `tenant_id == "t" [&& brand_id == "b"] && id in [...]`. */
export function idsExpr(tenantId: string, ids: readonly string[], brandId?: string): string {
  const scope = brandId === undefined ? tenantExpr(tenantId) : brandExpr(tenantId, brandId);
  return `${scope} && ${inList(F.id, 'ids[]', ids)}`;
}

/** Retention: the tenant's (optionally one brand's) vectors created before `before`. */
export function olderThanExpr(tenantId: string, before: number, brandId?: string): string {
  const scope = brandId === undefined ? tenantExpr(tenantId) : brandExpr(tenantId, brandId);
  return `${scope} && ${F.createdAt} < ${Math.trunc(finite('before', before))}`;
}

function qualityScore(value: number): number {
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) throw new Error(`Milvus vector store: metadata.qualityScore must be a number in 0..1, got ${value}`);
  return value;
}

function bool(what: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new Error(`Milvus vector store: ${what} must be a boolean, got ${JSON.stringify(value)}`);
  return value;
}

/** A record's metadata as the collection's scalar columns (null as ''). */
export function metadataToRow(id: string, m: ChunkMetadata): Record<string, string | number | boolean> {
  if (!CHUNK_SOURCES.includes(m.source)) throw new Error(`Milvus vector store: unknown source ${JSON.stringify(m.source)} for ${id}`);
  return {
    [F.id]: checkIdentifier('id', id),
    [F.tenantId]: checkIdentifier('metadata.tenantId', m.tenantId),
    [F.brandId]: checkIdentifier('metadata.brandId', m.brandId),
    [F.campaignId]: m.campaignId === null ? '' : checkIdentifier('metadata.campaignId', m.campaignId),
    [F.taskType]: m.taskType === null ? '' : checkIdentifier('metadata.taskType', m.taskType, LABEL_MAX_LENGTH),
    [F.stage]: m.stage === null ? '' : checkIdentifier('metadata.stage', m.stage, LABEL_MAX_LENGTH),
    [F.source]: m.source,
    [F.qualityScore]: qualityScore(m.qualityScore),
    [F.sourceVersion]: Math.trunc(finite('metadata.sourceVersion', m.sourceVersion)),
    [F.negative]: bool('metadata.negative', m.negative),
    [F.createdAt]: Math.trunc(finite('metadata.createdAt', m.createdAt)),
  };
}

/** The shortest decimal that is the same float32 (how a Float column gives back 0.7 as 0.7). */
export function float32Decimal(x: number): number {
  for (let p = 1; p <= 9; p++) {
    const d = Number(x.toPrecision(p));
    if (Math.fround(d) === Math.fround(x)) return d;
  }
  return x;
}

/** A hit's or a query row's columns back to metadata ('' as null; Int64 arrives as a string). */
export function rowToMetadata(row: Readonly<Record<string, unknown>>): ChunkMetadata {
  const text = (f: string): string => String(row[f] ?? '');
  const orNull = (f: string): string | null => (text(f) === '' ? null : text(f));
  return {
    tenantId: text(F.tenantId),
    brandId: text(F.brandId),
    campaignId: orNull(F.campaignId),
    taskType: orNull(F.taskType),
    stage: orNull(F.stage),
    qualityScore: float32Decimal(Number(row[F.qualityScore])),
    source: text(F.source) as ChunkSource,
    sourceVersion: Number(row[F.sourceVersion]),
    negative: row[F.negative] === true,
    createdAt: Number(row[F.createdAt]),
  };
}
