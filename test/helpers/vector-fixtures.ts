import { randomUUID } from 'node:crypto';
import type { ChunkMetadata, VectorRecord } from '../../src/rag/vector-store/vector-store.port.js';

/** A deterministic pseudo-random generator (mulberry32) for reproducible test vectors. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A unit vector of `dim` values from `seed`. */
export function unitVector(dim: number, seed: number): Float32Array {
  const r = rng(seed);
  const v = new Float32Array(dim);
  for (let i = 0; i < dim; i++) v[i] = r() * 2 - 1;
  return normalise(v);
}

/** `base` moved towards a random direction by `amount` (0: same vector), normalised. */
export function near(base: Float32Array, amount: number, seed: number): Float32Array {
  const noise = unitVector(base.length, seed);
  const v = new Float32Array(base.length);
  for (let i = 0; i < base.length; i++) v[i] = (base[i] as number) + amount * (noise[i] as number);
  return normalise(v);
}

export function normalise(v: Float32Array): Float32Array {
  let s = 0;
  for (const x of v) s += x * x;
  const inv = 1 / Math.sqrt(s);
  return v.map((x) => x * inv);
}

export function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[i] as number);
  return s;
}

/** Metadata with defaults (a positive artifact chunk of quality 0.8, created at 1000). */
export function meta(tenantId: string, brandId: string, over: Partial<ChunkMetadata> = {}): ChunkMetadata {
  return {
    tenantId, brandId, campaignId: null, taskType: null, stage: null, qualityScore: 0.8, source: 'artifact',
    sourceVersion: 1, negative: false, createdAt: 1000, ...over,
  };
}

/** A record with a fresh uuid unless `id` is given. */
export function rec(vector: Float32Array, metadata: ChunkMetadata, id: string = randomUUID()): VectorRecord {
  return { id, vector, metadata };
}
