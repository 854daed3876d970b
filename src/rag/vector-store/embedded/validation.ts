import { CHUNK_SOURCES, type VectorQuery, type VectorRecord } from '../vector-store.port.js';

/** Largest k a search accepts. */
export const MAX_K = 1000;

/** Throws a clear Error unless `v` is a Float32Array of `dimension` finite values with a non-zero norm; returns the unit vector (a copy). */
export function normalised(v: unknown, dimension: number, what: string): Float32Array {
  if (!(v instanceof Float32Array)) throw new Error(`${what}: vector must be a Float32Array`);
  if (v.length !== dimension) throw new Error(`${what}: vector has ${v.length} dimensions; the store has ${dimension}`);
  let sum = 0;
  for (let i = 0; i < v.length; i++) {
    const x = v[i] as number;
    if (!Number.isFinite(x)) throw new Error(`${what}: vector has a non-finite value at ${i}`);
    sum += x * x;
  }
  if (sum === 0) throw new Error(`${what}: vector is all zeros and cannot be normalised`);
  const inv = 1 / Math.sqrt(sum);
  const out = new Float32Array(dimension);
  for (let i = 0; i < v.length; i++) out[i] = (v[i] as number) * inv;
  return out;
}

const nonEmptyString = (x: unknown): x is string => typeof x === 'string' && x.length > 0;
const optString = (x: unknown): boolean => x === null || typeof x === 'string';

/** Throws a clear Error for a record the store cannot keep. */
export function validateRecord(r: VectorRecord, i: number): void {
  const what = `record ${i}${typeof r?.id === 'string' ? ` (${r.id})` : ''}`;
  if (!nonEmptyString(r?.id)) throw new Error(`${what}: id must be a non-empty string`);
  const m = r.metadata;
  if (!m || typeof m !== 'object') throw new Error(`${what}: metadata is missing`);
  if (!nonEmptyString(m.tenantId) || !nonEmptyString(m.brandId)) throw new Error(`${what}: metadata.tenantId and metadata.brandId must be non-empty strings`);
  if (!optString(m.campaignId) || !optString(m.taskType) || !optString(m.stage)) throw new Error(`${what}: campaignId, taskType and stage must be strings or null`);
  if (!CHUNK_SOURCES.includes(m.source)) throw new Error(`${what}: source must be one of ${CHUNK_SOURCES.join(', ')}`);
  if (typeof m.qualityScore !== 'number' || !(m.qualityScore >= 0 && m.qualityScore <= 1)) throw new Error(`${what}: qualityScore must be a number in 0..1`);
  if (!Number.isFinite(m.sourceVersion)) throw new Error(`${what}: sourceVersion must be a finite number`);
  if (!Number.isFinite(m.createdAt)) throw new Error(`${what}: createdAt must be epoch milliseconds`);
  if (typeof m.negative !== 'boolean') throw new Error(`${what}: negative must be a boolean`);
}

/** Throws a clear Error for a malformed query (vector checked by {@link normalised}). */
export function validateQuery(q: VectorQuery): void {
  if (!nonEmptyString(q?.tenantId) || !nonEmptyString(q.brandId)) throw new Error('search: tenantId and brandId are required (non-empty strings)');
  if (!Number.isInteger(q.k) || q.k < 1 || q.k > MAX_K) throw new Error(`search: k must be an integer in 1..${MAX_K}, got ${String(q.k)}`);
  const f = q.filter ?? {};
  for (const key of ['campaignIds', 'taskTypes', 'stages', 'sources'] as const) {
    const list = f[key];
    if (list !== undefined && (!Array.isArray(list) || !list.every((x) => typeof x === 'string'))) throw new Error(`search: filter.${key} must be an array of strings`);
  }
  for (const key of ['minQualityScore', 'createdAfter', 'createdBefore'] as const) {
    const x = f[key];
    if (x !== undefined && !Number.isFinite(x)) throw new Error(`search: filter.${key} must be a finite number`);
  }
  if (f.negative !== undefined && typeof f.negative !== 'boolean') throw new Error('search: filter.negative must be a boolean');
  const b = q.boosts ?? {};
  const weights = [b.campaign?.weight, b.taskType?.weight, b.similarCampaigns?.weight];
  if (weights.some((w) => w !== undefined && !Number.isFinite(w))) throw new Error('search: boost weights must be finite numbers');
  if (b.campaign && typeof b.campaign.id !== 'string') throw new Error('search: boosts.campaign.id must be a string');
  if (b.taskType && typeof b.taskType.value !== 'string') throw new Error('search: boosts.taskType.value must be a string');
  if (b.similarCampaigns && !Array.isArray(b.similarCampaigns.ids)) throw new Error('search: boosts.similarCampaigns.ids must be an array');
}
