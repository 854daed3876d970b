import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The platform's Prometheus metrics (served at GET /metrics). One registry per process; the run
 * host and the execution layer report through the small {@link EngineMetrics} interface.
 */
export interface EngineMetrics {
  /** A group commit: how many runs and rows it wrote and how long the transaction took. */
  batchCommitted(runs: number, rows: number, events: number, seconds: number): void;
  /** A commit that failed (the batch's runs are reloaded). */
  batchFailed(): void;
  /** Run transitions committed, by target status. */
  transitions(count: number): void;
  /** An attempt finished, with its handler kind, outcome and duration. */
  stageFinished(kind: string, ok: boolean, seconds: number): void;
  /** Time from commit to handing the effects to the execution layer. */
  outboxDelivered(lagSeconds: number, effects: number): void;
}

/** What the tool layer reports. */
export interface ToolMetrics {
  /** A finished tool call: `tool` is `name@version`, `outcome` ok/error/denied/rate_limited/replayed. */
  toolCall(tool: string, outcome: string, seconds: number, costUsd: number): void;
  /** A circuit breaker changed state (0 closed, 1 open, 2 half-open, 3 isolated). */
  circuitState(key: string, state: number): void;
}

/** The metrics of one process. */
export class PlatformMetrics implements EngineMetrics, ToolMetrics {
  readonly registry = new Registry();
  private readonly commitBatchRuns = new Histogram({ name: 'vmp_commit_batch_runs', help: 'Runs written per group commit', buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000], registers: [this.registry] });
  private readonly commitBatchRows = new Histogram({ name: 'vmp_commit_batch_rows', help: 'Rows written per group commit', buckets: [1, 5, 10, 50, 100, 500, 1000, 5000, 10000], registers: [this.registry] });
  private readonly commitSeconds = new Histogram({ name: 'vmp_commit_duration_seconds', help: 'Duration of a group commit transaction', buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1], registers: [this.registry] });
  private readonly commitFailures = new Counter({ name: 'vmp_commit_failures_total', help: 'Group commits that failed', registers: [this.registry] });
  private readonly eventsTotal = new Counter({ name: 'vmp_run_events_total', help: 'Run events committed', registers: [this.registry] });
  private readonly transitionsTotal = new Counter({ name: 'vmp_run_transitions_total', help: 'Run state transitions committed (rate() gives transitions per second)', registers: [this.registry] });
  private readonly stageSeconds = new Histogram({ name: 'vmp_stage_duration_seconds', help: 'Duration of stage attempts by handler kind and outcome', labelNames: ['kind', 'outcome'], buckets: [0.001, 0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300], registers: [this.registry] });
  private readonly outboxLag = new Histogram({ name: 'vmp_outbox_lag_seconds', help: 'Time from commit to delivery of its effects', buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1], registers: [this.registry] });
  private readonly effectsTotal = new Counter({ name: 'vmp_outbox_effects_total', help: 'Effects delivered (dispatches, timers, aborts)', registers: [this.registry] });
  /** Runs by status, read from the database at scrape time. */
  readonly runsByStatus = new Gauge({ name: 'vmp_runs', help: 'Runs by status', labelNames: ['status'], registers: [this.registry] });
  /** Stage jobs waiting or running, read from the execution layer at scrape time. */
  readonly queueDepth = new Gauge({ name: 'vmp_queue_depth', help: 'Stage jobs waiting or running', registers: [this.registry] });

  private readonly toolCalls = new Counter({ name: 'vmp_tool_calls_total', help: 'Tool calls by tool@version and outcome', labelNames: ['tool', 'outcome'], registers: [this.registry] });
  private readonly toolSeconds = new Histogram({ name: 'vmp_tool_call_duration_seconds', help: 'Duration of tool calls (all tries)', labelNames: ['tool'], buckets: [0.001, 0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60], registers: [this.registry] });
  private readonly toolCost = new Counter({ name: 'vmp_tool_cost_usd_total', help: 'Cost of tool calls in USD', labelNames: ['tool'], registers: [this.registry] });
  private readonly circuit = new Gauge({ name: 'vmp_tool_circuit_state', help: 'Circuit breaker state per tool/provider key: 0 closed, 1 open, 2 half-open, 3 isolated', labelNames: ['key'], registers: [this.registry] });

  constructor(opts: { defaultMetrics?: boolean } = {}) {
    if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry, prefix: 'vmp_process_' });
  }

  batchCommitted(runs: number, rows: number, events: number, seconds: number): void {
    this.commitBatchRuns.observe(runs);
    this.commitBatchRows.observe(rows);
    this.commitSeconds.observe(seconds);
    this.eventsTotal.inc(events);
  }

  batchFailed(): void {
    this.commitFailures.inc();
  }

  transitions(count: number): void {
    this.transitionsTotal.inc(count);
  }

  stageFinished(kind: string, ok: boolean, seconds: number): void {
    this.stageSeconds.observe({ kind, outcome: ok ? 'ok' : 'error' }, seconds);
  }

  outboxDelivered(lagSeconds: number, effects: number): void {
    this.outboxLag.observe(lagSeconds);
    this.effectsTotal.inc(effects);
  }

  toolCall(tool: string, outcome: string, seconds: number, costUsd: number): void {
    this.toolCalls.inc({ tool, outcome });
    this.toolSeconds.observe({ tool }, seconds);
    if (costUsd > 0) this.toolCost.inc({ tool }, costUsd);
  }

  circuitState(key: string, state: number): void {
    this.circuit.set({ key }, state);
  }
}

/** Tool metrics that go nowhere. */
export const noToolMetrics: ToolMetrics = { toolCall: () => {}, circuitState: () => {} };

/** Metrics that go nowhere (tests, benchmarks that do not scrape). */
export const noMetrics: EngineMetrics = {
  batchCommitted: () => {}, batchFailed: () => {}, transitions: () => {}, stageFinished: () => {}, outboxDelivered: () => {},
};
