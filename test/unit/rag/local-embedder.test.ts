import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { hash, LocalEmbedder, tokenize } from '../../../src/rag/embeddings/local-embedder.js';

const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * (b[i] ?? 0), 0);
const norm = (a: Float32Array) => Math.sqrt(dot(a, a));
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

describe('LocalEmbedder', () => {
  const e = new LocalEmbedder();

  it('names itself local with a model that says the dimension', () => {
    expect([e.name, e.model, e.dimension]).toEqual(['local', 'hash-ngram-384', 384]);
    const small = new LocalEmbedder({ dimension: 64 });
    expect([small.model, small.dimension]).toEqual(['hash-ngram-64', 64]);
  });

  it('returns unit vectors in input order with a word-count usage and zero cost', async () => {
    const r = await e.embed(['Launch the autumn trail collection', 'Winter boots sale', 'ok']);
    expect(r.vectors).toHaveLength(3);
    for (const v of r.vectors) {
      expect(v).toBeInstanceOf(Float32Array);
      expect(v.length).toBe(384);
      expect(norm(v)).toBeCloseTo(1, 5);
    }
    expect(r.usage.inputTokens).toBe(5 + 3 + 1);
    expect(r.costUsd).toBe(0);
    expect([r.provider, r.model]).toEqual(['local', 'hash-ngram-384']);
    const single = await e.embed(['Winter boots sale']);
    expect(Array.from(single.vectors[0] ?? [])).toEqual(Array.from(r.vectors[1] ?? []));
  });

  it('is deterministic within a process and across processes', async () => {
    const text = 'Our brand voice is warm, direct and never sarcastic. Café crème!';
    const a = (await e.embed([text])).vectors[0] as Float32Array;
    const b = (await new LocalEmbedder().embed([text])).vectors[0] as Float32Array;
    expect(Array.from(a)).toEqual(Array.from(b));
    const script = `import { LocalEmbedder } from './src/rag/embeddings/local-embedder.ts';
      const r = await new LocalEmbedder().embed([${JSON.stringify(text)}]);
      process.stdout.write(Buffer.from(r.vectors[0].buffer).toString('base64'));`;
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' });
    expect(out).toBe(Buffer.from(a.buffer).toString('base64'));
  });

  it('ranks texts by shared wording', async () => {
    const [q, near, inflected, unrelated] = (await e.embed([
      'autumn trail running shoes launch',
      'launch of our new trail running shoes for autumn',
      'launching trail runner shoe',
      'quarterly invoice reconciliation for the finance team',
    ])).vectors as Float32Array[];
    const sNear = dot(q as Float32Array, near as Float32Array);
    const sInfl = dot(q as Float32Array, inflected as Float32Array);
    const sFar = dot(q as Float32Array, unrelated as Float32Array);
    expect(sNear).toBeGreaterThan(sInfl);
    expect(sInfl).toBeGreaterThan(sFar);
    expect(sNear).toBeGreaterThan(0.6);
    expect(Math.abs(sFar)).toBeLessThan(0.2);
  });

  it('folds case and accents', async () => {
    const [a, b] = (await e.embed(['Crème Brûlée RECIPE', 'creme brulee recipe'])).vectors as Float32Array[];
    expect(dot(a as Float32Array, b as Float32Array)).toBeCloseTo(1, 5);
  });

  it('weights repeated words sublinearly', async () => {
    const [once, many, other] = (await e.embed(['boots sale', 'boots boots boots boots boots sale', 'sale'])).vectors as Float32Array[];
    // Five times "boots" moves the vector towards boots, but "sale" still matters (with a linear tf
    // the similarity to "sale" would fall near 0.13).
    expect(dot(many as Float32Array, other as Float32Array)).toBeGreaterThan(0.25);
    expect(dot(many as Float32Array, other as Float32Array)).toBeLessThan(dot(once as Float32Array, other as Float32Array));
    expect(dot(once as Float32Array, many as Float32Array)).toBeGreaterThan(0.75);
  });

  it('gives text of only function words or symbols a valid unit vector', async () => {
    const [a, b] = (await e.embed(['the and of', '!!!'])).vectors as Float32Array[];
    expect(norm(a as Float32Array)).toBeCloseTo(1, 5);
    expect(norm(b as Float32Array)).toBeCloseTo(1, 5);
  });

  it('refuses empty or blank text with a clear error', async () => {
    await expect(e.embed(['fine', '  '])).rejects.toThrow(/text 1 is empty/);
    await expect(e.embed([''])).rejects.toThrow(/empty/);
  });

  it('honours an aborted signal', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(e.embed(['x'], ac.signal)).rejects.toThrow();
  });

  it('rejects a bad dimension', () => {
    expect(() => new LocalEmbedder({ dimension: 0 })).toThrow(RangeError);
    expect(() => new LocalEmbedder({ dimension: 10.5 })).toThrow(RangeError);
  });
});

describe('local embedder helpers', () => {
  it('tokenize lower-cases, folds accents and splits on non-alphanumerics', () => {
    expect(tokenize("L'Été à São-Paulo, 2026!")).toEqual(['l', 'ete', 'a', 'sao', 'paulo', '2026']);
  });

  it('hash is a stable unsigned 32-bit value', () => {
    expect(hash('')).toBe(hash(''));
    expect(hash('abc')).toBeGreaterThanOrEqual(0);
    expect(hash('abc')).toBeLessThan(2 ** 32);
    expect(hash('abc')).not.toBe(hash('abd'));
  });
});
