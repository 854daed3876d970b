import {
  BrokenCircuitError, BulkheadRejectedError, ConsecutiveBreaker, DelegateBackoff, TaskCancelledError, TimeoutStrategy,
  bulkhead, circuitBreaker, handleWhen, retry, timeout, type BulkheadPolicy, type CircuitBreakerPolicy, type CircuitState,
} from 'cockatiel';
import { ToolError, isToolError, RateLimitedError } from '../../contracts/tool-errors.js';
import type { CallGuard } from '../../providers/provider.js';
import { noToolMetrics, type ToolMetrics } from '../../observability/metrics.js';
import { DEFAULT_TOOL_POLICY, type ToolPolicy } from '../tool.js';

/** The error a caller's abort (run cancelled, shutdown) turns into: never retried, never counted by a breaker. */
export class ToolCancelledError extends ToolError {
  constructor(what: string) {
    super(`${what} was cancelled`, false, 'TOOL_CANCELLED');
    this.name = 'ToolCancelledError';
  }
}

/** True when a failure may be retried (and counts towards opening the circuit). */
function retryable(err: unknown): boolean {
  return isToolError(err) ? err.retryable && err.code !== 'TOOL_CIRCUIT_OPEN' && err.code !== 'TOOL_BUSY' : false;
}

/** Any thrown value as a ToolError saying whether trying again can help. */
export function asToolError(err: unknown, what: string, signal?: AbortSignal): ToolError {
  if (signal?.aborted) return new ToolCancelledError(what);
  if (isToolError(err)) return err;
  if (err instanceof TaskCancelledError) return new ToolError(`${what} timed out`, true, 'TOOL_TIMEOUT');
  if (err instanceof BrokenCircuitError) return new ToolError(`${what}: circuit open after repeated failures, not called`, true, 'TOOL_CIRCUIT_OPEN');
  if (err instanceof BulkheadRejectedError) return new ToolError(`${what}: too many calls at once, rejected`, true, 'TOOL_BUSY');
  const message = err instanceof Error ? err.message : String(err);
  return new ToolError(`${what} failed: ${message}`, true, 'TOOL_FAILED');
}

/** Exponential backoff with full jitter, or the error's retry-after when it says one. */
function backoffFor(policy: ToolPolicy): DelegateBackoff<{ attempt: number; result: { error: Error } | { value: unknown } }> {
  return new DelegateBackoff((ctx) => {
    const ceiling = Math.min(policy.maxBackoffMs, policy.backoffMs * 2 ** (ctx.attempt - 1));
    const jittered = ceiling / 2 + Math.random() * (ceiling / 2);
    const err = 'error' in ctx.result ? ctx.result.error : undefined;
    return err instanceof RateLimitedError ? Math.max(err.retryAfterMs, jittered) : jittered;
  });
}

/**
 * The cockatiel policies of the tool layer, shared by every call in the process: a circuit breaker
 * per provider key (a tool's `provider`, or `llm:<provider>` for model calls) and a bulkhead per
 * tool; a timeout per try and a retry (retryable errors only) per call. Also the {@link CallGuard}
 * of the LLM provider router.
 */
export class ToolResilience implements CallGuard {
  private readonly breakers = new Map<string, CircuitBreakerPolicy>();
  private readonly bulkheads = new Map<string, BulkheadPolicy>();

  /**
   * @param guardPolicy the policy of provider calls made through {@link run} (model calls: a longer
   *   timeout than the tool default).
   */
  constructor(
    private readonly metrics: ToolMetrics = noToolMetrics,
    private readonly defaults: ToolPolicy = DEFAULT_TOOL_POLICY,
    private readonly guardPolicy: ToolPolicy = { ...DEFAULT_TOOL_POLICY, timeoutMs: 120_000 },
  ) {}

  /** The circuit breaker of a key (created with the first policy that names it). */
  breaker(key: string, policy: ToolPolicy = this.defaults): CircuitBreakerPolicy {
    let breaker = this.breakers.get(key);
    if (!breaker) {
      breaker = circuitBreaker(handleWhen(retryable), {
        halfOpenAfter: policy.breakerHalfOpenAfterMs, breaker: new ConsecutiveBreaker(policy.breakerThreshold),
      });
      breaker.onStateChange((state) => this.metrics.circuitState(key, state));
      this.metrics.circuitState(key, 0);
      this.breakers.set(key, breaker);
    }
    return breaker;
  }

  /** The state of every breaker (for status pages and tests). */
  circuitStates(): Record<string, CircuitState> {
    return Object.fromEntries([...this.breakers].map(([k, b]) => [k, b.state]));
  }

  isOpen(key: string): boolean {
    const state = this.breakers.get(key)?.state;
    return state === 1 || state === 3;
  }

  /**
   * Runs `fn` under the policies: bulkhead of `bulkheadKey` → retry (retryable errors, backoff
   * with jitter, retry-after honoured) → breaker of `breakerKey` → timeout per try. `fn` gets the
   * signal of its try (aborted on timeout or when `signal` aborts). Counts tries in `stats`;
   * throws a {@link ToolError}.
   */
  async execute<T>(
    what: string, keys: { breaker: string; bulkhead: string }, policy: ToolPolicy, signal: AbortSignal | undefined,
    fn: (signal: AbortSignal) => Promise<T>, stats: { tries: number } = { tries: 0 },
  ): Promise<T> {
    const breaker = this.breaker(keys.breaker, policy);
    const perTry = timeout(policy.timeoutMs, TimeoutStrategy.Aggressive);
    const retrying = retry(handleWhen(retryable), { maxAttempts: Math.max(0, policy.maxAttempts - 1), backoff: backoffFor(policy) });
    const run = () => retrying.execute(async ({ signal: retrySignal }) => {
      stats.tries += 1;
      try {
        return await breaker.execute(({ signal: s1 }) => perTry.execute(({ signal: s2 }) => fn(s2), s1), retrySignal);
      } catch (err) {
        throw asToolError(err, what, signal);
      }
    }, signal);
    try {
      return await this.bulkhead(keys.bulkhead, policy).execute(run, signal);
    } catch (err) {
      throw asToolError(err, what, signal);
    }
  }

  /** CallGuard for the provider router: default policy, the key is both breaker and bulkhead. */
  async run<T>(key: string, signal: AbortSignal | undefined, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    return this.execute(key, { breaker: key, bulkhead: key }, this.guardPolicy, signal, fn);
  }

  private bulkhead(key: string, policy: ToolPolicy): BulkheadPolicy {
    let b = this.bulkheads.get(key);
    if (!b) {
      b = bulkhead(policy.bulkhead, policy.bulkheadQueue);
      this.bulkheads.set(key, b);
    }
    return b;
  }
}
