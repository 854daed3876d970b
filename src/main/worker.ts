/**
 * A stage worker process (`npm run worker`): consumes the BullMQ `stages` queue and runs stage
 * handlers. Needs REDIS_URL and DATABASE_URL (it reads contexts and upstream outputs). Runs
 * WORKER_CONCURRENCY attempts at once; on SIGINT/SIGTERM it stops taking jobs and lets running
 * attempts finish (aborting them after 10 s).
 */
import closeWithGrace from 'close-with-grace';
import { ConfigError, loadConfig } from '../config/env.js';
import { createLogger } from '../observability/logger.js';
import { createOrm } from '../persistence/orm.js';
import { DbStageInputs } from '../queue/db-stage-inputs.js';
import { StageWorker } from '../queue/bullmq-stage-worker.js';
import { createHandlers } from './engine.js';
import { PlatformMetrics } from '../observability/metrics.js';
import { createToolLayer, toolLayerOptionsFromConfig } from './tool-layer.js';
import { createKnowledgeLayer, knowledgeLayerOptionsFromConfig } from './knowledge-layer.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ level: config.LOG_LEVEL, name: 'vm-platform-worker' });
  if (!config.REDIS_URL || !config.DATABASE_URL) {
    throw new ConfigError(['REDIS_URL and DATABASE_URL: a worker process needs both (without REDIS_URL, stages run inside the server)']);
  }
  const orm = await createOrm({ target: { kind: 'postgres', url: config.DATABASE_URL, poolMax: config.DATABASE_POOL_MAX } });
  const handlers = createHandlers();
  // Workers run the agents (rag.retrieve) and the learn stage (indexing): they need the knowledge layer too.
  const knowledge = await createKnowledgeLayer(knowledgeLayerOptionsFromConfig(config, { orm, logger }));
  const tools = await createToolLayer({ ...toolLayerOptionsFromConfig(config, { orm, logger, metrics: new PlatformMetrics() }), knowledge }, handlers);
  const worker = new StageWorker({
    redisUrl: config.REDIS_URL, prefix: config.QUEUE_PREFIX, handlers, inputs: new DbStageInputs(() => orm.em.getKnex()),
    logger, concurrency: config.WORKER_CONCURRENCY, lockMs: config.WORKER_LOCK_MS,
  });
  await worker.start();
  logger.info({ concurrency: config.WORKER_CONCURRENCY, queue: `${config.QUEUE_PREFIX}:bull:stages` }, 'stage worker ready');
  closeWithGrace({ delay: 15_000 }, async ({ signal, err }) => {
    if (err) logger.error({ err }, 'worker stopping after an error');
    else logger.info({ signal }, 'worker stopping: finishing running attempts');
    await worker.close(10_000);
    await tools.close();
    await knowledge.close();
    await orm.close();
  });
}

main().catch((err: unknown) => {
  process.stderr.write(err instanceof ConfigError ? `${err.message}\n` : `Worker failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
