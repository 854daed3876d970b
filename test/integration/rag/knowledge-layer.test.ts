import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uuidv7 } from '../../../src/domain/ids.js';
import { createKnowledgeLayer } from '../../../src/main/knowledge-layer.js';
import { createLogger } from '../../../src/observability/logger.js';
import { createTenant } from '../../../src/persistence/repositories/tenant.repository.js';
import { LocalEmbedder } from '../../../src/rag/embeddings/local-embedder.js';
import { MemoryVectorStore } from '../../helpers/memory-vector-store.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/test-db.js';

let db: TestDatabase;
let dir: string;
const lines: Array<Record<string, unknown>> = [];
const logger = createLogger({
  level: 'info',
  destination: new Writable({ write(chunk: Buffer, _e, cb) { for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>); cb(); } }),
});

beforeAll(async () => {
  db = await createTestDatabase();
  dir = mkdtempSync(path.join(tmpdir(), 'vmp-klayer-'));
});
afterAll(async () => {
  await db?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('createKnowledgeLayer', () => {
  it('builds the local embedder and the embedded store by default, logs the choice, and indexes and retrieves end to end', async () => {
    const layer = await createKnowledgeLayer({ orm: db.orm, logger, dir: path.join(dir, 'vectors') });
    try {
      expect(layer.describe()).toEqual({ embedder: 'local/hash-ngram-384', store: `embedded:${path.join(dir, 'vectors')}` });
      expect(lines.find((l) => l.msg === 'knowledge layer ready')).toMatchObject({ embedder: 'local/hash-ngram-384', dimension: 384, minQualityScore: 0.7 });
      const tenantId = (await createTenant(db.orm.em.fork(), `kl-${Date.now()}`, { type: 'system', id: null, role: 'admin' })).tenant.id;
      const brandId = uuidv7();
      await layer.indexer.index({
        tenantId, brandId, campaignId: null, taskType: null, stage: null, source: 'brand_rules', sourceKey: 'brand:x:v1', sourceVersion: 1,
        runId: null, learningId: null, qualityScore: 1, negative: false, format: 'markdown', text: '# Voice\n\nWarm and practical, never pushy.',
      });
      const res = await layer.retriever.search({ tenantId, brandId, query: 'what is our voice', k: 3 });
      expect(res.results.map((r) => r.heading)).toEqual(['Voice']);
    } finally {
      await layer.close();
    }
  });

  it('refuses an embedder and a store of different dimensions', async () => {
    await expect(createKnowledgeLayer({ orm: db.orm, logger, dir, embedder: new LocalEmbedder({ dimension: 64 }), store: new MemoryVectorStore(128) }))
      .rejects.toThrow('the embedder makes 64-dimension vectors but the vector store holds 128');
  });

  it('warns when chunks were indexed with another embedder', async () => {
    lines.length = 0;
    const layer = await createKnowledgeLayer({ orm: db.orm, logger, dir, embedder: new LocalEmbedder({ dimension: 64 }), store: new MemoryVectorStore(64) });
    await layer.close();
    expect(lines.find((l) => typeof l.msg === 'string' && l.msg.startsWith('knowledge chunks indexed with another embedder'))).toMatchObject({
      configured: 'local/hash-ngram-64', others: [{ embedder: 'local/hash-ngram-384', chunks: 1 }],
    });
  });
});
