/**
 * The platform's web process as src/main/server.ts composes it, plus the recording handler and
 * template of the crash test. Reads the same environment (DATABASE_URL, REDIS_URL, RUN_HOST_ID, …).
 */
import { buildApi } from '../../../src/api/app.js';
import { loadConfig } from '../../../src/config/env.js';
import { createLogger } from '../../../src/observability/logger.js';
import { openDatabase } from '../../../src/main/database.js';
import { createEngine } from '../../../src/main/engine.js';
import { recordingHandler, recordingTemplate } from './recording.handler.js';

const config = loadConfig();
const logger = createLogger({ level: 'warn' });
const db = await openDatabase(config, logger, { migrate: true });
const engine = createEngine({
  orm: db.orm, logger, redisUrl: config.REDIS_URL, queuePrefix: config.QUEUE_PREFIX, queueLockMs: config.WORKER_LOCK_MS, ...(config.RUN_HOST_ID ? { hostId: config.RUN_HOST_ID } : {}),
  handlers: [recordingHandler(config.DATABASE_URL ?? '')], templates: [recordingTemplate],
});
const { rehydrated } = await engine.start();
const app = await buildApi({ orm: db.orm, logger, version: 'crash-test', runs: { service: engine.service, templates: engine.templates } });
const address = await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`rehydrated ${rehydrated}\nlistening on ${address}\n`);
