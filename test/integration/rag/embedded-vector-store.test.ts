import { spawn } from 'node:child_process';
import { appendFile, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedVectorStore, type VectorStoreWarning } from '../../../src/rag/vector-store/embedded-vector-store.js';
import { partitionPath } from '../../../src/rag/vector-store/embedded/partition-paths.js';
import type { ChunkMetadata, VectorFilter, VectorHit, VectorQuery, VectorRecord } from '../../../src/rag/vector-store/vector-store.port.js';
import { ROOT } from '../../helpers/processes.js';
import { dot, meta, near, rec, rng, unitVector } from '../../helpers/vector-fixtures.js';
import { describeVectorStoreContract } from '../../helpers/vector-store.contract.js';

const DIM = 48;
let tmp: string;
let n = 0;
const freshDir = () => path.join(tmp, `vectors-${++n}`);

beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'vmp-vectors-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describeVectorStoreContract('embedded', () => Promise.resolve(new EmbeddedVectorStore({ dir: freshDir(), dimension: DIM })));

async function open(dir: string, onWarning?: VectorStoreWarning, extra: { maxLoadedPartitions?: number } = {}): Promise<EmbeddedVectorStore> {
  const s = new EmbeddedVectorStore({ dir, dimension: DIM, ...(onWarning ? { onWarning } : {}), ...extra });
  await s.init();
  return s;
}

/** Brute force over records, as the store's contract defines search (for exact comparisons). */
function expected(records: VectorRecord[], q: VectorQuery): { id: string; score: number }[] {
  const f: VectorFilter = q.filter ?? {};
  const b = q.boosts ?? {};
  const some = <T>(xs: T[] | undefined, x: T) => !xs || xs.length === 0 || xs.includes(x);
  const unit = (v: Float32Array) => {
    const norm = Math.sqrt(dot(v, v));
    return v.map((x) => x / norm);
  };
  const qv = unit(q.vector);
  return records
    .filter((r) => {
      const m = r.metadata;
      return m.tenantId === q.tenantId && m.brandId === q.brandId && m.negative === (f.negative === true)
        && some(f.campaignIds, m.campaignId as string) && some(f.taskTypes, m.taskType as string) && some(f.stages, m.stage as string)
        && some(f.sources, m.source) && m.qualityScore >= (f.minQualityScore ?? -Infinity)
        && m.createdAt > (f.createdAfter ?? -Infinity) && m.createdAt < (f.createdBefore ?? Infinity);
    })
    .map((r) => {
      const m = r.metadata;
      let boost = 0;
      if (b.campaign && m.campaignId === b.campaign.id) boost += b.campaign.weight;
      if (b.similarCampaigns && m.campaignId !== null && b.similarCampaigns.ids.includes(m.campaignId)) boost += b.similarCampaigns.weight;
      if (b.taskType && m.taskType === b.taskType.value) boost += b.taskType.weight;
      return { id: r.id, score: dot(unit(r.vector), qv) + boost };
    })
    .sort((x, y) => y.score - x.score || (x.id < y.id ? -1 : 1))
    .slice(0, q.k);
}

const ids = (hits: { id: string }[]) => hits.map((h) => h.id);

/** A brand's worth of varied records (campaigns, tasks, stages, sources, negatives, times). */
function corpus(tenantId: string, brandId: string, count: number, seed: number): VectorRecord[] {
  const r = rng(seed);
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)] as T;
  return Array.from({ length: count }, (_, i) => rec(unitVector(DIM, seed * 10_000 + i), meta(tenantId, brandId, {
    campaignId: pick(['c1', 'c2', 'c3', null]), taskType: pick(['email', 'social_post', null]), stage: pick(['copy', 'edit', null]),
    source: pick(['artifact', 'brand_rules', 'feedback', 'campaign_history'] as const), qualityScore: Math.round(r() * 100) / 100,
    negative: r() < 0.2, createdAt: Math.floor(r() * 1000),
  }), `${tenantId}/${brandId}/${i}`));
}

describe('EmbeddedVectorStore: persistence', () => {
  it('a new instance reads what the old one wrote: upserts, replacements and deletes', async () => {
    const dir = freshDir();
    const a = await open(dir);
    const recs = corpus('t1', 'b1', 120, 1);
    await a.upsert(recs.slice(0, 60));
    await a.upsert(recs.slice(60));
    const replaced = rec(unitVector(DIM, 777), { ...(recs[5] as VectorRecord).metadata, stage: 'replaced' }, (recs[5] as VectorRecord).id);
    await a.upsert([replaced]);
    await a.deleteByIds('t1', [(recs[7] as VectorRecord).id, (recs[8] as VectorRecord).id]);
    const live = recs.map((r) => (r.id === replaced.id ? replaced : r)).filter((r) => r.id !== recs[7]!.id && r.id !== recs[8]!.id);
    const q: VectorQuery = { tenantId: 't1', brandId: 'b1', vector: unitVector(DIM, 5), k: 1000 };
    const before = await a.search(q);
    await a.close();

    const b = await open(dir);
    const after = await b.search(q);
    expect(after).toEqual(before);
    expect(ids(after)).toEqual(ids(expected(live, q)));
    expect((await b.search({ ...q, vector: replaced.vector, k: 1 }))[0]?.metadata.stage).toBe('replaced');
    expect((await b.stats('t1')).vectors).toBe(live.length);
    await b.close();
  });

  it('truncates garbage appended after the last frame (torn write) and keeps working', async () => {
    const dir = freshDir();
    const a = await open(dir);
    const recs = corpus('t1', 'b1', 30, 2);
    await a.upsert(recs);
    await a.close();
    const file = partitionPath(dir, 't1', 'b1');
    const goodSize = (await stat(file)).size;
    await appendFile(file, Buffer.from([0x20, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7]));

    const warnings: Parameters<VectorStoreWarning>[0][] = [];
    const b = await open(dir, (w) => warnings.push(w));
    const q: VectorQuery = { tenantId: 't1', brandId: 'b1', vector: unitVector(DIM, 9), k: 1000, filter: {} };
    expect(ids(await b.search(q))).toEqual(ids(expected(recs, q)));
    expect(warnings.map((w) => w.event)).toEqual(['torn_tail_truncated']);
    expect((await stat(file)).size).toBe(goodSize);
    const more = corpus('t1', 'b1', 40, 3).slice(30);
    await b.upsert(more);
    await b.close();
    const c = await open(dir);
    expect(ids(await c.search(q))).toEqual(ids(expected([...recs, ...more], q)));
    await c.close();
  });

  it('drops a half-written last batch (crash mid-frame) and a batch whose checksum fails', async () => {
    const dir = freshDir();
    const a = await open(dir);
    const first = corpus('t1', 'b1', 20, 4);
    const second = corpus('t1', 'b1', 40, 5).slice(20);
    await a.upsert(first);
    const file = partitionPath(dir, 't1', 'b1');
    const afterFirst = (await stat(file)).size;
    await a.upsert(second);
    await a.close();
    const full = await readFile(file);
    const q: VectorQuery = { tenantId: 't1', brandId: 'b1', vector: unitVector(DIM, 11), k: 1000 };

    // Crash in the middle of the second batch's frame.
    await writeFile(file, full.subarray(0, afterFirst + Math.floor((full.length - afterFirst) / 2)));
    let b = await open(dir);
    expect(ids(await b.search(q))).toEqual(ids(expected(first, q)));
    await b.close();
    expect((await stat(file)).size).toBe(afterFirst);

    // A flipped byte inside the second batch: its checksum fails, it is dropped.
    const flipped = Buffer.from(full);
    flipped[full.length - 10] = (flipped[full.length - 10] as number) ^ 0xff;
    await writeFile(file, flipped);
    b = await open(dir);
    expect(ids(await b.search(q))).toEqual(ids(expected(first, q)));
    await b.close();
  });

  it('refuses a partition written with another dimension', async () => {
    const dir = freshDir();
    const a = await open(dir);
    await a.upsert(corpus('t1', 'b1', 3, 6));
    await a.close();
    const other = new EmbeddedVectorStore({ dir, dimension: DIM * 2 });
    await other.init();
    await expect(other.search({ tenantId: 't1', brandId: 'b1', vector: unitVector(DIM * 2, 1), k: 5 })).rejects.toThrow(/dimension 48.*configured for 96/);
    await other.close();
  });

  it('keeps odd tenant and brand ids inside its directory', async () => {
    const dir = freshDir();
    const a = await open(dir);
    const weird = [['../../etc', 'passwd'], ['tenant/with/slash', 'Marque été'], ['x'.repeat(300), 'b']] as const;
    for (const [t, b] of weird) await a.upsert([rec(unitVector(DIM, t.length), meta(t, b), `${t}:${b}`)]);
    for (const [t, b] of weird) {
      const hits = await a.search({ tenantId: t, brandId: b, vector: unitVector(DIM, t.length), k: 5 });
      expect(ids(hits)).toEqual([`${t}:${b}`]);
      expect(await a.stats(t)).toEqual({ vectors: 1, dimension: DIM });
    }
    expect((await a.stats()).vectors).toBe(3);
    const entries = await readdir(dir, { recursive: true });
    expect(entries.every((e) => !e.includes('..'))).toBe(true);
    await a.close();
  });
});

describe('EmbeddedVectorStore: several instances on one directory', () => {
  it('a second instance sees the first one\'s later upserts and deletes (tail refresh)', async () => {
    const dir = freshDir();
    const writer = await open(dir);
    const reader = await open(dir);
    const q: VectorQuery = { tenantId: 't1', brandId: 'b1', vector: unitVector(DIM, 21), k: 1000 };
    expect(await reader.search(q)).toEqual([]);
    const recs = corpus('t1', 'b1', 50, 7);
    await writer.upsert(recs.slice(0, 25));
    expect(ids(await reader.search(q))).toEqual(ids(expected(recs.slice(0, 25), q)));
    await writer.upsert(recs.slice(25));
    await writer.deleteByIds('t1', [recs[0]!.id]);
    expect(ids(await reader.search(q))).toEqual(ids(expected(recs.slice(1), q)));
    // And the other way round: the reader writes, the writer sees it.
    const extra = rec(q.vector, meta('t1', 'b1'), 'from-reader');
    await reader.upsert([extra]);
    expect(ids(await writer.search({ ...q, k: 1 }))).toEqual(['from-reader']);
    await writer.close();
    await reader.close();
  });

  it('compacts when deletes outnumber live records, with identical results everywhere', async () => {
    const dir = freshDir();
    const warnings: string[] = [];
    const a = await open(dir, (w) => warnings.push(w.event));
    const other = await open(dir);
    const recs = corpus('t1', 'b1', 300, 8);
    await a.upsert(recs);
    const queries: VectorQuery[] = Array.from({ length: 10 }, (_, i) => ({
      tenantId: 't1', brandId: 'b1', vector: unitVector(DIM, 500 + i), k: 20,
      ...(i % 2 ? { filter: { campaignIds: ['c1', 'c2'], minQualityScore: 0.3 } } : {}),
      ...(i % 3 ? { boosts: { campaign: { id: 'c3', weight: 0.2 } } } : {}),
    }));
    for (const q of queries) await other.search(q); // loaded before the compaction
    const file = partitionPath(dir, 't1', 'b1');
    const sizeBefore = (await stat(file)).size;
    const inodeBefore = (await stat(file)).ino;

    const doomed = recs.filter((_, i) => i % 3 !== 0).map((r) => r.id);
    await a.deleteByIds('t1', doomed.slice(0, 100));
    expect(warnings).toEqual([]);
    await a.deleteByIds('t1', doomed.slice(100));
    expect(warnings).toEqual(['compacted']);
    const live = recs.filter((r) => !doomed.includes(r.id));
    expect((await stat(file)).size).toBeLessThan(sizeBefore / 2);
    expect((await stat(file)).ino).not.toBe(inodeBefore);

    const fresh = await open(dir);
    for (const q of queries) {
      const want = expected(live, q);
      for (const s of [a, other, fresh]) {
        const hits = await s.search(q);
        expect(ids(hits)).toEqual(ids(want));
        hits.forEach((h, i) => expect(h.score).toBeCloseTo(want[i]!.score, 5));
      }
    }
    await Promise.all([a.close(), other.close(), fresh.close()]);
  });

  it('skips a compaction while another holder has the lock, and breaks a stale lock', async () => {
    const dir = freshDir();
    const a = await open(dir);
    await a.upsert(corpus('t1', 'b1', 10, 9));
    const lock = `${partitionPath(dir, 't1', 'b1')}.lock`;
    await writeFile(lock, JSON.stringify({ pid: process.pid, host: 'elsewhere', at: Date.now() }));
    expect(await a.compact('t1', 'b1')).toBe(false);
    const old = new Date(Date.now() - 60_000);
    await utimes(lock, old, old);
    expect(await a.compact('t1', 'b1')).toBe(true);
    await expect(stat(lock)).rejects.toThrow();
    expect((await a.stats('t1')).vectors).toBe(10);
    await a.close();
  });

  it('two writer processes appending and deleting in one partition lose nothing', async () => {
    const dir = freshDir();
    const rounds = 30;
    const run = (prefix: string) => new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/embedded-vector-writer.ts'], {
        cwd: ROOT, env: { ...process.env, VS_DIR: dir, VS_DIM: String(DIM), VS_TENANT: 't1', VS_BRAND: 'b1', VS_PREFIX: prefix, VS_ROUNDS: String(rounds) },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`writer ${prefix} exited ${code}: ${err}`))));
    });
    const outs = await Promise.all([run('p1'), run('p2')]);
    const compactions = outs.map((o) => Number(/DONE (\d+)/.exec(o)?.[1]));
    expect(compactions[0]! + compactions[1]!).toBeGreaterThan(0);

    const want = new Set<string>();
    for (const p of ['p1', 'p2']) {
      for (let r = 0; r < rounds; r++) for (let i = 0; i < 10; i++) if (r === rounds - 1 || i >= 7) want.add(`${p}-${r}-${i}`);
    }
    const s = await open(dir);
    const hits = await s.search({ tenantId: 't1', brandId: 'b1', vector: unitVector(DIM, 1), k: 1000 });
    expect(new Set(ids(hits))).toEqual(want);
    expect(hits).toHaveLength(want.size);
    await s.close();
  }, 60_000);
});

describe('EmbeddedVectorStore: deletion', () => {
  it('deleteBrand removes the partition file; deleteOlderThan appends tombstones', async () => {
    const dir = freshDir();
    const a = await open(dir);
    await a.upsert([...corpus('t1', 'b1', 20, 10), ...corpus('t1', 'b2', 20, 11)]);
    const f1 = partitionPath(dir, 't1', 'b1');
    const f2 = partitionPath(dir, 't1', 'b2');
    const size2 = (await stat(f2)).size;
    expect(await a.deleteBrand('t1', 'b1')).toBe(20);
    await expect(stat(f1)).rejects.toThrow(/ENOENT/);
    const older = await a.deleteOlderThan('t1', 300);
    expect(older).toBe(corpus('t1', 'b2', 20, 11).filter((r) => r.metadata.createdAt < 300).length);
    expect(older).toBeGreaterThan(0);
    expect(older).toBeLessThan(10); // fewer than half: tombstones, no compaction
    expect((await stat(f2)).size).toBeGreaterThan(size2);
    expect((await a.stats('t1')).vectors).toBe(20 - older);
    await a.close();
  });

  it('a reader that had a brand loaded sees it gone after another instance deletes it', async () => {
    const dir = freshDir();
    const a = await open(dir);
    const b = await open(dir);
    const recs = corpus('t1', 'b1', 10, 12);
    await a.upsert(recs);
    const q: VectorQuery = { tenantId: 't1', brandId: 'b1', vector: unitVector(DIM, 3), k: 100 };
    expect(await b.search(q)).toHaveLength(expected(recs, q).length);
    await a.deleteBrand('t1', 'b1');
    expect(await b.search(q)).toEqual([]);
    const again = corpus('t1', 'b1', 3, 13);
    await a.upsert(again);
    expect(ids(await b.search(q))).toEqual(ids(expected(again, q)));
    await Promise.all([a.close(), b.close()]);
  });
});

describe('EmbeddedVectorStore: isolation and memory bound', () => {
  const tenants = ['t1', 't2', 't3'];
  const brands = ['b1', 'b2', 'b3'];
  const filters: (VectorFilter | undefined)[] = [
    undefined, {}, { negative: true }, { campaignIds: ['c1'] }, { campaignIds: ['c1', 'c2', 'c3'], negative: true },
    { taskTypes: ['email'] }, { stages: ['copy', 'edit'] }, { sources: ['artifact', 'feedback', 'brand_rules', 'campaign_history'] },
    { minQualityScore: 0 }, { createdAfter: -1, createdBefore: 10_000 }, { campaignIds: [], taskTypes: [], stages: [], sources: [] },
  ];
  const boostSets = [undefined, { campaign: { id: 'c1', weight: 10 }, taskType: { value: 'email', weight: 10 }, similarCampaigns: { ids: ['c2', 'c3'], weight: 10 } }];

  it('a query for one tenant and brand never returns another\'s vectors, under every filter combination', async () => {
    const dir = freshDir();
    const s = await open(dir, undefined, { maxLoadedPartitions: 2 });
    const all: VectorRecord[] = [];
    let seed = 100;
    for (const t of tenants) for (const b of brands) all.push(...corpus(t, b, 40, seed++));
    await s.upsert(all);
    const probe = all[0]!.vector;
    for (const t of tenants) {
      for (const b of brands) {
        for (const filter of filters) {
          for (const boosts of boostSets) {
            const q: VectorQuery = { tenantId: t, brandId: b, vector: probe, k: 1000, ...(filter ? { filter } : {}), ...(boosts ? { boosts } : {}) };
            const hits: VectorHit[] = await s.search(q);
            for (const h of hits) {
              expect(h.id.startsWith(`${t}/${b}/`)).toBe(true);
              expect([h.metadata.tenantId, h.metadata.brandId]).toEqual([t, b]);
            }
            expect(ids(hits)).toEqual(ids(expected(all, q)));
          }
        }
      }
    }
    await s.close();
  });

  it('reloads evicted partitions from disk with the same results (LRU of 1)', async () => {
    const dir = freshDir();
    const s = await open(dir, undefined, { maxLoadedPartitions: 1 });
    const recs = [...corpus('t1', 'b1', 30, 40), ...corpus('t1', 'b2', 30, 41)];
    await s.upsert(recs);
    const q = (b: string): VectorQuery => ({ tenantId: 't1', brandId: b, vector: near(recs[0]!.vector, 0.5, 3), k: 10, boosts: { taskType: { value: 'email', weight: 0.1 } } });
    for (let i = 0; i < 4; i++) {
      for (const b of ['b1', 'b2']) expect(ids(await s.search(q(b)))).toEqual(ids(expected(recs, q(b))));
    }
    await s.close();
    await expect(s.search(q('b1'))).rejects.toThrow(/closed/);
  });

  it('refuses records it cannot keep, with the reason', async () => {
    const s = await open(freshDir());
    const ok = (over: Partial<ChunkMetadata>) => rec(unitVector(DIM, 1), meta('t1', 'b1', over));
    await expect(s.upsert([ok({ qualityScore: 1.5 })])).rejects.toThrow(/qualityScore/);
    await expect(s.upsert([ok({ source: 'web' as ChunkMetadata['source'] })])).rejects.toThrow(/source/);
    await expect(s.upsert([ok({ brandId: '' })])).rejects.toThrow(/brandId/);
    await expect(s.upsert([rec(new Float32Array(DIM), meta('t1', 'b1'))])).rejects.toThrow(/zeros/);
    expect((await s.stats()).vectors).toBe(0);
    await s.close();
  });
});
