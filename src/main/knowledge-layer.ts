import path from 'node:path';
import type { Config } from '../config/env.js';
import type { Logger } from '../observability/logger.js';
import type { Orm } from '../persistence/orm.js';
import type { Embedder } from '../rag/embeddings/embedder.port.js';
import { LocalEmbedder } from '../rag/embeddings/local-embedder.js';
import { OpenAiEmbedder } from '../rag/embeddings/openai-embedder.js';
import { KnowledgeIndexer } from '../rag/knowledge/knowledge-indexer.js';
import { DEFAULT_MIN_QUALITY_SCORE } from '../rag/learning/learning-signals.js';
import { Retriever } from '../rag/retrieval/retriever.js';
import { EmbeddedVectorStore } from '../rag/vector-store/embedded-vector-store.js';
import { MilvusVectorStore } from '../rag/vector-store/milvus-vector-store.js';
import type { VectorStore } from '../rag/vector-store/vector-store.port.js';

/** The embeddings model used with an OpenAI-compatible endpoint when none is named. */
export const DEFAULT_EMBEDDINGS_MODEL = 'text-embedding-3-small';

/** How to build the knowledge layer. */
export interface KnowledgeLayerOptions {
  orm: Orm;
  logger: Logger;
  /** Where the embedded vector store keeps its files (`KNOWLEDGE_DIR`, default `$DATA_DIR/vectors`). */
  dir: string;
  /** Vector length of the embedder and the store. Default 384. */
  dimension?: number;
  /** An OpenAI-compatible embeddings endpoint; unset: the local embedder. */
  embeddings?: { baseUrl: string; apiKey?: string | undefined; model?: string | undefined } | undefined;
  /** Milvus / Zilliz; unset: the embedded store under `dir`. */
  milvus?: { address: string; token?: string | undefined; collection?: string | undefined } | undefined;
  /** `KNOWLEDGE_MIN_QUALITY_SCORE`. */
  minQualityScore?: number;
  /** Given adapters replace the configured ones (tests). */
  embedder?: Embedder;
  store?: VectorStore;
}

/** The knowledge layer of a process: embedder, vector store, indexer and retriever. */
export interface KnowledgeLayer {
  embedder: Embedder;
  store: VectorStore;
  indexer: KnowledgeIndexer;
  retriever: Retriever;
  /** The tenant default of the least quality score for indexing. */
  minQualityScore: number;
  /** `local/hash-ngram-384 + embedded:/data/vectors`, for logs. */
  describe(): { embedder: string; store: string };
  close(): Promise<void>;
}

function buildEmbedder(opts: KnowledgeLayerOptions, dimension: number): Embedder {
  if (opts.embedder) return opts.embedder;
  if (opts.embeddings) {
    return new OpenAiEmbedder({
      baseURL: opts.embeddings.baseUrl, model: opts.embeddings.model ?? DEFAULT_EMBEDDINGS_MODEL, dimension,
      ...(opts.embeddings.apiKey ? { apiKey: opts.embeddings.apiKey } : {}),
    });
  }
  return new LocalEmbedder({ dimension });
}

function buildStore(opts: KnowledgeLayerOptions, dimension: number): VectorStore {
  if (opts.store) return opts.store;
  if (opts.milvus) {
    return new MilvusVectorStore({
      address: opts.milvus.address, dimension,
      ...(opts.milvus.token ? { token: opts.milvus.token } : {}), ...(opts.milvus.collection ? { collection: opts.milvus.collection } : {}),
    });
  }
  return new EmbeddedVectorStore({
    dir: opts.dir, dimension,
    onWarning: (w) => opts.logger.warn({ warning: w }, 'embedded vector store'),
  });
}

/**
 * Builds the knowledge layer: the local embedder and the embedded vector store by default, an
 * OpenAI-compatible embeddings endpoint with `embeddings`, Milvus with `milvus`. The store is
 * initialised here (a Milvus that cannot be reached fails start-up with its reason). Chunks indexed
 * with another embedder than the configured one are reported: their vectors do not compare with
 * new ones, so that knowledge should be re-indexed (or the old store kept).
 */
export async function createKnowledgeLayer(opts: KnowledgeLayerOptions): Promise<KnowledgeLayer> {
  const dimension = opts.embedder?.dimension ?? opts.store?.dimension ?? opts.dimension ?? 384;
  const embedder = buildEmbedder(opts, dimension);
  const store = buildStore(opts, dimension);
  if (embedder.dimension !== store.dimension) {
    throw new Error(`knowledge layer: the embedder makes ${embedder.dimension}-dimension vectors but the vector store holds ${store.dimension}`);
  }
  await store.init();
  const indexer = new KnowledgeIndexer({ orm: opts.orm, embedder, store, logger: opts.logger });
  const retriever = new Retriever({ orm: opts.orm, embedder, store, logger: opts.logger });
  const label = indexer.embedderLabel;
  const where = store.kind === 'milvus' ? `milvus:${opts.milvus?.address ?? ''}` : `embedded:${opts.store ? '(given)' : opts.dir}`;
  const others = await opts.orm.em.fork().getConnection().execute<Array<{ embedder: string; n: string | number }>>(
    // Two ranges instead of `<>` so the embedder index answers it: nothing is read when every chunk is this embedder's.
    'select embedder, count(*) as n from knowledge_chunk where embedder < ? or embedder > ? group by embedder', [label, label],
  );
  if (others.length > 0) {
    opts.logger.warn({ configured: label, others: others.map((o) => ({ embedder: o.embedder, chunks: Number(o.n) })) },
      'knowledge chunks indexed with another embedder: their vectors do not compare with this one\'s; re-index them or configure that embedder');
  }
  const minQualityScore = opts.minQualityScore ?? DEFAULT_MIN_QUALITY_SCORE;
  opts.logger.info({ embedder: label, dimension, vectorStore: where, minQualityScore }, 'knowledge layer ready');
  return {
    embedder, store, indexer, retriever, minQualityScore,
    describe: () => ({ embedder: label, store: where }),
    close: () => store.close(),
  };
}

/** The knowledge layer's options from the validated configuration. */
export function knowledgeLayerOptionsFromConfig(config: Config, base: Pick<KnowledgeLayerOptions, 'orm' | 'logger'>): KnowledgeLayerOptions {
  return {
    ...base,
    dir: config.KNOWLEDGE_DIR ?? path.join(config.DATA_DIR, 'vectors'),
    dimension: config.EMBEDDINGS_DIMENSION,
    minQualityScore: config.KNOWLEDGE_MIN_QUALITY_SCORE,
    ...(config.EMBEDDINGS_BASE_URL ? { embeddings: { baseUrl: config.EMBEDDINGS_BASE_URL, apiKey: config.EMBEDDINGS_API_KEY, model: config.EMBEDDINGS_MODEL } } : {}),
    ...(config.MILVUS_ADDRESS ? { milvus: { address: config.MILVUS_ADDRESS, token: config.MILVUS_TOKEN, collection: config.MILVUS_COLLECTION } } : {}),
  };
}
