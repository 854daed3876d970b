import { isToolError, NonRetryableToolError, ToolError } from '../contracts/tool-errors.js';
import { abortError, isAbortError } from './provider-errors.js';
import { TIERS, type CallGuard, type CompletionRequest, type CompletionResponse, type LlmProvider, type ModelRoute, type Tier } from './provider.js';

/** Routes per tier: each tier's fallback chain, tried in order. */
export type TierRoutes = Partial<Record<Tier, ModelRoute[]>>;

/** What happened to one route of a call. */
export interface RouteAttempt {
  provider: string;
  model: string;
  /** `ok`: answered; `failed`: threw; `skipped`: not tried (unknown provider, open circuit). */
  outcome: 'ok' | 'failed' | 'skipped';
  /** Why it failed or was skipped. */
  reason?: string;
  /** The ToolError code of a failure (`CIRCUIT_OPEN`, `UNKNOWN_PROVIDER` for skips). */
  code?: string;
}

/** A completion with the routes tried to get it (the last attempt is the one that answered). */
export interface RoutedCompletion extends CompletionResponse {
  attempts: RouteAttempt[];
}

/** A guard that just runs the call (no retry, breaker or timeout). */
export const passThroughGuard: CallGuard = {
  run: (_key, signal, fn) => fn(signal ?? new AbortController().signal),
};

/** Options of {@link ProviderRouter}. */
export interface ProviderRouterOptions {
  /** The configured providers, keyed by their `name` (or a record by name). */
  providers: readonly LlmProvider[] | Readonly<Record<string, LlmProvider>>;
  routes: TierRoutes;
  /** Default {@link passThroughGuard}. */
  guard?: CallGuard;
}

/** Errors of the guard itself (cockatiel: open or isolated circuit, bulkhead full, timeout): worth a fallback. */
function isGuardRejection(err: unknown): boolean {
  return err instanceof Error && ['isBrokenCircuitError', 'isIsolatedCircuitError', 'isBulkheadRejectedError', 'isTaskCancelledError'].some((k) => k in err);
}

/**
 * Routes a completion to a tier's fallback chain. Each route runs through the guard under the key
 * `llm:<provider>`; a route whose provider is unknown or whose circuit is open (`guard.isOpen`) is
 * skipped. A retryable failure (retryable ToolError, or a guard rejection: open circuit, full
 * bulkhead, guard timeout) moves on to the next route; a non-retryable one (non-retryable
 * ToolError, any other error) stops and is thrown; an abort of the caller's signal is rethrown as
 * is. When no route answers: a retryable ToolError `LLM_ALL_ROUTES_FAILED` listing every attempt
 * (non-retryable `LLM_NO_ROUTE` when no route had a known provider).
 */
export class ProviderRouter {
  private readonly providers: ReadonlyMap<string, LlmProvider>;
  private readonly routes: TierRoutes;
  private readonly guard: CallGuard;

  constructor(options: ProviderRouterOptions) {
    const list = Array.isArray(options.providers)
      ? (options.providers as readonly LlmProvider[]).map((p) => [p.name, p] as const)
      : Object.entries(options.providers as Readonly<Record<string, LlmProvider>>);
    this.providers = new Map(list);
    this.routes = options.routes;
    this.guard = options.guard ?? passThroughGuard;
  }

  /** The fallback chain of `tier` (empty when it has none). */
  routesFor(tier: Tier): readonly ModelRoute[] {
    return this.routes[tier] ?? [];
  }

  /** Completes `request` on the first route of `tier` that answers (see the class comment). */
  async complete(tier: Tier, request: Omit<CompletionRequest, 'model'>): Promise<RoutedCompletion> {
    const chain = this.routesFor(tier);
    if (chain.length === 0) throw new NonRetryableToolError(`no LLM routes for tier ${tier}`, 'LLM_NO_ROUTE', { tier });
    const attempts: RouteAttempt[] = [];
    const { signal } = request;
    for (const route of chain) {
      if (signal?.aborted) throw abortError(signal);
      const provider = this.providers.get(route.provider);
      const key = `llm:${route.provider}`;
      if (!provider) {
        attempts.push({ ...route, outcome: 'skipped', reason: 'provider is not configured', code: 'UNKNOWN_PROVIDER' });
        continue;
      }
      if (this.guard.isOpen?.(key)) {
        attempts.push({ ...route, outcome: 'skipped', reason: 'circuit open', code: 'CIRCUIT_OPEN' });
        continue;
      }
      try {
        const response = await this.guard.run(key, signal, (s) => provider.complete({ ...request, model: route.model, signal: s }));
        attempts.push({ ...route, outcome: 'ok' });
        return { ...response, attempts };
      } catch (err) {
        if (signal?.aborted) throw isAbortError(err) ? err : abortError(signal);
        const message = err instanceof Error ? err.message : String(err);
        if (isToolError(err)) {
          attempts.push({ ...route, outcome: 'failed', reason: message, code: err.code });
          if (!err.retryable) throw err;
        } else if (isGuardRejection(err)) {
          attempts.push({ ...route, outcome: 'failed', reason: message, code: 'isBrokenCircuitError' in (err as object) ? 'CIRCUIT_OPEN' : 'GUARD_REJECTED' });
        } else {
          throw err;
        }
      }
    }
    const tried = attempts.filter((a) => a.code !== 'UNKNOWN_PROVIDER');
    const list = attempts.map((a) => `${a.provider}:${a.model} (${a.reason ?? a.outcome})`).join('; ');
    if (tried.length === 0) throw new NonRetryableToolError(`no configured provider for tier ${tier}: ${list}`, 'LLM_NO_ROUTE', { tier, attempts });
    throw new ToolError(`every route of tier ${tier} failed: ${list}`, true, 'LLM_ALL_ROUTES_FAILED', { tier, attempts });
  }
}

const DEFAULT_CHAINS: Record<Tier, ModelRoute[]> = {
  economy: [{ provider: 'openai', model: 'gpt-5.4-nano' }, { provider: 'anthropic', model: 'claude-haiku-4-5' }],
  standard: [{ provider: 'openai', model: 'gpt-5.4-mini' }, { provider: 'anthropic', model: 'claude-haiku-4-5' }],
  premium: [{ provider: 'anthropic', model: 'claude-sonnet-5-5' }, { provider: 'openai', model: 'gpt-5.4' }],
};

/**
 * Sensible chains per tier for the configured providers (`openai`, `anthropic`; others are left
 * out), on current models, every chain ending with `offline:offline`:
 * economy gpt-5.4-nano → claude-haiku-4-5; standard gpt-5.4-mini → claude-haiku-4-5;
 * premium claude-sonnet-5-5 → gpt-5.4.
 */
export function defaultRoutes(availableProviders: Iterable<string>): Record<Tier, ModelRoute[]> {
  const available = new Set(availableProviders);
  const chain = (tier: Tier): ModelRoute[] => [
    ...DEFAULT_CHAINS[tier].filter((r) => available.has(r.provider)),
    { provider: 'offline', model: 'offline' },
  ];
  return { economy: chain('economy'), standard: chain('standard'), premium: chain('premium') };
}

/** A malformed routes spec; `part` is the piece that is wrong. */
export class RouteSpecError extends Error {
  constructor(message: string, readonly part: string) {
    super(message);
    this.name = 'RouteSpecError';
  }
}

/**
 * Parses a routes spec such as
 * `economy=openai:gpt-4o-mini,offline:offline;premium=anthropic:claude-sonnet-4-5,openai:gpt-4.1`:
 * tiers separated by `;`, routes by `,`, each route `provider:model` (the model may contain `:`,
 * e.g. `ollama:llama3.1:8b`). Spaces around parts are ignored. Tiers not named keep no routes here
 * (merge over {@link defaultRoutes}). Throws a {@link RouteSpecError} naming the bad part.
 */
export function routesFromSpec(spec: string): TierRoutes {
  const routes: TierRoutes = {};
  for (const rawTier of spec.split(';')) {
    const part = rawTier.trim();
    if (part === '') continue;
    const eq = part.indexOf('=');
    if (eq === -1) throw new RouteSpecError(`route spec part "${part}" has no "=": expected <tier>=<provider>:<model>,…`, part);
    const tier = part.slice(0, eq).trim();
    if (!(TIERS as readonly string[]).includes(tier)) throw new RouteSpecError(`unknown tier "${tier}" in "${part}": expected one of ${TIERS.join(', ')}`, part);
    if (routes[tier as Tier]) throw new RouteSpecError(`tier "${tier}" appears twice in the route spec`, part);
    const chain: ModelRoute[] = [];
    for (const rawRoute of part.slice(eq + 1).split(',')) {
      const route = rawRoute.trim();
      const colon = route.indexOf(':');
      const provider = colon === -1 ? '' : route.slice(0, colon).trim();
      const model = colon === -1 ? '' : route.slice(colon + 1).trim();
      if (!provider || !model || /\s/.test(provider) || /\s/.test(model)) {
        throw new RouteSpecError(`bad route "${route}" in tier ${tier}: expected <provider>:<model>`, route);
      }
      chain.push({ provider, model });
    }
    routes[tier as Tier] = chain;
  }
  return routes;
}

/** The spec string of `routes` (the inverse of {@link routesFromSpec}), e.g. for logs. */
export function formatRoutes(routes: TierRoutes): string {
  return TIERS.filter((t) => routes[t]?.length).map((t) => `${t}=${(routes[t] ?? []).map((r) => `${r.provider}:${r.model}`).join(',')}`).join(';');
}
