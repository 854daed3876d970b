/** A stage worker process as src/main/worker.ts composes it, plus the crash test's recording handler. */
import { loadConfig } from '../../../src/config/env.js';
import { createLogger } from '../../../src/observability/logger.js';
import { createOrm } from '../../../src/persistence/orm.js';
import { StageWorker } from '../../../src/queue/bullmq-stage-worker.js';
import { DbStageInputs } from '../../../src/queue/db-stage-inputs.js';
import { createHandlers } from '../../../src/main/engine.js';
import { recordingHandler } from './recording.handler.js';

const config = loadConfig();
const orm = await createOrm({ target: { kind: 'postgres', url: config.DATABASE_URL ?? '' } });
const worker = new StageWorker({
  redisUrl: config.REDIS_URL ?? '', prefix: config.QUEUE_PREFIX, handlers: createHandlers([recordingHandler(config.DATABASE_URL ?? '')]),
  inputs: new DbStageInputs(() => orm.em.getKnex()), logger: createLogger({ level: 'warn' }), concurrency: config.WORKER_CONCURRENCY, lockMs: config.WORKER_LOCK_MS,
});
await worker.start();
process.stdout.write('worker ready\n');
