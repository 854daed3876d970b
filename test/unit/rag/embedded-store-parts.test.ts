import { describe, expect, it } from 'vitest';
import { TopK } from '../../../src/rag/vector-store/embedded/top-k.js';
import { segment, unsegment } from '../../../src/rag/vector-store/embedded/partition-paths.js';
import { decodePayload, encodeDeletes, encodeHeader, encodeUpserts, frame, KIND_DELETE, KIND_HEADER, KIND_UPSERT, readFrame } from '../../../src/rag/vector-store/embedded/vlog-codec.js';

describe('TopK', () => {
  it('keeps the k best by score, ties by id ascending, whatever the order offered', () => {
    const items = [['e', 0.5], ['b', 0.9], ['a', 0.5], ['d', 0.7], ['c', 0.5], ['f', 0.1], ['g', 0.9]] as const;
    for (const order of [items, [...items].reverse()]) {
      const top = new TopK(4);
      const ids = order.map(([id]) => id);
      order.forEach(([, score], row) => top.offer(score, row, (r) => ids[r] as string));
      expect(top.sorted().map((h) => h.id)).toEqual(['b', 'g', 'd', 'a']);
    }
  });

  it('has a threshold of -Infinity until full, then the worst kept score', () => {
    const top = new TopK(2);
    expect(top.threshold).toBe(Number.NEGATIVE_INFINITY);
    top.offer(0.3, 0, () => 'x');
    top.offer(0.8, 1, () => 'y');
    expect(top.threshold).toBe(0.3);
  });
});

describe('vector log codec', () => {
  it('round-trips header, upsert and delete frames', () => {
    const dim = 4;
    const header = { dimension: dim, generation: 'g1', tenantId: 'tenant é', brandId: 'b' };
    const vector = Float32Array.from([0.5, -0.5, 0.5, -0.5]);
    const metadata = { campaignId: null, taskType: 'email', stage: 'copy', qualityScore: 0.75, source: 'feedback' as const, sourceVersion: 3, negative: true, createdAt: 1_700_000_000_123 };
    const buf = Buffer.concat([frame(encodeHeader(header)), ...encodeUpserts([{ id: 'r1', metadata, vector }], dim), ...encodeDeletes(['r0', 'r1'])]);
    const frames = [];
    let off = 0;
    while (off < buf.length) {
      const f = readFrame(buf, off);
      if (typeof f === 'string') throw new Error(f);
      frames.push(decodePayload(f.payload, dim));
      off = f.next;
    }
    expect(frames.map((f) => f.kind)).toEqual([KIND_HEADER, KIND_UPSERT, KIND_DELETE]);
    expect(frames[0]).toEqual({ kind: KIND_HEADER, header });
    const up = frames[1];
    if (up?.kind !== KIND_UPSERT) throw new Error('not an upsert');
    expect(up.records[0]?.metadata).toEqual(metadata);
    const r = up.records[0]!;
    expect(Array.from(new Float32Array(r.buffer.buffer.slice(r.buffer.byteOffset + r.vectorOffset, r.buffer.byteOffset + r.vectorOffset + 16)))).toEqual(Array.from(vector));
    expect(frames[2]).toEqual({ kind: KIND_DELETE, ids: ['r0', 'r1'] });
  });

  it('tells an incomplete frame from a corrupt one', () => {
    const f = frame(encodeDeletes(['x'])[0]!.subarray(8));
    expect(readFrame(f.subarray(0, f.length - 1), 0)).toBe('incomplete');
    expect(readFrame(f.subarray(0, 5), 0)).toBe('incomplete');
    const bad = Buffer.from(f);
    bad[bad.length - 1] = (bad[bad.length - 1] as number) ^ 1;
    expect(readFrame(bad, 0)).toBe('corrupt');
  });

  it('cuts big upsert batches into several frames', () => {
    const dim = 1024;
    const records = Array.from({ length: 2000 }, (_, i) => ({ id: `r${i}`, metadata: { campaignId: null, taskType: null, stage: null, qualityScore: 1, source: 'artifact' as const, sourceVersion: 1, negative: false, createdAt: i }, vector: new Float32Array(dim).fill(0.01) }));
    const frames = encodeUpserts(records, dim);
    expect(frames.length).toBeGreaterThan(1);
    let count = 0;
    for (const f of frames) {
      const r = readFrame(f, 0);
      if (typeof r === 'string') throw new Error(r);
      const d = decodePayload(r.payload, dim);
      if (d.kind === KIND_UPSERT) count += d.records.length;
    }
    expect(count).toBe(2000);
  });
});

describe('partition file names', () => {
  it('keeps plain ids, encodes others reversibly, hashes very long ones, never yields a path', () => {
    expect(segment('0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b')).toBe('0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b');
    for (const id of ['../x', 'a/b', 'été', '.hidden', `${'x'.repeat(90)}!`]) {
      const s = segment(id);
      expect(s).not.toMatch(/[/\\]|^\.\.?$/);
      expect(unsegment(s)).toBe(id);
    }
    expect(segment('x'.repeat(121))).toMatch(/^~/);
    const long = segment('é'.repeat(200));
    expect(long).toMatch(/^~[0-9a-f]{64}$/);
    expect(unsegment(long)).toBeNull();
    expect(segment('=61')).not.toBe(segment('a'));
  });
});
