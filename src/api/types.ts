import type { RunService } from '../actors/run-service.js';
import type { Role } from '../domain/roles.js';
import type { PlatformMetrics } from '../observability/metrics.js';
import type { TemplateRegistry } from '../planner/template-registry.js';
import type { Orm } from '../persistence/orm.js';
import type { Scope } from '../persistence/scope.js';
import type { Logger } from '../observability/logger.js';
import type { KnowledgeIndexer } from '../rag/knowledge/knowledge-indexer.js';
import type { LlmReranker } from '../rag/retrieval/retrieval-types.js';
import type { Retriever } from '../rag/retrieval/retriever.js';
import type { VectorStore } from '../rag/vector-store/vector-store.port.js';
import type { ArtifactStore } from '../storage/artifact-store.js';
import type { CredentialSources } from '../tools/governance/credentials.js';
import type { GovernanceSource } from '../tools/governance/governance-source.js';
import type { ToolRegistry } from '../tools/registry.js';
import type { ToolExecutor } from '../tools/execution/tool-executor.js';
import type { StudioSource } from './routes/studio.routes.js';

/** A plugin or MCP server as GET /v2/tools/plugins lists it (`tenantId` null: every tenant's). */
export interface ToolSourceInfo {
  name: string;
  kind: 'plugin' | 'mcp';
  source: string;
  status: 'loaded' | 'connected' | 'failed';
  version: string | null;
  tools: string[];
  handlers: string[];
  error: string | null;
  tenantId: string | null;
}

/** What the tool routes need. */
export interface ToolApiDeps {
  orm: Orm;
  registry: ToolRegistry;
  governance: GovernanceSource;
  credentialSources: CredentialSources;
  /** Plugins and MCP servers with their status. */
  sources: () => ToolSourceInfo[];
  /** Circuit breaker states by key (cockatiel CircuitState numbers). */
  circuits: () => Record<string, number>;
}

/** The knowledge layer as the API uses it. */
export interface KnowledgeApiDeps {
  /** Writes and deletes knowledge (chunk rows and vectors together). */
  indexer: KnowledgeIndexer;
  /** `KNOWLEDGE_MIN_QUALITY_SCORE`: the indexing threshold when neither tenant nor brand sets one. */
  minQualityScore: number;
  /** Hybrid retrieval and the vector store: with both, POST /v2/knowledge/search and GET /v2/knowledge/stats are served. */
  retriever?: Retriever;
  store?: VectorStore;
  /** An LLM reranker for a search request (a real provider is configured), or null: score fusion only. */
  llmReranker?: (ctx: { tenantId: string; requestId: string }) => LlmReranker | null;
}

/** What the API needs from the composition root. */
export interface ApiDeps {
  orm: Orm;
  logger: Logger;
  /** The platform version, shown in OpenAPI and /healthz. */
  version: string;
  /** The run engine's commands and templates; without it the run routes are not served. */
  runs?: { service: RunService; templates: TemplateRegistry };
  /** The tool catalog and governance; without it the tool routes are not served. */
  tools?: Omit<ToolApiDeps, 'orm'>;
  /** Served at /mcp (MCP over streamable HTTP, API-key auth) when present. */
  mcp?: { executor: ToolExecutor };
  /** The artifact store; without it the artifact routes are not served. */
  artifacts?: ArtifactStore;
  /**
   * The knowledge layer; without it brand deletion and retention remove chunk rows only (no vector
   * store in this process) and the platform default threshold applies.
   */
  knowledge?: KnowledgeApiDeps;
  /** Served at GET /metrics (Prometheus text format) when present. */
  metrics?: { registry: PlatformMetrics['registry']; beforeScrape?: () => Promise<void> };
  /** The web Studio, served at / (index.html for every non-API GET) when present. */
  studio?: StudioSource;
}

/** The authenticated caller of a request. */
export interface AuthContext {
  tenantId: string;
  keyId: string;
  role: Role;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the auth plugin on /v2 routes; null before authentication. */
    auth: AuthContext | null;
    /** The tenant-scoped unit of work of this request (set with `auth`). */
    scope: Scope;
  }
  interface FastifyContextConfig {
    /** The least role a key needs for this route (default: viewer). */
    role?: Role;
  }
}
