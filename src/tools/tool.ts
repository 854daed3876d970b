import type { z } from 'zod';

/**
 * What a tool does to the world. `read` tools may be re-run freely; `write` and `external` tools
 * are never re-run for an idempotency key whose call was recorded: the recorded result is returned.
 */
export type SideEffect = 'read' | 'write' | 'external';

/** How a tool call is protected (cockatiel), per tool; every field has a default. */
export interface ToolPolicy {
  /** Time allowed per try. Default 30 s. */
  timeoutMs: number;
  /** Tries in all for retryable errors (exponential backoff with jitter). Default 3. */
  maxAttempts: number;
  /** First backoff; doubles per try up to `maxBackoffMs`. Defaults 200 ms and 5 s. */
  backoffMs: number;
  maxBackoffMs: number;
  /** Calls of this tool running at once per process, and waiting beyond that. Defaults 16 and 64. */
  bulkhead: number;
  bulkheadQueue: number;
  /** Consecutive failures that open the provider's circuit, and how long it stays open. Defaults 5 and 10 s. */
  breakerThreshold: number;
  breakerHalfOpenAfterMs: number;
}

/** Token usage of a model call. */
export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
  model: string;
}

/** What a tool's `execute` returns. */
export interface ToolResult<O> {
  output: O;
  /** The tool's own cost of this call (a priced API, a model call priced by its provider). */
  costUsd?: number;
  usage?: TokenUsage;
}

/** What a tool gets besides its input. */
export interface ToolCallContext {
  /** Aborted on timeout, on cancel of the run, on shutdown: pass it to every I/O call. */
  signal: AbortSignal;
  /** `runId:stageId:attempt:callIndex` (or the caller's own key outside runs). */
  idempotencyKey: string;
  tenantId: string;
  projectId: string | null;
  agent: string | null;
  runId: string | null;
  stageId: string | null;
  /** The secret a credential reference of the tenant names, resolved now; never log or store it. */
  credential(name: string): Promise<string>;
}

/**
 * A tool of the registry: named, semver-versioned, with zod input and output schemas (exported as
 * JSON Schema), a side-effect class and a cost model.
 */
export interface ToolDefinition<I = unknown, O = unknown> {
  name: string;
  version: string;
  description: string;
  input: z.ZodType<I>;
  output: z.ZodType<O>;
  /**
   * The input's JSON Schema as the catalog exports it, when the tool already has one that is more
   * faithful than the conversion of `input` (tools of MCP servers and LangChain tools described by
   * JSON Schema); `input` still validates every call.
   */
  inputJsonSchema?: Record<string, unknown>;
  sideEffect: SideEffect;
  /** A fixed price per call, when the tool has one (a model call is priced from its usage). */
  cost?: { perCallUsd?: number };
  /** Circuit breakers are shared per provider (e.g. `llm:openai`, `http:api.example.com`); default `tool:<name>`. */
  provider?: string;
  /** The rate-limited action of a call (default `call`), e.g. `publish` vs `draft`. */
  action?: (input: I) => string;
  policy?: Partial<ToolPolicy>;
  execute(input: I, ctx: ToolCallContext): Promise<ToolResult<O>>;
}

/** Any tool (the registry holds tools of many input and output types). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a heterogeneous registry: each entry's types are checked where it is defined
export type AnyTool = ToolDefinition<any, any>;

/** Default tool policy. */
export const DEFAULT_TOOL_POLICY: ToolPolicy = {
  timeoutMs: 30_000, maxAttempts: 3, backoffMs: 200, maxBackoffMs: 5000, bulkhead: 16, bulkheadQueue: 64,
  breakerThreshold: 5, breakerHalfOpenAfterMs: 10_000,
};
