/** A stage worker process with the benchmark's tool handler (BullMQ mode). */
import { createLogger } from '../../src/observability/logger.js';
import { createOrm } from '../../src/persistence/orm.js';
import { StageWorker } from '../../src/queue/bullmq-stage-worker.js';
import { DbStageInputs } from '../../src/queue/db-stage-inputs.js';
import { createHandlers } from '../../src/main/engine.js';
import { benchTool } from './workload.js';

const env = process.env;
const orm = await createOrm({ target: { kind: 'postgres', url: env.DATABASE_URL ?? '', poolMax: 10 } });
const worker = new StageWorker({
  redisUrl: env.REDIS_URL ?? '', prefix: env.QUEUE_PREFIX ?? 'vmp', handlers: createHandlers([benchTool]), inputs: new DbStageInputs(() => orm.em.getKnex()),
  logger: createLogger({ level: 'warn' }), concurrency: Number(env.WORKER_CONCURRENCY ?? 50),
});
await worker.start();
process.on('SIGTERM', () => {
  void worker.close(1000).then(() => orm.close()).then(() => process.exit(0));
});
process.stdout.write('worker ready\n');
