/**
 * The LLM provider port. Providers: OpenAI-compatible (OpenAI, Azure OpenAI, Ollama, vLLM… through
 * a base URL), Anthropic, and the offline provider (the default with no key: deterministic drafts,
 * every output marked offline). Agents never call a provider directly: they call the `llm.complete`
 * tool, so model calls are governed, metered and audited like any tool call.
 */

/** A message of a conversation. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string;
  /** Assistant messages that asked for tool calls. */
  toolCalls?: ToolCallRequest[];
  /** Tool messages: the call they answer. */
  toolCallId?: string;
}

/** A model's request to call a tool (arguments parsed from JSON; `{}` when unparsable, with `rawArguments`). */
export interface ToolCallRequest {
  id: string;
  name: string;
  arguments: Record<string, unknown>;
  rawArguments?: string;
}

/** A tool offered to the model (function calling): JSON Schema parameters. */
export interface ToolSpec {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
}

/**
 * Structured facts of the request, for the offline provider (which cannot read prose): real
 * providers ignore it and read the messages.
 */
export interface OfflineBrief {
  role: string;
  task: string;
  deliverableType?: string;
  channel?: string;
  brand?: string;
  tone?: string;
  audience?: string;
  objectives?: string[];
  mustInclude?: string[];
  avoid?: string[];
  maxWords?: number;
  upstream?: string[];
  retrieved?: string[];
  feedback?: string[];
}

/** A completion request. */
export interface CompletionRequest {
  model: string;
  messages: ChatMessage[];
  tools?: ToolSpec[];
  temperature?: number;
  maxTokens?: number;
  signal?: AbortSignal;
  brief?: OfflineBrief;
}

/** A completion. `costUsd` is priced from usage with the model's prices. */
export interface CompletionResponse {
  provider: string;
  model: string;
  content: string;
  toolCalls: ToolCallRequest[];
  finishReason: 'stop' | 'tool_calls' | 'length' | 'other';
  usage: { inputTokens: number; outputTokens: number };
  costUsd: number;
  /** True for the offline provider's output. */
  offline: boolean;
}

/** An LLM provider. Errors it throws should be ToolErrors saying whether a retry can help. */
export interface LlmProvider {
  readonly name: string;
  readonly offline: boolean;
  complete(request: CompletionRequest): Promise<CompletionResponse>;
}

/** The cost/quality tiers of model routing. */
export const TIERS = ['economy', 'standard', 'premium'] as const;
export type Tier = (typeof TIERS)[number];

/** One step of a tier's fallback chain. */
export interface ModelRoute {
  provider: string;
  model: string;
}

/**
 * How the router protects each provider call: the tool layer supplies one backed by cockatiel
 * (retry of retryable errors with backoff, a circuit breaker per provider shared by all calls, a
 * timeout). `key` names the provider (`llm:<provider>`); `fn` gets the signal to pass to I/O.
 */
export interface CallGuard {
  run<T>(key: string, signal: AbortSignal | undefined, fn: (signal: AbortSignal) => Promise<T>): Promise<T>;
  /** True while the key's circuit is open (the router then skips straight to the next route). */
  isOpen?(key: string): boolean;
}
