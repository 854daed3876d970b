import { contentHash } from '../../domain/canonical-json.js';
import { PermissionDeniedError, ToolError, ToolInputError, ToolOutputError, isToolError } from '../../contracts/tool-errors.js';
import type { Logger } from '../../observability/logger.js';
import { noToolMetrics, type ToolMetrics } from '../../observability/metrics.js';
import { type CredentialResolver, Redactor } from '../governance/credentials.js';
import type { GovernanceSnapshot, GovernanceSource } from '../governance/governance-source.js';
import { decidePermission, type PermissionDecision } from '../governance/permission-rules.js';
import { passRateLimits } from '../governance/rate-limit-gate.js';
import type { RateLimiter } from '../governance/rate-limiter.js';
import type { ToolRegistry } from '../registry.js';
import { parseToolRef } from '../registry.js';
import { DEFAULT_TOOL_POLICY, type AnyTool, type TokenUsage, type ToolCallContext, type ToolPolicy } from '../tool.js';
import { asToolError, type ToolResilience } from './resilience.js';
import type { ToolCallRecord, ToolCallStore } from './tool-call-store.js';

/** One call to make. */
export interface ToolInvocation {
  /** `name@range` (range default `*`). */
  ref: string;
  input: unknown;
  tenantId: string;
  projectId?: string | null;
  agent?: string | null;
  runId?: string | null;
  stageId?: string | null;
  /** `runId:stageId:attempt:callIndex` inside runs: a repeat gets the recorded result. */
  idempotencyKey: string;
  signal?: AbortSignal;
  /** The tool to call instead when this one fails with a retryable error after its retries. */
  fallback?: string;
}

/** What a call gave. */
export interface ToolInvocationResult {
  tool: string;
  version: string;
  output: unknown;
  costUsd: number;
  usage: TokenUsage | null;
  /** True when the result is the one recorded for the key (the tool did not run). */
  replayed: boolean;
  tries: number;
  durationMs: number;
  /** Set when the fallback answered: the ref of the tool that failed. */
  fallbackOf?: string;
}

/** What the executor needs. */
export interface ToolExecutorDeps {
  registry: ToolRegistry;
  resilience: ToolResilience;
  governance: GovernanceSource;
  rateLimiter: RateLimiter;
  credentials: CredentialResolver;
  store: ToolCallStore;
  metrics?: ToolMetrics;
  logger?: Logger;
}

function hashOf(value: unknown): string {
  try {
    return contentHash(value ?? null);
  } catch {
    return contentHash(String(value));
  }
}

function problems(error: { issues: Array<{ path: PropertyKey[]; message: string }> }): string {
  return error.issues.slice(0, 5).map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`).join('; ');
}

/**
 * The one way a tool is called. Every call: resolve `name@range` → validate the input → check the
 * tenant's permission rules → answer a repeated idempotency key with the recorded result → pass
 * the tenant's rate limits → run the tool under cockatiel (bulkhead, retry with backoff and jitter,
 * circuit breaker per provider, timeout per try; the AbortSignal threaded to the tool) → validate
 * the output → record the call (tool_call) and its `tool.invoke` audit event with hashes, cost and
 * duration. Secrets a tool resolved are scrubbed from everything recorded or returned. Throws a
 * {@link ToolError} saying whether trying again can help.
 */
export class ToolExecutor {
  private readonly metrics: ToolMetrics;

  constructor(private readonly deps: ToolExecutorDeps) {
    this.metrics = deps.metrics ?? noToolMetrics;
  }

  get registry(): ToolRegistry {
    return this.deps.registry;
  }

  async invoke(call: ToolInvocation): Promise<ToolInvocationResult> {
    try {
      return await this.invokeOne(call);
    } catch (err) {
      if (!call.fallback || !isToolError(err) || !err.retryable || call.signal?.aborted) throw err;
      this.deps.logger?.warn({ tool: call.ref, fallback: call.fallback, code: err.code }, 'tool failed; calling its fallback');
      const result = await this.invokeOne({ ...call, ref: call.fallback, fallback: undefined, idempotencyKey: `${call.idempotencyKey}:fallback` }, call.ref);
      return { ...result, fallbackOf: call.ref };
    }
  }

  /**
   * Records a call refused before it reached a tool (a model asked for a tool it was not offered,
   * or sent arguments that are not JSON): a `tool_call` row and its `tool.invoke` audit event, so
   * every request for a tool leaves a trace.
   */
  async recordRefused(call: ToolInvocation, code: string, message: string): Promise<void> {
    const failure = new ToolError(message, false, code);
    const base = {
      tenantId: call.tenantId, idempotencyKey: call.idempotencyKey, agent: call.agent ?? null, projectId: call.projectId ?? null,
      runId: call.runId ?? null, stageId: call.stageId ?? null, inputHash: hashOf(call.input),
    };
    await this.recordFailure(call, this.deps.registry.find(call.ref, call.tenantId), base, { allowed: false, ruleId: null, reason: message }, failure, 0, performance.now());
  }

  private async invokeOne(call: ToolInvocation, fallbackOf?: string): Promise<ToolInvocationResult> {
    const started = performance.now();
    const redactor = new Redactor();
    const stats = { tries: 0 };
    const base = {
      tenantId: call.tenantId, idempotencyKey: call.idempotencyKey, agent: call.agent ?? null, projectId: call.projectId ?? null,
      runId: call.runId ?? null, stageId: call.stageId ?? null, inputHash: hashOf(call.input),
    };
    let tool: AnyTool | null = null;
    let decision: PermissionDecision = { allowed: false, ruleId: null, reason: 'not checked' };
    try {
      tool = this.deps.registry.resolve(call.ref, call.tenantId);
      const parsed = tool.input.safeParse(call.input);
      if (!parsed.success) throw new ToolInputError(`${tool.name}@${tool.version}`, problems(parsed.error));
      const governance = await this.deps.governance.load(call.tenantId);
      decision = decidePermission(governance.permissions, { tool: tool.name, sideEffect: tool.sideEffect, projectId: base.projectId, agent: base.agent, args: parsed.data });
      if (!decision.allowed) throw new PermissionDeniedError(tool.name, decision.reason, { agent: base.agent, ruleId: decision.ruleId });

      const recorded = await this.deps.store.find(call.tenantId, call.idempotencyKey);
      if (recorded) return await this.replay(call, tool, decision, recorded, started, fallbackOf);

      await passRateLimits(this.deps.rateLimiter, call.tenantId, tool.name, tool.action?.(parsed.data) ?? 'call', governance.rateLimits, call.signal);
      const result = await this.run(tool, parsed.data, call, governance, redactor, stats);
      const output = redactor.redact(result.output);
      const costUsd = result.costUsd ?? tool.cost?.perCallUsd ?? 0;
      const durationMs = Math.round(performance.now() - started);
      const { raced } = await this.deps.store.record({
        ...base, tool: tool.name, version: tool.version, sideEffect: tool.sideEffect, provider: providerOf(tool), outcome: 'ok',
        errorCode: null, error: null, outputHash: hashOf(output), output, costUsd,
        inputTokens: result.usage?.inputTokens ?? null, outputTokens: result.usage?.outputTokens ?? null, model: result.usage?.model ?? null,
        tries: stats.tries, durationMs,
      }, { decision: 'allow', ruleId: decision.ruleId, reason: decision.reason, replayed: false, ...(fallbackOf ? { fallbackOf } : {}) });
      this.metrics.toolCall(`${tool.name}@${tool.version}`, 'ok', durationMs / 1000, costUsd);
      if (raced) return { tool: raced.tool, version: raced.version, output: raced.output, costUsd: 0, usage: null, replayed: true, tries: stats.tries, durationMs };
      return { tool: tool.name, version: tool.version, output, costUsd, usage: result.usage ?? null, replayed: false, tries: stats.tries, durationMs };
    } catch (err) {
      const failure = scrub(asToolError(err, call.ref, call.signal), redactor);
      await this.recordFailure(call, tool, base, decision, failure, stats.tries, started, fallbackOf);
      throw failure;
    }
  }

  private async run(
    tool: AnyTool, input: unknown, call: ToolInvocation, governance: GovernanceSnapshot, redactor: Redactor, stats: { tries: number },
  ): Promise<{ output: unknown; costUsd?: number; usage?: TokenUsage }> {
    const policy: ToolPolicy = { ...DEFAULT_TOOL_POLICY, ...tool.policy };
    const what = `${tool.name}@${tool.version}`;
    return this.deps.resilience.execute(what, { breaker: providerOf(tool), bulkhead: `tool:${tool.name}` }, policy, call.signal, async (signal) => {
      const ctx: ToolCallContext = {
        signal, idempotencyKey: call.idempotencyKey, tenantId: call.tenantId, projectId: call.projectId ?? null, agent: call.agent ?? null,
        runId: call.runId ?? null, stageId: call.stageId ?? null,
        credential: (name) => this.deps.credentials.resolve(name, governance.credentialRefs, redactor),
      };
      const result = await tool.execute(input, ctx);
      const checked = tool.output.safeParse(result?.output);
      if (!checked.success) throw new ToolOutputError(what, problems(checked.error));
      return { ...result, output: checked.data };
    }, stats);
  }

  private async replay(
    call: ToolInvocation, tool: AnyTool, decision: PermissionDecision, recorded: { tool: string; version: string; output: unknown; costUsd: number },
    started: number, fallbackOf?: string,
  ): Promise<ToolInvocationResult> {
    const durationMs = Math.round(performance.now() - started);
    await this.deps.store.record({
      tenantId: call.tenantId, idempotencyKey: call.idempotencyKey, agent: call.agent ?? null, projectId: call.projectId ?? null,
      runId: call.runId ?? null, stageId: call.stageId ?? null, inputHash: hashOf(call.input),
      tool: recorded.tool, version: recorded.version, sideEffect: tool.sideEffect, provider: providerOf(tool), outcome: 'replayed',
      errorCode: null, error: null,
      outputHash: hashOf(recorded.output), output: null, costUsd: 0, inputTokens: null, outputTokens: null, model: null, tries: 0, durationMs,
    }, { decision: 'allow', ruleId: decision.ruleId, reason: decision.reason, replayed: true, ...(fallbackOf ? { fallbackOf } : {}) });
    this.metrics.toolCall(`${recorded.tool}@${recorded.version}`, 'replayed', durationMs / 1000, 0);
    return { tool: recorded.tool, version: recorded.version, output: recorded.output, costUsd: 0, usage: null, replayed: true, tries: 0, durationMs };
  }

  private async recordFailure(
    call: ToolInvocation, tool: AnyTool | null, base: Omit<ToolCallRecord, 'tool' | 'version' | 'sideEffect' | 'provider' | 'outcome' | 'costUsd' | 'tries' | 'durationMs'>,
    decision: PermissionDecision, failure: ToolError, tries: number, started: number, fallbackOf?: string,
  ): Promise<void> {
    const outcome = failure.code === 'TOOL_PERMISSION_DENIED' || failure.code === 'TOOL_NOT_ALLOWED' ? 'denied' : failure.code === 'TOOL_RATE_LIMITED' ? 'rate_limited' : 'error';
    const { name, range } = parseToolRef(call.ref);
    const durationMs = Math.round(performance.now() - started);
    const checked = decision.reason !== 'not checked';
    try {
      await this.deps.store.record({
        ...base, tool: tool?.name ?? name, version: tool?.version ?? range, sideEffect: tool?.sideEffect ?? 'read',
        provider: tool ? providerOf(tool) : 'unknown', outcome, errorCode: failure.code, error: failure.message.slice(0, 2000),
        outputHash: null, output: null, costUsd: 0, inputTokens: null, outputTokens: null, model: null, tries, durationMs,
      }, {
        decision: checked ? (decision.allowed ? 'allow' : 'deny') : 'n/a', ruleId: decision.ruleId, reason: decision.reason, replayed: false,
        ...(fallbackOf ? { fallbackOf } : {}),
      });
    } catch (err) {
      this.deps.logger?.error({ err, tool: call.ref, key: call.idempotencyKey }, 'could not record a failed tool call');
    }
    this.metrics.toolCall(tool ? `${tool.name}@${tool.version}` : call.ref, outcome, durationMs / 1000, 0);
  }
}

/** The circuit breaker key of a tool. */
export function providerOf(tool: AnyTool): string {
  return tool.provider ?? `tool:${tool.name}`;
}

function scrub(err: ToolError, redactor: Redactor): ToolError {
  if (redactor.empty) return err;
  const clean = new ToolError(redactor.text(err.message), err.retryable, err.code, err.details ? redactor.redact(err.details) : undefined);
  clean.name = err.name;
  return clean;
}
