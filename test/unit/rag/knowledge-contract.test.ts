import { describe, expect, it } from 'vitest';
import { KnowledgeSearchBody, KnowledgeSource } from '../../../src/contracts/http/knowledge.js';
import { chunkId } from '../../../src/rag/knowledge/chunk-id.js';
import { CHUNK_SOURCES } from '../../../src/rag/vector-store/vector-store.port.js';

describe('knowledge contracts and chunk ids', () => {
  it('the HTTP contract lists exactly the vector store port\'s chunk sources', () => {
    expect([...KnowledgeSource.options].sort()).toEqual([...CHUNK_SOURCES].sort());
  });

  it('the search body defaults k to 8 and refuses what the retriever would refuse', () => {
    const brandId = '0190a0b0-0000-7000-8000-000000000001';
    expect(KnowledgeSearchBody.parse({ brandId, query: 'boots' })).toEqual({ brandId, query: 'boots', k: 8 });
    for (const bad of [{ brandId, query: ' ' }, { brandId, query: 'x'.repeat(2001) }, { brandId, query: 'q', k: 0 }, { brandId, query: 'q', k: 51 }, { brandId, query: 'q', extra: 1 }]) {
      expect(KnowledgeSearchBody.safeParse(bad).success, JSON.stringify(bad).slice(0, 60)).toBe(false);
    }
  });

  it('chunk ids are UUIDv8, the same for the same tenant, source key and position, and different otherwise', () => {
    const t = '0190a0b0-0000-7000-8000-000000000001';
    const id = chunkId(t, 'artifact:a:v1', 0);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(chunkId(t, 'artifact:a:v1', 0)).toBe(id);
    const others = [chunkId(t, 'artifact:a:v1', 1), chunkId(t, 'artifact:a:v2', 0), chunkId('0190a0b0-0000-7000-8000-000000000002', 'artifact:a:v1', 0)];
    expect(new Set([id, ...others]).size).toBe(4);
    // The separator keeps (key, index) pairs apart: "a:1" + 0 is not "a:" + 10.
    expect(chunkId(t, 'k1', 0)).not.toBe(chunkId(t, 'k', 10));
  });
});
