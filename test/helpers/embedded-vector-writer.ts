/**
 * A writer process for the multi-process test of the embedded vector store: upserts ROUNDS batches
 * of 10 records `<PREFIX>-<round>-<i>` into one partition and, after each batch, deletes records 0..6
 * of the previous batch (so dead records soon outnumber live ones and compactions run while the other
 * writer appends). Prints `DONE <compactions>` at the end.
 *   env: VS_DIR, VS_DIM, VS_TENANT, VS_BRAND, VS_PREFIX, VS_ROUNDS
 */
import { EmbeddedVectorStore } from '../../src/rag/vector-store/embedded-vector-store.js';
import { meta, rec, unitVector } from './vector-fixtures.js';

const env = (k: string): string => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} is required`);
  return v;
};
const dim = Number(env('VS_DIM'));
const tenant = env('VS_TENANT');
const brand = env('VS_BRAND');
const prefix = env('VS_PREFIX');
const rounds = Number(env('VS_ROUNDS'));
let compactions = 0;
const store = new EmbeddedVectorStore({ dir: env('VS_DIR'), dimension: dim, onWarning: (w) => (compactions += w.event === 'compacted' ? 1 : 0) });
await store.init();
for (let r = 0; r < rounds; r++) {
  await store.upsert(Array.from({ length: 10 }, (_, i) => rec(unitVector(dim, prefix.length * 100_000 + r * 10 + i), meta(tenant, brand, { createdAt: r }), `${prefix}-${r}-${i}`)));
  if (r > 0) await store.deleteByIds(tenant, Array.from({ length: 7 }, (_, i) => `${prefix}-${r - 1}-${i}`));
}
await store.close();
process.stdout.write(`DONE ${compactions}\n`);
