/**
 * The campaign-DAG workload's tool payload, byte-compatible with the peer harness
 * (../shared/bench/peers/lib/common.mjs): ~1 KB JSON whose `text` is 880 characters of word salad
 * taken round-robin from 64 precomputed texts, so Postgres sees prose-like data.
 */
const WORDS = ('campaign audience brand launch budget channel creative segment persona insight ' +
  'competitor pricing message headline draft review approve metric conversion funnel retention ' +
  'market share growth social search email video display partner influencer region quarter ' +
  'forecast baseline target goal story tone voice copy asset deadline owner risk legal compliance ' +
  'summary research survey interview trend signal sentiment keyword ranking traffic engagement ' +
  'reach frequency impression click lead pipeline revenue margin cost efficiency test variant ' +
  'control lift holdout cohort journey touchpoint landing page offer discount bundle loyalty').split(' ');

function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a |= 0;
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TEXTS = Array.from({ length: 64 }, (_, k) => {
  const r = mulberry32(k + 1);
  let s = '';
  while (s.length < 880) s += `${WORDS[Math.floor(r() * WORDS.length)]} `;
  return s.slice(0, 880);
});
let textIdx = 0;

/** A ~1 KB stage result, as the peers' tool returns. */
export function makeResult(stage: string, runId: string, inputs: string[]) {
  return { stage, runId, at: Date.now(), inputs, ok: true, text: TEXTS[(textIdx++) & 63] as string };
}
