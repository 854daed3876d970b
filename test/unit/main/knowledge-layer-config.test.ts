import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/env.js';
import { knowledgeLayerOptionsFromConfig } from '../../../src/main/knowledge-layer.js';

const base = { orm: {} as never, logger: {} as never };

describe('knowledge layer options from the configuration', () => {
  it('defaults to the local embedder and the embedded store under DATA_DIR/vectors', () => {
    const o = knowledgeLayerOptionsFromConfig(loadConfig({ DATA_DIR: '/srv/data' }), base);
    expect(o).toMatchObject({ dir: '/srv/data/vectors', dimension: 384, minQualityScore: 0.7 });
    expect(o.embeddings).toBeUndefined();
    expect(o.milvus).toBeUndefined();
  });

  it('an embeddings endpoint and Milvus when configured; KNOWLEDGE_DIR and the threshold as given', () => {
    const o = knowledgeLayerOptionsFromConfig(loadConfig({
      EMBEDDINGS_BASE_URL: 'http://localhost:11434/v1', EMBEDDINGS_MODEL: 'nomic-embed-text', EMBEDDINGS_DIMENSION: '768',
      MILVUS_ADDRESS: 'milvus:19530', MILVUS_COLLECTION: 'kb', KNOWLEDGE_DIR: '/vec', KNOWLEDGE_MIN_QUALITY_SCORE: '0.8',
    }), base);
    expect(o).toMatchObject({
      dir: '/vec', dimension: 768, minQualityScore: 0.8,
      embeddings: { baseUrl: 'http://localhost:11434/v1', model: 'nomic-embed-text' }, milvus: { address: 'milvus:19530', collection: 'kb' },
    });
  });
});
