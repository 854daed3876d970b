import { hostname } from 'node:os';
import type { ExecutionPort } from '../actors/execution-port.js';
import { RunHost } from '../actors/run-host.js';
import { RunService } from '../actors/run-service.js';
import type { StageHandler } from '../contracts/execution.js';
import type { Logger } from '../observability/logger.js';
import { PlatformMetrics } from '../observability/metrics.js';
import { TemplateRegistry } from '../planner/template-registry.js';
import { campaignContentTemplate } from '../planner/templates/campaign-content.template.js';
import { AGENCY_TEMPLATES, TEMPLATE_BY_DELIVERABLE } from '../planner/templates/agency-templates.js';
import type { KnownTools } from '../planner/planner.js';
import type { WorkflowTemplateInput } from '../planner/template.js';
import type { Orm } from '../persistence/orm.js';
import { BullmqExecution } from '../queue/bullmq.execution.js';
import { DbStageInputs } from '../queue/db-stage-inputs.js';
import { InProcessExecution } from '../queue/in-process.execution.js';
import { builtinHandlers } from '../tools/stage-handlers/builtin.handlers.js';
import type { HandlerRegistry } from '../tools/stage-handlers/handler-registry.js';

/** How to build the run engine. */
export interface EngineOptions {
  orm: Orm;
  logger: Logger;
  /** Default: the machine's hostname. */
  hostId?: string;
  /** Set: BullMQ execution (workers in other processes). Unset: in-process execution. */
  redisUrl?: string | undefined;
  queuePrefix?: string;
  /** In-process mode: attempts at once. */
  stageConcurrency?: number;
  /** BullMQ mode: lock on host-queue messages (how fast a restarted host takes over its messages). */
  queueLockMs?: number;
  /** Handlers beyond the built-in ones (tests, plugins). */
  handlers?: StageHandler[];
  /** The handler registry to use (the tool layer registered its agents into it); default: the built-ins. */
  handlerRegistry?: HandlerRegistry;
  /** Tool references templates may name (the tool registry); with it, the agency templates are offered. */
  knownTools?: KnownTools;
  /** Templates beyond the built-in ones. */
  templates?: WorkflowTemplateInput[];
  metrics?: PlatformMetrics;
  leaseMs?: number;
  /** Group commit tuning (see RunHostOptions): runs per batch, batches in flight. */
  maxBatchRuns?: number;
  maxConcurrentCommits?: number;
}

/** The run engine of a web process: host, command service, templates, handlers, execution, metrics. */
export interface Engine {
  host: RunHost;
  service: RunService;
  templates: TemplateRegistry;
  handlers: HandlerRegistry;
  execution: ExecutionPort;
  metrics: PlatformMetrics;
  /** Reads runs by status and the queue depth into the gauges (before a scrape). */
  refreshGauges: () => Promise<void>;
  start: () => Promise<{ rehydrated: number }>;
  stop: () => Promise<void>;
}

/** The handler registry: built-ins plus extra handlers. */
export function createHandlers(extra: StageHandler[] = []): HandlerRegistry {
  const registry = builtinHandlers();
  for (const h of extra) registry.register(h);
  return registry;
}

/**
 * The template registry: built-ins plus extra templates, each validated against the handlers (and
 * the tools, when known). The agency templates (social_post, email, blog_article, ad_copy) come
 * with the tool layer: they need its agent, review and consolidation handlers.
 */
export function createTemplates(handlers: HandlerRegistry, extra: WorkflowTemplateInput[] = [], knownTools?: KnownTools): TemplateRegistry {
  const templates = new TemplateRegistry(handlers.has, knownTools);
  templates.register(campaignContentTemplate);
  if (knownTools && handlers.has('review.gates')) for (const t of AGENCY_TEMPLATES) templates.register(t);
  for (const t of extra) templates.register(t);
  return templates;
}

/** The template for a run that names none: the agency template of the deliverable type when offered, else campaign-content. */
export function defaultTemplateFor(templates: TemplateRegistry): (deliverableType: string | undefined) => string {
  return (type) => {
    const name = type ? TEMPLATE_BY_DELIVERABLE[type] : undefined;
    return name && templates.list().some((t) => t.name === name) ? name : 'campaign-content';
  };
}

/**
 * Wires the run engine (factories, not a container): handlers and templates, the execution layer
 * (BullMQ when a Redis URL is given, in-process otherwise), the run host and the command service.
 */
export function createEngine(opts: EngineOptions): Engine {
  const handlers = opts.handlerRegistry ?? createHandlers(opts.handlers);
  if (opts.handlerRegistry) for (const h of opts.handlers ?? []) handlers.register(h);
  const templates = createTemplates(handlers, opts.templates, opts.knownTools);
  const metrics = opts.metrics ?? new PlatformMetrics();
  const hostId = opts.hostId ?? hostname();
  const inputs = new DbStageInputs(() => opts.orm.em.getKnex());
  const execution: ExecutionPort = opts.redisUrl
    ? new BullmqExecution({ redisUrl: opts.redisUrl, prefix: opts.queuePrefix ?? 'vmp', hostId, logger: opts.logger, role: 'host', ...(opts.queueLockMs ? { lockMs: opts.queueLockMs } : {}) })
    : new InProcessExecution({ handlers, inputs, logger: opts.logger, ...(opts.stageConcurrency ? { concurrency: opts.stageConcurrency } : {}) });
  const host = new RunHost({
    orm: opts.orm, hostId, execution, logger: opts.logger, metrics, ...(opts.leaseMs ? { leaseMs: opts.leaseMs } : {}),
    ...(opts.maxBatchRuns ? { maxBatchRuns: opts.maxBatchRuns } : {}), ...(opts.maxConcurrentCommits ? { maxConcurrentCommits: opts.maxConcurrentCommits } : {}),
  });
  const service = new RunService(host, templates, defaultTemplateFor(templates));
  const refreshGauges = async () => {
    const res = await opts.orm.em.getKnex().raw<{ rows: Array<{ status: string; n: string }> }>('select status, count(*) as n from workflow_run group by status');
    metrics.runsByStatus.reset();
    for (const row of res.rows) metrics.runsByStatus.set({ status: row.status }, Number(row.n));
    metrics.queueDepth.set(await execution.depth());
  };
  return { host, service, templates, handlers, execution, metrics, refreshGauges, start: () => host.start(), stop: () => host.stop() };
}
