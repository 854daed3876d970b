import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll } from 'vitest';
import { buildApi } from '../../src/api/app.js';
import { createLogger } from '../../src/observability/logger.js';
import { socialPostTemplate } from '../../src/planner/templates/agency-templates.js';
import type { WorkflowTemplateInput } from '../../src/planner/template.js';
import { LocalEmbedder } from '../../src/rag/embeddings/local-embedder.js';
import { KnowledgeIndexer } from '../../src/rag/knowledge/knowledge-indexer.js';
import { learnHandler } from '../../src/rag/learning/learn.handler.js';
import { Retriever } from '../../src/rag/retrieval/retriever.js';
import { EmbeddedVectorStore } from '../../src/rag/vector-store/embedded-vector-store.js';
import { FilesystemArtifactStore } from '../../src/storage/filesystem.artifact-store.js';
import { createTestDatabase, type TestDatabase } from './test-db.js';
import { startPlatform, type Adapter, type TestPlatform } from './test-engine.js';

/** `social_post` with the learn stage (`learn.index`), under its own name. */
export const LEARNING_SOCIAL_POST: WorkflowTemplateInput = { ...socialPostTemplate, name: 'social_post_learning', learn: { kind: 'learn.index' } };
/** `social_post` without a learn stage: the learn handler is then driven by the test itself. */
export const SOCIAL_POST_NO_LEARNING: WorkflowTemplateInput = { ...socialPostTemplate, name: 'social_post_no_learning', learn: null };

/** A platform whose runs learn: the agents on the offline provider, the learn stage, the embedded vector store in a temporary directory. */
export interface LearningStack {
  platform: TestPlatform;
  db: TestDatabase;
  dataDir: string;
  artifacts: FilesystemArtifactStore;
  vectors: EmbeddedVectorStore;
  indexer: KnowledgeIndexer;
  learn: ReturnType<typeof learnHandler>;
  /** An API with the knowledge layer (brand deletion and retention reach the vector store; search and stats). */
  knowledgeApi: FastifyInstance;
  callKnowledge: (key: string, opts: InjectOptions) => Promise<LightMyRequestResponse>;
  close: () => Promise<void>;
}

/** Starts a {@link LearningStack}. `defaultMinQualityScore` is the platform threshold (default 0.7). */
export async function startLearningStack(opts: { adapter?: Adapter; defaultMinQualityScore?: number } = {}): Promise<LearningStack> {
  const db = await createTestDatabase();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'vmp-learning-'));
  const artifacts = new FilesystemArtifactStore(path.join(dataDir, 'artifacts'));
  const embedder = new LocalEmbedder();
  const vectors = new EmbeddedVectorStore({ dir: path.join(dataDir, 'vectors'), dimension: embedder.dimension });
  await vectors.init();
  const indexer = new KnowledgeIndexer({ orm: db.orm, embedder, store: vectors });
  const minQualityScore = opts.defaultMinQualityScore ?? 0.7;
  const learn = learnHandler({ orm: db.orm, store: artifacts, indexer, defaultMinQualityScore: minQualityScore });
  const platform = await startPlatform({
    adapter: opts.adapter ?? 'in-process', db, handlers: [learn], templates: [LEARNING_SOCIAL_POST, SOCIAL_POST_NO_LEARNING],
    tools: { artifactStore: artifacts, dataDir },
  });
  const knowledgeApi = await buildApi({
    orm: db.orm, logger: createLogger({ level: 'silent' }), version: 'test',
    knowledge: { indexer, minQualityScore, retriever: new Retriever({ orm: db.orm, embedder, store: vectors }), store: vectors },
  });
  await knowledgeApi.ready();
  return {
    platform, db, dataDir, artifacts, vectors, indexer, learn, knowledgeApi,
    callKnowledge: (key, o) => knowledgeApi.inject({ ...o, headers: { authorization: `Bearer ${key}`, ...(o.headers ?? {}) } }),
    close: async () => {
      await knowledgeApi.close();
      await platform.close();
      await vectors.close();
      await db.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Registers a {@link LearningStack} for a test file. */
export function useLearningStack(opts: Parameters<typeof startLearningStack>[0] = {}): { readonly current: LearningStack } {
  let stack: LearningStack | undefined;
  beforeAll(async () => {
    stack = await startLearningStack(opts);
  }, 60_000);
  afterAll(async () => {
    await stack?.close();
  });
  return {
    get current() {
      if (!stack) throw new Error('useLearningStack: only available inside tests and hooks');
      return stack;
    },
  };
}
