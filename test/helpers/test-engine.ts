import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll } from 'vitest';
import { buildApi } from '../../src/api/app.js';
import type { StageHandler } from '../../src/contracts/execution.js';
import { createLogger } from '../../src/observability/logger.js';
import { PlatformMetrics } from '../../src/observability/metrics.js';
import type { WorkflowTemplateInput } from '../../src/planner/template.js';
import { issueApiKey } from '../../src/persistence/repositories/api-key.repository.js';
import { createTenant } from '../../src/persistence/repositories/tenant.repository.js';
import { createScope } from '../../src/persistence/scope.js';
import { StageWorker } from '../../src/queue/bullmq-stage-worker.js';
import { dropRedisPrefix as dropKeys } from '../../src/queue/bullmq-names.js';
import { DbStageInputs } from '../../src/queue/db-stage-inputs.js';
import { createEngine, createHandlers, type Engine } from '../../src/main/engine.js';
import { attachRealtime, type Realtime } from '../../src/realtime/realtime.server.js';
import { createToolLayer, type ToolLayer, type ToolLayerOptions } from '../../src/main/tool-layer.js';
import { createKnowledgeLayer, type KnowledgeLayer, type KnowledgeLayerOptions } from '../../src/main/knowledge-layer.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTestDatabase, type TestDatabase } from './test-db.js';

/** The two execution adapters every scenario runs against. */
export const ADAPTERS = ['in-process', 'bullmq'] as const;
export type Adapter = (typeof ADAPTERS)[number];

/** Redis for tests: TEST_REDIS_URL or the local server. */
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A unique BullMQ/Redis key prefix for one test file, so runs never collide. */
export const testPrefix = () => `vmptest-${randomUUID().slice(0, 8)}`;

/** Deletes every Redis key under a prefix. */
export const dropRedisPrefix = (prefix: string) => dropKeys(TEST_REDIS_URL, prefix);

/** A running platform for a test: database, engine (host + execution), API, and for BullMQ a worker. */
export interface TestPlatform {
  adapter: Adapter;
  db: TestDatabase;
  engine: Engine;
  app: FastifyInstance;
  worker: StageWorker | null;
  prefix: string;
  logLines: Record<string, unknown>[];
  /** The tool layer (agents, gates, artifacts) when the platform was started with `tools`. */
  tools: ToolLayer | null;
  /** The knowledge layer (indexer, retriever, local embedder, embedded store in the data directory) with `tools`, unless `knowledge: false`. */
  knowledge: KnowledgeLayer | null;
  /** With `realtime`: the listening server's base URL (`http://127.0.0.1:<port>`) and its Socket.IO. */
  url: string | null;
  realtime: Realtime | null;
  /** A tenant with an admin key. */
  tenant: (name?: string) => Promise<{ id: string; key: string }>;
  call: (key: string, opts: InjectOptions) => Promise<LightMyRequestResponse>;
  /** Builds a second engine (another process's worth) on the same database and Redis prefix. */
  restartEngine: (opts?: { hostId?: string }) => Promise<Engine>;
  close: () => Promise<void>;
}

/** Options of a test platform. */
export interface TestPlatformOptions {
  adapter: Adapter;
  handlers?: StageHandler[];
  templates?: WorkflowTemplateInput[];
  hostId?: string;
  /** Reuse a database (restart scenarios); default: a new one. */
  db?: TestDatabase;
  prefix?: string;
  /**
   * Start the tool layer too (agents, review gates, consolidation, agency templates, tool and
   * artifact routes), with these options; the data directory defaults to a temporary one.
   */
  tools?: Partial<Omit<ToolLayerOptions, 'orm' | 'logger'>>;
  /**
   * Listen on a free loopback port with Socket.IO attached (real clients can connect to `url`);
   * `{ redis: true }` shares rooms through the Redis adapter (channel key under the test prefix).
   */
  realtime?: boolean | { redis: boolean };
  /**
   * With `tools`, the knowledge layer is on by default (local embedder, embedded vector store under
   * the data directory): `rag.retrieve` for the agents, `learn.index`, the knowledge routes. `false`
   * turns it off; options replace its defaults. A test that passes its own `learn.index` handler or
   * `tools.knowledge` keeps its own stack instead.
   */
  knowledge?: false | Partial<Omit<KnowledgeLayerOptions, 'orm' | 'logger'>>;
}

let seq = 0;

/** Starts a full platform on its own database (and Redis prefix). */
export async function startPlatform(opts: TestPlatformOptions): Promise<TestPlatform> {
  const db = opts.db ?? (await createTestDatabase());
  const prefix = opts.prefix ?? testPrefix();
  const logLines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) logLines.push(JSON.parse(line) as Record<string, unknown>);
      cb();
    },
  });
  const logger = createLogger({ level: 'info', destination });
  const hostId = opts.hostId ?? `host-${prefix}`;
  const metrics = new PlatformMetrics({ defaultMetrics: false });
  const dataDir = opts.tools ? (opts.tools.dataDir ?? mkdtempSync(path.join(tmpdir(), 'vmp-tools-'))) : null;
  const handlerRegistry = opts.tools ? createHandlers(opts.handlers ?? []) : null;
  const ownLearning = (opts.handlers ?? []).some((h) => h.kind === 'learn.index') || opts.tools?.knowledge !== undefined;
  const knowledge = opts.tools && dataDir && opts.knowledge !== false && !ownLearning
    ? await createKnowledgeLayer({ dir: path.join(dataDir, 'vectors'), ...(opts.knowledge ?? {}), orm: db.orm, logger })
    : null;
  const tools = opts.tools && handlerRegistry && dataDir
    ? await createToolLayer({
      ...opts.tools, orm: db.orm, logger, metrics, dataDir, redisUrl: opts.adapter === 'bullmq' ? TEST_REDIS_URL : undefined, queuePrefix: prefix,
      ...(knowledge ? { knowledge } : {}),
    }, handlerRegistry)
    : null;
  const makeEngine = (id: string) => createEngine({
    orm: db.orm, logger, hostId: id, redisUrl: opts.adapter === 'bullmq' ? TEST_REDIS_URL : undefined, queuePrefix: prefix,
    templates: opts.templates ?? [], metrics, leaseMs: 2000,
    ...(tools && handlerRegistry ? { handlerRegistry, knownTools: (ref: string) => tools.registry.has(ref) } : { handlers: opts.handlers ?? [] }),
  });
  let engine = makeEngine(hostId);
  await engine.start();
  let worker: StageWorker | null = null;
  if (opts.adapter === 'bullmq') {
    worker = new StageWorker({
      redisUrl: TEST_REDIS_URL, prefix, handlers: handlerRegistry ?? createHandlers(opts.handlers ?? []), inputs: new DbStageInputs(() => db.orm.em.getKnex()),
      logger, concurrency: 32,
    });
    await worker.start();
  }
  const build = async (e: Engine) => {
    const api = await buildApi({
      orm: db.orm, logger, version: 'test', runs: { service: e.service, templates: e.templates }, metrics: { registry: e.metrics.registry, beforeScrape: e.refreshGauges },
      ...(tools ? {
        tools: { registry: tools.registry, governance: tools.governance, credentialSources: tools.credentialSources, sources: () => tools.sources(), circuits: () => tools.resilience.circuitStates() },
        mcp: { executor: tools.executor }, artifacts: tools.store,
      } : {}),
      ...(knowledge && tools ? {
        knowledge: {
          indexer: knowledge.indexer, minQualityScore: knowledge.minQualityScore, retriever: knowledge.retriever, store: knowledge.store,
          llmReranker: (ctx: { tenantId: string; requestId: string }) => tools.knowledgeReranker(ctx),
        },
      } : {}),
    });
    if (!opts.realtime) {
      await api.ready();
      return { api, rt: null, url: null };
    }
    const redis = typeof opts.realtime === 'object' && opts.realtime.redis ? { url: TEST_REDIS_URL, key: `${prefix}:realtime` } : undefined;
    const rt = await attachRealtime({ server: api.server, orm: db.orm, host: e.host, logger, ...(redis ? { redis } : {}) });
    const address = await api.listen({ host: '127.0.0.1', port: 0 });
    return { api, rt, url: address };
  };
  let built = await build(engine);
  let app = built.api;
  const platform: TestPlatform = {
    adapter: opts.adapter, db, get engine() { return engine; }, get app() { return app; }, worker, prefix, logLines, tools, knowledge,
    get url() { return built.url; }, get realtime() { return built.rt; },
    tenant: async (name) => {
      const actor = { type: 'system', id: null, role: 'admin' } as const;
      const { tenant } = await createTenant(db.orm.em.fork(), name ?? `t${Date.now().toString(36)}-${++seq}`, actor);
      const { key } = await issueApiKey(createScope(db.orm, tenant.id, actor), { role: 'admin', name: 'test admin' });
      return { id: tenant.id, key };
    },
    call: (key, o) => app.inject({ ...o, headers: { authorization: `Bearer ${key}`, ...(o.headers ?? {}) } }),
    restartEngine: async (o = {}) => {
      await built.rt?.close();
      await app.close();
      await engine.stop();
      engine = makeEngine(o.hostId ?? hostId);
      await engine.start();
      built = await build(engine);
      app = built.api;
      return engine;
    },
    close: async () => {
      await built.rt?.close();
      await app.close();
      await worker?.close(1000);
      await engine.stop();
      await tools?.close();
      await knowledge?.close();
      if (!opts.db) await db.close();
      if (dataDir && !opts.tools?.dataDir) rmSync(dataDir, { recursive: true, force: true });
      if (opts.adapter === 'bullmq') await dropRedisPrefix(prefix);
    },
  };
  return platform;
}

/** Registers a platform for a test file (beforeAll / afterAll) and returns a lazy handle to it. */
export function usePlatform(opts: TestPlatformOptions): { readonly current: TestPlatform } {
  let platform: TestPlatform | undefined;
  beforeAll(async () => {
    platform = await startPlatform(opts);
  });
  afterAll(async () => {
    await platform?.close();
  });
  return {
    get current() {
      if (!platform) throw new Error('usePlatform: only available inside tests and hooks');
      return platform;
    },
  };
}

/** Creates brand -> campaign -> task through the API and returns the task id. */
export async function seedTask(p: TestPlatform, key: string, opts: { channels?: string[]; requireApproval?: boolean } = {}): Promise<string> {
  const post = async (url: string, payload: object) => {
    const res = await p.call(key, { method: 'POST', url, payload });
    if (res.statusCode !== 201) throw new Error(`${url}: ${res.statusCode} ${res.body}`);
    return res.json() as { id: string };
  };
  const brand = await post('/v2/brands', { identity: { name: 'Acme' }, voice: { tone: 'warm' }, ...(opts.requireApproval ? { governance: { requireApproval: true } } : {}) });
  const campaign = await post('/v2/campaigns', { brandId: brand.id, name: 'Spring', channels: opts.channels ?? ['email'] });
  const task = await post('/v2/tasks', { campaignId: campaign.id, name: 'Launch post', deliverableType: 'social_post' });
  return task.id;
}

/** Starts a run through the API; returns its id. */
export async function startRun(p: TestPlatform, key: string, body: Record<string, unknown>, idemKey = randomUUID()): Promise<string> {
  const res = await p.call(key, { method: 'POST', url: '/v2/runs', payload: body, headers: { 'idempotency-key': idemKey } });
  if (res.statusCode !== 202) throw new Error(`start run: ${res.statusCode} ${res.body}`);
  return (res.json() as { id: string }).id;
}

/** A run as GET /v2/runs/:id answers it (loosely typed for tests). */
export type RunView = Record<string, unknown> & { status: string; version: number; stages: Array<Record<string, unknown>> };

/** Polls a run until `predicate` holds on GET /v2/runs/:id (or fails with the last state seen). */
export async function waitForRun(
  p: TestPlatform, key: string, runId: string, predicate: (run: RunView) => boolean, timeoutMs = 15_000,
): Promise<RunView> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    const res = await p.call(key, { method: 'GET', url: `/v2/runs/${runId}` });
    last = res.json();
    if (res.statusCode === 200 && predicate(last as RunView)) return last as RunView;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`run ${runId} did not reach the expected state in ${timeoutMs} ms; last: ${JSON.stringify(last).slice(0, 2000)}`);
}

/** Sends a command to a run. */
export function command(p: TestPlatform, key: string, runId: string, name: string, payload?: object, headers: Record<string, string> = {}) {
  return p.call(key, {
    method: 'POST', url: `/v2/runs/${runId}/${name}`, ...(payload ? { payload } : {}),
    headers: { 'idempotency-key': randomUUID(), ...headers },
  });
}
