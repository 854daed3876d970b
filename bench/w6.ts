/**
 * W6, retrieval (BENCHMARKS.md): N chunks of D dimensions across B brands (one tenant), clustered
 * like real embeddings (STACK.md section 7: C cluster centroids plus noise; each campaign leans on a
 * few clusters), ingested through EmbeddedVectorStore.upsert in batches into a temporary directory.
 * Then a NEW store instance loads the partitions from disk (load time) and runs Q queries: top-k with
 * the brand (partition) filter, the default positives-only filter and a campaign boost. Ground truth
 * is a plain brute-force scan over all N records in memory (same filter, same boost, ties by id);
 * recall@k compares the store's ids with it. One trial per process; prints the figures, the targets
 * (p95 <= 20 ms, recall@10 >= 0.95) with PASS/MISS, and a RESULT line for bench/run.ts.
 *   tsx bench/w6.ts [--chunks 100000] [--dim 384] [--brands 50] [--campaigns 10] [--clusters 200]
 *                   [--queries 500] [--k 10] [--batch 500] [--boost 0.05] [--keep]
 */
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { EmbeddedVectorStore } from '../src/rag/vector-store/embedded-vector-store.js';
import type { ChunkMetadata, VectorQuery, VectorRecord } from '../src/rag/vector-store/vector-store.port.js';

const a: Record<string, string> = {};
for (let i = 2; i < process.argv.length; i++) {
  const k = process.argv[i] as string;
  if (!k.startsWith('--')) continue;
  const next = process.argv[i + 1];
  a[k.slice(2)] = next && !next.startsWith('--') ? (i++, next) : 'true';
}
const N = Number(a.chunks ?? 100_000);
const DIM = Number(a.dim ?? 384);
const BRANDS = Number(a.brands ?? 50);
const CAMPAIGNS = Number(a.campaigns ?? 10);
const CLUSTERS = Number(a.clusters ?? 200);
const QUERIES = Number(a.queries ?? 500);
const K = Number(a.k ?? 10);
const BATCH = Number(a.batch ?? 500);
const BOOST = Number(a.boost ?? 0.05);
const TENANT = 'bench-tenant';
const TARGET_P95_MS = 20;
const TARGET_RECALL = 0.95;

/** mulberry32: reproducible data across trials. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = rng(6);
/** Standard normal (Box-Muller). */
const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
function unit(v: Float32Array): Float32Array {
  let s = 0;
  for (const x of v) s += x * x;
  const inv = 1 / Math.sqrt(s);
  for (let i = 0; i < v.length; i++) v[i] = (v[i] as number) * inv;
  return v;
}
function around(center: Float32Array, spread: number): Float32Array {
  const v = new Float32Array(DIM);
  const sigma = spread / Math.sqrt(DIM);
  for (let i = 0; i < DIM; i++) v[i] = (center[i] as number) + sigma * gauss();
  return unit(v);
}

// ---- data: clusters, brands, campaigns correlated with clusters ----
const centroids = Array.from({ length: CLUSTERS }, () => unit(Float32Array.from({ length: DIM }, gauss)));
const brandIds = Array.from({ length: BRANDS }, (_, b) => `brand-${String(b).padStart(3, '0')}`);
const campaignsOf = brandIds.map((b) => Array.from({ length: CAMPAIGNS }, (_, c) => `${b}-campaign-${c}`));
/** Each campaign leans on 3 clusters: 60% of its chunks come from them, the rest from anywhere. */
const campaignClusters = new Map<string, number[]>();
for (const list of campaignsOf) for (const c of list) campaignClusters.set(c, [0, 1, 2].map(() => Math.floor(rand() * CLUSTERS)));
const pickCluster = (campaign: string | null) => {
  const lean = campaign ? campaignClusters.get(campaign) : undefined;
  return lean && rand() < 0.6 ? (lean[Math.floor(rand() * lean.length)] as number) : Math.floor(rand() * CLUSTERS);
};
const SOURCES: ChunkMetadata['source'][] = ['artifact', 'artifact', 'artifact', 'feedback', 'campaign_history', 'brand_rules'];

const tGen = performance.now();
const records: VectorRecord[] = [];
for (let i = 0; i < N; i++) {
  const b = i % BRANDS;
  const brandId = brandIds[b] as string;
  const campaignId = rand() < 0.1 ? null : ((campaignsOf[b] as string[])[Math.floor(rand() * CAMPAIGNS)] as string);
  records.push({
    id: `chunk-${String(i).padStart(7, '0')}`,
    vector: around(centroids[pickCluster(campaignId)] as Float32Array, 0.8),
    metadata: {
      tenantId: TENANT, brandId, campaignId, taskType: rand() < 0.5 ? 'social_post' : 'email', stage: 'copy',
      qualityScore: Math.round(rand() * 100) / 100, source: SOURCES[Math.floor(rand() * SOURCES.length)] as ChunkMetadata['source'],
      sourceVersion: 1, negative: rand() < 0.05, createdAt: 1_700_000_000_000 + i,
    },
  });
}
const genMs = performance.now() - tGen;

// ---- ingest: per brand (as documents arrive), batches of BATCH ----
const dir = await mkdtemp(path.join(tmpdir(), 'vmp-w6-'));
const ingestStore = new EmbeddedVectorStore({ dir, dimension: DIM });
await ingestStore.init();
const byBrand = brandIds.map((b) => records.filter((r) => r.metadata.brandId === b));
const tIngest = performance.now();
let upserts = 0;
for (const list of byBrand) {
  for (let s = 0; s < list.length; s += BATCH) {
    await ingestStore.upsert(list.slice(s, s + BATCH));
    upserts += 1;
  }
}
const ingestMs = performance.now() - tIngest;
await ingestStore.close();
let bytes = 0;
for (const e of await readdir(dir, { recursive: true, withFileTypes: true })) if (e.isFile()) bytes += (await stat(path.join(e.parentPath, e.name))).size;

// ---- reopen: a new instance loads every partition from disk ----
const rssBeforeLoadMb = process.memoryUsage().rss / 1e6;
const store = new EmbeddedVectorStore({ dir, dimension: DIM });
const tLoad = performance.now();
await store.init();
const loaded = await store.stats(TENANT);
const loadMs = performance.now() - tLoad;
if (loaded.vectors !== N) throw new Error(`reopened store holds ${loaded.vectors} vectors, expected ${N}`);
const rssAfterLoadMb = process.memoryUsage().rss / 1e6;

// ---- queries and exact ground truth ----
const qr = rng(60);
const queries: VectorQuery[] = Array.from({ length: QUERIES }, () => {
  const b = Math.floor(qr() * BRANDS);
  const campaign = (campaignsOf[b] as string[])[Math.floor(qr() * CAMPAIGNS)] as string;
  const lean = campaignClusters.get(campaign) as number[];
  const cluster = qr() < 0.7 ? (lean[Math.floor(qr() * lean.length)] as number) : Math.floor(qr() * CLUSTERS);
  return { tenantId: TENANT, brandId: brandIds[b] as string, vector: around(centroids[cluster] as Float32Array, 0.6), k: K, boosts: { campaign: { id: campaign, weight: BOOST } } };
});

/** Brute force over all N records: tenant, brand and positives-only filter, campaign boost, ties by id. */
function groundTruth(q: VectorQuery): string[] {
  const scored: { id: string; score: number }[] = [];
  for (const r of records) {
    const m = r.metadata;
    if (m.tenantId !== q.tenantId || m.brandId !== q.brandId || m.negative) continue;
    let s = 0;
    for (let i = 0; i < DIM; i++) s += (r.vector[i] as number) * (q.vector[i] as number);
    if (q.boosts?.campaign && m.campaignId === q.boosts.campaign.id) s += q.boosts.campaign.weight;
    scored.push({ id: r.id, score: s });
  }
  scored.sort((x, y) => y.score - x.score || (x.id < y.id ? -1 : 1));
  return scored.slice(0, q.k).map((h) => h.id);
}

for (const q of queries.slice(0, 20)) await store.search(q); // warm-up (JIT), not measured
const lat: number[] = [];
const results: string[][] = [];
for (const q of queries) {
  const t = performance.now();
  const hits = await store.search(q);
  lat.push(performance.now() - t);
  results.push(hits.map((h) => h.id));
}
const tTruth = performance.now();
let found = 0;
let boostedInTop = 0;
queries.forEach((q, i) => {
  const truth = new Set(groundTruth(q));
  const got = results[i] as string[];
  for (const id of got) if (truth.has(id)) found += 1;
  boostedInTop += got.filter((id) => records[Number(id.slice(6))]?.metadata.campaignId === q.boosts?.campaign?.id).length;
});
const bruteMsPerQuery = (performance.now() - tTruth) / QUERIES;
await store.close();
if (a.keep !== 'true') await rm(dir, { recursive: true, force: true });

const sorted = [...lat].sort((x, y) => x - y);
const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
const recall = found / (QUERIES * K);
const result = {
  suite: 'w6', chunks: N, dim: DIM, brands: BRANDS, campaigns_per_brand: CAMPAIGNS, clusters: CLUSTERS, queries: QUERIES, k: K, boost: BOOST,
  generate_ms: Math.round(genMs), ingest_ms: Math.round(ingestMs), ingest_chunks_per_s: Math.round(N / (ingestMs / 1000)), upsert_calls: upserts,
  disk_mb: +(bytes / 1e6).toFixed(1), load_ms: Math.round(loadMs),
  p50_ms: +pct(50).toFixed(3), p95_ms: +pct(95).toFixed(3), p99_ms: +pct(99).toFixed(3), mean_ms: +(lat.reduce((x, y) => x + y, 0) / lat.length).toFixed(3),
  [`recall_at_${K}`]: +recall.toFixed(4), recall, boosted_share_of_hits: +(boostedInTop / (QUERIES * K)).toFixed(3),
  brute_force_ms_per_query: +bruteMsPerQuery.toFixed(2),
  rss_before_load_mb: Math.round(rssBeforeLoadMb), rss_after_load_mb: Math.round(rssAfterLoadMb), peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
};
const mark = (ok: boolean) => (ok ? 'PASS' : 'MISS');
process.stdout.write([
  `W6 retrieval: ${N} chunks x ${DIM} dims, ${BRANDS} brands x ${CAMPAIGNS} campaigns, ${CLUSTERS} clusters; ${QUERIES} queries top-${K}, brand filter + campaign boost ${BOOST}`,
  `  ingest      ${result.ingest_ms} ms (${result.ingest_chunks_per_s} chunks/s, ${upserts} durable upserts), ${result.disk_mb} MB on disk`,
  `  load        ${result.load_ms} ms (new instance, all ${BRANDS} partitions from disk)`,
  `  latency     p50 ${result.p50_ms} ms, p95 ${result.p95_ms} ms, p99 ${result.p99_ms} ms   target p95 <= ${TARGET_P95_MS} ms: ${mark(result.p95_ms <= TARGET_P95_MS)}`,
  `  recall@${K}   ${recall.toFixed(4)} against brute force (${result.brute_force_ms_per_query} ms/query)   target >= ${TARGET_RECALL}: ${mark(recall >= TARGET_RECALL)}`,
  `  boosted campaign's share of hits ${result.boosted_share_of_hits}`,
  `  RSS         ${result.rss_before_load_mb} MB before the reopen (generated data and ground-truth copy), ${result.rss_after_load_mb} MB after load, peak ${result.peak_rss_mb} MB`,
  '',
].join('\n'));
process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
