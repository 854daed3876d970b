/**
 * The web service: API (and, with later issues, realtime and the run host). Reads the configuration,
 * opens the database (embedded by default), seeds the demo tenant on a first embedded start, listens,
 * and closes cleanly on SIGINT/SIGTERM.
 */
import closeWithGrace from 'close-with-grace';
import { mkdirSync } from 'node:fs';
import { buildApi } from '../api/app.js';
import { ConfigError, loadConfig } from '../config/env.js';
import { createLogger } from '../observability/logger.js';
import { openDatabase } from './database.js';
import { ensureDemoTenant } from './demo-tenant.js';
import { createEngine, createHandlers } from './engine.js';
import { PlatformMetrics } from '../observability/metrics.js';
import { createToolLayer, toolLayerOptionsFromConfig } from './tool-layer.js';
import { createKnowledgeLayer, knowledgeLayerOptionsFromConfig } from './knowledge-layer.js';
import { RetentionSweep } from '../rag/retention/retention-sweep.js';
import { prepareStudio } from './studio-build.js';
import { attachRealtime } from '../realtime/realtime.server.js';
import { platformVersion } from './version.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ level: config.LOG_LEVEL });
  mkdirSync(config.DATA_DIR, { recursive: true });
  const db = await openDatabase(config, logger, { migrate: config.MIGRATE_ON_START });
  logger.info({ database: db.embedded ? `embedded (${config.DATA_DIR}/pg)` : 'postgres' }, 'database ready');

  if (db.embedded) {
    const demo = await ensureDemoTenant(db.orm, config.DATA_DIR);
    if (demo) {
      process.stdout.write(
        `\n  First start: created tenant "demo" (${demo.tenantId}) and its admin API key:\n\n    ${demo.key}\n\n` +
          `  It is shown once; a copy is in ${demo.file} (mode 0600).\n` +
          `  Try: curl -H "Authorization: Bearer $(cat ${demo.file})" http://localhost:${config.PORT}/v2/brands\n\n`,
      );
    }
  }

  const metrics = new PlatformMetrics();
  const handlerRegistry = createHandlers();
  const knowledge = await createKnowledgeLayer(knowledgeLayerOptionsFromConfig(config, { orm: db.orm, logger }));
  const tools = await createToolLayer({ ...toolLayerOptionsFromConfig(config, { orm: db.orm, logger, metrics }), knowledge }, handlerRegistry);
  const engine = createEngine({
    orm: db.orm, logger, metrics, handlerRegistry, knownTools: (ref) => tools.registry.has(ref), redisUrl: config.REDIS_URL, queuePrefix: config.QUEUE_PREFIX, queueLockMs: config.WORKER_LOCK_MS, stageConcurrency: config.STAGE_CONCURRENCY,
    ...(config.RUN_HOST_ID ? { hostId: config.RUN_HOST_ID } : {}),
  });
  const { rehydrated } = await engine.start();
  logger.info({ hostId: engine.host.hostId, rehydrated, execution: config.REDIS_URL ? 'bullmq (run `npm run worker`)' : 'in-process' }, 'run engine ready');

  const app = await buildApi({
    orm: db.orm, logger, version: platformVersion(),
    runs: { service: engine.service, templates: engine.templates },
    metrics: { registry: engine.metrics.registry, beforeScrape: engine.refreshGauges },
    tools: {
      registry: tools.registry, governance: tools.governance, credentialSources: tools.credentialSources,
      sources: () => tools.sources(), circuits: () => tools.resilience.circuitStates(),
    },
    mcp: { executor: tools.executor },
    artifacts: tools.store,
    knowledge: {
      indexer: knowledge.indexer, minQualityScore: knowledge.minQualityScore, retriever: knowledge.retriever, store: knowledge.store,
      llmReranker: (ctx) => tools.knowledgeReranker(ctx),
    },
    studio: prepareStudio({ logger }),
  });
  // Socket.IO on the same port; with REDIS_URL its rooms are shared with the other instances.
  const realtime = await attachRealtime({
    server: app.server, orm: db.orm, host: engine.host, logger,
    ...(config.REDIS_URL ? { redis: { url: config.REDIS_URL, key: `${config.QUEUE_PREFIX}:realtime` } } : {}),
  });
  // Knowledge retention (tenant and brand retentionDays) and leftovers of deleted brands, hourly.
  const retention = new RetentionSweep({ orm: db.orm, purger: knowledge.indexer, logger });
  retention.start();
  closeWithGrace({ delay: 10_000 }, async ({ err, signal }) => {
    if (err) logger.error({ err }, 'shutting down after an error');
    else logger.info({ signal }, 'shutting down');
    await retention.stop();
    await realtime.close();
    await app.close();
    await engine.stop();
    await tools.close();
    await knowledge.close();
    await db.close();
  });
  const address = await app.listen({ host: config.HOST, port: config.PORT });
  logger.info({ address }, `VM Platform ${platformVersion()} listening on ${address} (API docs: ${address}/docs)`);
}

function describe(err: unknown): string {
  if (err instanceof Error) return err.stack ?? err.message;
  try {
    return JSON.stringify(err);
  } catch {
    return String(err);
  }
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) process.stderr.write(`${err.message}\nSee .env.example for every variable.\n`);
  else process.stderr.write(`Start-up failed: ${describe(err)}\n`);
  process.exit(1);
});
