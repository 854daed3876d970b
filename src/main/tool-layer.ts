import path from 'node:path';
import { uuidv7 } from '../domain/ids.js';
import type { ToolSourceInfo } from '../api/types.js';
import type { Config } from '../config/env.js';
import type { StageHandler } from '../contracts/execution.js';
import type { Logger } from '../observability/logger.js';
import type { PlatformMetrics } from '../observability/metrics.js';
import type { Orm } from '../persistence/orm.js';
import { loadRunFacts } from '../persistence/runs/run-facts.js';
import type { KnowledgeIndexer } from '../rag/knowledge/knowledge-indexer.js';
import { learnHandler } from '../rag/learning/learn.handler.js';
import { AnthropicProvider } from '../providers/anthropic.provider.js';
import { OfflineProvider } from '../providers/offline.provider.js';
import { OpenAiCompatibleProvider } from '../providers/openai-compatible.provider.js';
import { defaultRoutes, ProviderRouter, routesFromSpec } from '../providers/provider-router.js';
import type { LlmProvider } from '../providers/provider.js';
import { redisConnection } from '../queue/bullmq-names.js';
import { createArtifactStore, s3OptionsFromEnv, type S3StoreSettings } from '../storage/artifact-store.factory.js';
import type { ArtifactStore } from '../storage/artifact-store.js';
import { loadMcpServersConfig } from '../tools/adapters/mcp-config.js';
import { McpRegistrar, tenantResolverFromOrm } from '../tools/adapters/mcp-registrar.js';
import { agentHandlers } from '../tools/agents/agent.handlers.js';
import { brandKnowledgeTool } from '../tools/builtin/brand-knowledge.tool.js';
import { httpRequestTool } from '../tools/builtin/http-request.tool.js';
import { llmCompleteTool } from '../tools/builtin/llm-complete.tool.js';
import { executorReranker, ragRetrieveTool, type RunKnowledgeScope } from '../tools/builtin/rag-retrieve.tool.js';
import type { LlmReranker } from '../rag/retrieval/retrieval-types.js';
import type { Retriever } from '../rag/retrieval/retriever.js';
import { consolidateHandler } from '../tools/consolidation/consolidate.handler.js';
import { ToolResilience } from '../tools/execution/resilience.js';
import { OrmToolCallStore } from '../tools/execution/tool-call-store.js';
import { ToolExecutor } from '../tools/execution/tool-executor.js';
import { reviewHandler } from '../tools/gates/review.handler.js';
import { CredentialResolver, type CredentialSources } from '../tools/governance/credentials.js';
import { CachedGovernanceSource } from '../tools/governance/governance-source.js';
import { MemoryRateLimiter, type RateLimiter } from '../tools/governance/rate-limiter.js';
import { RedisRateLimiter } from '../tools/governance/redis.rate-limiter.js';
import { loadPlugins, PluginCatalog } from '../tools/plugins/plugin-loader.js';
import { ToolRegistry } from '../tools/registry.js';
import type { AnyTool } from '../tools/tool.js';
import type { HandlerRegistry } from '../tools/stage-handlers/handler-registry.js';

/** How to build the tool layer. */
export interface ToolLayerOptions {
  orm: Orm;
  logger: Logger;
  metrics?: PlatformMetrics;
  dataDir: string;
  /** Set: rate limits shared through Redis. */
  redisUrl?: string | undefined;
  queuePrefix?: string;
  /** LLM providers from configuration; `providers` replaces them (tests). The offline provider is always there. */
  llm?: { openaiApiKey?: string | undefined; openaiBaseUrl?: string | undefined; anthropicApiKey?: string | undefined; anthropicBaseUrl?: string | undefined; routes?: string | undefined; stream?: boolean };
  providers?: LlmProvider[];
  /** The artifact store: given, or built from `s3` (S3 when it names a bucket, `$dataDir/artifacts` otherwise). */
  artifactStore?: ArtifactStore;
  s3?: S3StoreSettings | undefined;
  credentials?: Partial<CredentialSources>;
  pluginsDir?: string | undefined;
  plugins?: string[];
  mcpServersFile?: string | undefined;
  /** Tools beyond the built-in ones (tests). */
  tools?: AnyTool[];
  agentMaxSteps?: number;
  agentMaxCostUsd?: number;
  /**
   * The knowledge layer: with it the learn stage `learn.index` is registered; with its retriever also
   * `rag.retrieve`, which the researcher and the copywriter then use.
   */
  knowledge?: { indexer: KnowledgeIndexer; minQualityScore: number; retriever?: Retriever };
}

/** The tool layer of a process: registry, governed executor, providers, artifact store, agent handlers. */
export interface ToolLayer {
  registry: ToolRegistry;
  executor: ToolExecutor;
  resilience: ToolResilience;
  governance: CachedGovernanceSource;
  router: ProviderRouter;
  store: ArtifactStore;
  credentialSources: CredentialSources;
  /** Handlers of the agents, the review, consolidation, and of plugins, registered into the given registry. */
  plugins: PluginCatalog;
  mcp: McpRegistrar | null;
  /** Plugins and MCP servers with their status. */
  sources(): ToolSourceInfo[];
  /**
   * An LLM reranker for a knowledge search outside runs (the HTTP route), calling `llm.complete`
   * through the executor; null when only the offline provider is configured (it cannot judge).
   */
  knowledgeReranker(ctx: { tenantId: string; requestId: string }): LlmReranker | null;
  close(): Promise<void>;
}

function configuredProviders(opts: ToolLayerOptions): LlmProvider[] {
  if (opts.providers) return opts.providers;
  const list: LlmProvider[] = [];
  const llm = opts.llm ?? {};
  if (llm.openaiApiKey || llm.openaiBaseUrl) {
    list.push(new OpenAiCompatibleProvider({ ...(llm.openaiApiKey ? { apiKey: llm.openaiApiKey } : { apiKey: 'none' }), ...(llm.openaiBaseUrl ? { baseURL: llm.openaiBaseUrl } : {}), stream: llm.stream ?? false }));
  }
  if (llm.anthropicApiKey) list.push(new AnthropicProvider({ apiKey: llm.anthropicApiKey, ...(llm.anthropicBaseUrl ? { baseURL: llm.anthropicBaseUrl } : {}), stream: llm.stream ?? false }));
  return list;
}

/**
 * Builds the tool layer and registers its stage handlers (agents, `review.gates`,
 * `consolidate.artifacts`, with the knowledge layer `learn.index`, plugin handlers) into `handlers`. Plugins and MCP servers that fail are
 * reported (log and GET /v2/tools/plugins) and skipped: start-up goes on.
 */
export async function createToolLayer(opts: ToolLayerOptions, handlers: HandlerRegistry): Promise<ToolLayer> {
  const resilience = new ToolResilience(opts.metrics);
  const providers = [...configuredProviders(opts).filter((p) => p.name !== 'offline'), new OfflineProvider()];
  const routes = { ...defaultRoutes(providers.map((p) => p.name)), ...(opts.llm?.routes ? routesFromSpec(opts.llm.routes) : {}) };
  const router = new ProviderRouter({ providers, routes, guard: resilience });
  const knex = () => opts.orm.em.getKnex();
  const loadContext = async (_tenantId: string, runId: string) => {
    const res = await knex().raw<{ rows: Array<{ context: Record<string, unknown> }> }>(
      'select s.context from workflow_run r join context_snapshot s on s.id = r.context_snapshot_id where r.id = ?', [runId]);
    return res.rows[0]?.context ?? null;
  };
  const registry = new ToolRegistry();
  registry.register(llmCompleteTool(router));
  registry.register(httpRequestTool);
  registry.register(brandKnowledgeTool(loadContext));
  const realProvider = providers.some((p) => p.name !== 'offline');
  const retriever = opts.knowledge?.retriever;
  if (retriever) {
    const scope: RunKnowledgeScope = async (tenantId, runId) => {
      const res = await knex().raw<{ rows: Array<{ refs: { brandId: string; campaignId?: string }; task_type: string | null }> }>(
        `select s.refs, s.context->>'deliverableType' as task_type
           from workflow_run r join context_snapshot s on s.id = r.context_snapshot_id
          where r.id = ? and r.tenant_id = ?`, [runId, tenantId]);
      const row = res.rows[0];
      return row ? { brandId: row.refs.brandId, campaignId: row.refs.campaignId ?? null, taskType: row.task_type } : null;
    };
    registry.register(ragRetrieveTool({
      retriever, scope,
      // The LLM reranker calls llm.complete through the executor made below (only with a real provider).
      executor: realProvider ? () => executor : undefined,
    }));
  }
  for (const t of opts.tools ?? []) registry.register(t);

  const governance = new CachedGovernanceSource(opts.orm);
  const rateLimiter: RateLimiter = opts.redisUrl ? new RedisRateLimiter(redisConnection(opts.redisUrl), opts.queuePrefix ?? 'vmp') : new MemoryRateLimiter();
  const credentialSources: CredentialSources = {
    envPrefix: opts.credentials?.envPrefix ?? 'VMP_SECRET_', dir: opts.credentials?.dir ?? path.join(opts.dataDir, 'credentials'), ...(opts.credentials?.env ? { env: opts.credentials.env } : {}),
  };
  const executor = new ToolExecutor({
    registry, resilience, governance, rateLimiter, credentials: new CredentialResolver(credentialSources),
    store: new OrmToolCallStore(opts.orm), ...(opts.metrics ? { metrics: opts.metrics } : {}), logger: opts.logger,
  });
  const store = opts.artifactStore ?? createArtifactStore({ dataDir: opts.dataDir, ...(opts.s3 ? { s3: opts.s3 } : {}) });
  await store.check?.();

  const facts = (runId: string) => loadRunFacts(knex(), runId);
  const own: StageHandler[] = [
    ...agentHandlers({ executor, facts, knowledge: retriever !== undefined, ...(opts.agentMaxSteps ? { maxSteps: opts.agentMaxSteps } : {}), ...(opts.agentMaxCostUsd ? { maxCostUsd: opts.agentMaxCostUsd } : {}) }),
    reviewHandler({ executor, facts }),
    consolidateHandler({ orm: opts.orm, store, facts }),
    ...(opts.knowledge ? [learnHandler({ orm: opts.orm, store, indexer: opts.knowledge.indexer, defaultMinQualityScore: opts.knowledge.minQualityScore, logger: opts.logger })] : []),
  ];
  for (const h of own) handlers.register(h);

  const plugins = new PluginCatalog();
  if (opts.pluginsDir || opts.plugins?.length) {
    plugins.add(await loadPlugins({ ...(opts.pluginsDir ? { dir: opts.pluginsDir } : {}), packages: opts.plugins ?? [], registry, handlers, logger: opts.logger }));
  }
  let mcp: McpRegistrar | null = null;
  let mcpConfigError: string | null = null;
  if (opts.mcpServersFile) {
    mcp = new McpRegistrar(registry, { resolveTenant: tenantResolverFromOrm(opts.orm), logger: opts.logger });
    try {
      await mcp.start(await loadMcpServersConfig(opts.mcpServersFile));
    } catch (err) {
      opts.logger.error({ err, file: opts.mcpServersFile }, 'MCP servers config is invalid; no MCP server was started');
      mcpConfigError = err instanceof Error ? err.message : String(err);
    }
  }
  opts.logger.info({ tools: registry.refs().length, providers: providers.map((p) => p.name), artifacts: store.location }, 'tool layer ready');

  return {
    registry, executor, resilience, governance, router, store, credentialSources, plugins, mcp,
    knowledgeReranker: (ctx) => (realProvider
      ? executorReranker(() => executor, { tenantId: ctx.tenantId, projectId: null, agent: null, runId: null, stageId: null, idempotencyKey: `knowledge-search:${ctx.requestId}:${uuidv7()}` })
      : null),
    sources: () => [
      ...plugins.list().map((p) => ({
        name: p.name, kind: 'plugin' as const, source: p.source, status: p.status, version: p.version ?? null, tools: p.tools, handlers: p.handlers, error: p.error ?? null, tenantId: null,
      })),
      ...(mcp?.status() ?? []).map((s) => ({
        name: s.name, kind: 'mcp' as const, source: `mcp:${s.tenant}`, status: s.status, version: null, tools: s.toolNames, handlers: [], error: s.error ?? null, tenantId: s.tenantId,
      })),
      ...(mcpConfigError ? [{ name: 'mcp-servers', kind: 'mcp' as const, source: opts.mcpServersFile ?? '', status: 'failed' as const, version: null, tools: [], handlers: [], error: mcpConfigError, tenantId: null }] : []),
    ],
    async close() {
      await mcp?.close();
      await rateLimiter.close?.();
      await store.close?.();
    },
  };
}

/** The tool layer's options from the validated configuration. */
export function toolLayerOptionsFromConfig(config: Config, base: Pick<ToolLayerOptions, 'orm' | 'logger' | 'metrics'>, env: Record<string, string | undefined> = process.env): ToolLayerOptions {
  const s3 = s3OptionsFromEnv(env);
  return {
    ...base,
    dataDir: config.DATA_DIR,
    redisUrl: config.REDIS_URL,
    queuePrefix: config.QUEUE_PREFIX,
    llm: {
      openaiApiKey: config.OPENAI_API_KEY, openaiBaseUrl: config.OPENAI_BASE_URL, anthropicApiKey: config.ANTHROPIC_API_KEY,
      anthropicBaseUrl: config.ANTHROPIC_BASE_URL, routes: config.LLM_ROUTES, stream: config.LLM_STREAM,
    },
    ...(s3 ? { s3 } : {}),
    credentials: { envPrefix: config.CREDENTIAL_ENV_PREFIX, ...(config.CREDENTIALS_DIR ? { dir: config.CREDENTIALS_DIR } : {}) },
    pluginsDir: config.PLUGINS_DIR,
    plugins: config.PLUGINS ? config.PLUGINS.split(',') : [],
    mcpServersFile: config.MCP_SERVERS_FILE,
    agentMaxSteps: config.AGENT_MAX_STEPS,
    agentMaxCostUsd: config.AGENT_MAX_COST_USD,
  };
}
