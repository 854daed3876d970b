import OpenAI from 'openai';
import { NonRetryableToolError } from '../contracts/tool-errors.js';
import { mergePrices, priceOf, type ModelPrice, type PriceTable } from './pricing.js';
import { badResponse, throwIfAborted, toProviderError, type CallContext } from './provider-errors.js';
import { parseToolCall } from './tool-arguments.js';
import type { ChatMessage, CompletionRequest, CompletionResponse, LlmProvider, ToolCallRequest } from './provider.js';

type ChatParams = OpenAI.Chat.ChatCompletionCreateParamsNonStreaming;
type ChatMessageParam = OpenAI.Chat.ChatCompletionMessageParam;
type FinishReason = CompletionResponse['finishReason'];

/** Options of {@link OpenAiCompatibleProvider}. */
export interface OpenAiCompatibleOptions {
  /** Provider name used in routes, guard keys (`llm:<name>`) and responses. Default `openai`. */
  name?: string;
  /** API key (sent as `Authorization: Bearer`). Local servers (Ollama, vLLM) accept any value; default `unused`. */
  apiKey?: string;
  /**
   * Base URL of an OpenAI-compatible API: OpenAI (default `https://api.openai.com/v1`), Azure OpenAI
   * v1 (`https://<resource>.openai.azure.com/openai/v1/`, with `defaultHeaders: {'api-key': …}`),
   * Ollama (`http://localhost:11434/v1`), vLLM (`http://host:8000/v1`).
   */
  baseURL?: string;
  defaultHeaders?: Record<string, string>;
  /** Stream responses (SSE) and assemble them. Default false. */
  stream?: boolean;
  /** Price overrides on top of the built-in table. */
  prices?: Record<string, ModelPrice>;
  /** Time allowed per request by the SDK (the caller's guard has its own). */
  timeoutMs?: number;
  /**
   * The request field that carries `maxTokens`: `max_completion_tokens` (default; OpenAI, needed by
   * o-series models) or `max_tokens` (older OpenAI-compatible servers).
   */
  maxTokensField?: 'max_completion_tokens' | 'max_tokens';
}

/**
 * An {@link LlmProvider} over the official `openai` SDK's chat.completions API, for OpenAI and every
 * OpenAI-compatible server. The SDK never retries (`maxRetries: 0`): retries, circuit breaking and
 * fallback belong to the caller's guard and the router. Failures are ToolErrors (see
 * provider-errors.ts); an abort of `request.signal` is rethrown as an abort.
 */
export class OpenAiCompatibleProvider implements LlmProvider {
  readonly name: string;
  readonly offline = false;
  private readonly client: OpenAI;
  private readonly stream: boolean;
  private readonly prices: PriceTable;
  private readonly maxTokensField: 'max_completion_tokens' | 'max_tokens';

  constructor(options: OpenAiCompatibleOptions = {}) {
    this.name = options.name ?? 'openai';
    this.stream = options.stream ?? false;
    this.prices = mergePrices(options.prices);
    this.maxTokensField = options.maxTokensField ?? 'max_completion_tokens';
    this.client = new OpenAI({
      apiKey: options.apiKey ?? 'unused',
      baseURL: options.baseURL ?? 'https://api.openai.com/v1',
      maxRetries: 0,
      ...(options.defaultHeaders ? { defaultHeaders: options.defaultHeaders } : {}),
      ...(options.timeoutMs !== undefined ? { timeout: options.timeoutMs } : {}),
    });
  }

  /** Runs one chat completion (streamed when the provider was built with `stream: true`). */
  async complete(request: CompletionRequest): Promise<CompletionResponse> {
    const ctx: CallContext = { provider: this.name, model: request.model };
    const body = this.toParams(request);
    const { signal } = request;
    try {
      const assembled = this.stream ? await this.completeStreaming(ctx, body, signal) : await this.completeOnce(ctx, body, signal);
      return this.respond(request, assembled);
    } catch (err) {
      throw toProviderError(ctx, err, signal, OpenAI);
    }
  }

  private toParams(request: CompletionRequest): ChatParams {
    const body: ChatParams = { model: request.model, messages: request.messages.map(toOpenAiMessage) };
    if (request.tools && request.tools.length > 0) {
      body.tools = request.tools.map((t) => ({ type: 'function', function: { name: t.name, description: t.description, parameters: t.parameters } }));
    }
    if (request.temperature !== undefined) body.temperature = request.temperature;
    if (request.maxTokens !== undefined) body[this.maxTokensField] = request.maxTokens;
    return body;
  }

  private async completeOnce(ctx: CallContext, body: ChatParams, signal: AbortSignal | undefined): Promise<Assembled> {
    const completion = await this.client.chat.completions.create(body, { signal: signal ?? null });
    const choice = (completion as Partial<OpenAI.Chat.ChatCompletion>).choices?.[0];
    if (!choice?.message) throw badResponse(ctx, 'no choices in the completion');
    const toolCalls: ToolCallRequest[] = [];
    for (const call of choice.message.tool_calls ?? []) {
      if (call.type === 'function') toolCalls.push(parseToolCall(call.id, call.function.name, call.function.arguments));
    }
    return {
      content: choice.message.content ?? '',
      toolCalls,
      finishReason: mapFinishReason(choice.finish_reason, toolCalls.length > 0),
      usage: { inputTokens: completion.usage?.prompt_tokens ?? 0, outputTokens: completion.usage?.completion_tokens ?? 0 },
      serverModel: completion.model,
    };
  }

  private async completeStreaming(ctx: CallContext, body: ChatParams, signal: AbortSignal | undefined): Promise<Assembled> {
    const stream = await this.client.chat.completions.create(
      { ...body, stream: true, stream_options: { include_usage: true } },
      { signal: signal ?? null },
    );
    let content = '';
    let finish: string | null = null;
    let serverModel: string | undefined;
    let usage = { inputTokens: 0, outputTokens: 0 };
    let chunks = 0;
    const calls = new Map<number, { id: string; name: string; args: string }>();
    for await (const chunk of stream) {
      chunks += 1;
      serverModel ??= chunk.model;
      if (chunk.usage) usage = { inputTokens: chunk.usage.prompt_tokens ?? 0, outputTokens: chunk.usage.completion_tokens ?? 0 };
      const choice = chunk.choices?.[0];
      if (!choice) continue;
      if (choice.delta?.content) content += choice.delta.content;
      for (const delta of choice.delta?.tool_calls ?? []) {
        const call = calls.get(delta.index) ?? { id: '', name: '', args: '' };
        if (delta.id) call.id = delta.id;
        if (delta.function?.name) call.name += delta.function.name;
        if (delta.function?.arguments) call.args += delta.function.arguments;
        calls.set(delta.index, call);
      }
      if (choice.finish_reason) finish = choice.finish_reason;
    }
    throwIfAborted(signal);
    if (chunks === 0) throw badResponse(ctx, 'the stream ended without any chunk');
    const toolCalls = [...calls.entries()].sort(([a], [b]) => a - b).map(([index, c]) => parseToolCall(c.id || `call_${index}`, c.name, c.args));
    return { content, toolCalls, finishReason: mapFinishReason(finish, toolCalls.length > 0), usage, serverModel };
  }

  private respond(request: CompletionRequest, a: Assembled): CompletionResponse {
    let quote = priceOf(request.model, a.usage, this.prices);
    if (!quote.known && a.serverModel) quote = priceOf(a.serverModel, a.usage, this.prices);
    return {
      provider: this.name, model: request.model, content: a.content, toolCalls: a.toolCalls, finishReason: a.finishReason,
      usage: a.usage, costUsd: quote.costUsd, offline: false,
    };
  }
}

interface Assembled {
  content: string;
  toolCalls: ToolCallRequest[];
  finishReason: FinishReason;
  usage: { inputTokens: number; outputTokens: number };
  serverModel: string | undefined;
}

/** A ChatMessage as a chat.completions message (assistant tool calls, tool results by call id). */
export function toOpenAiMessage(m: ChatMessage): ChatMessageParam {
  switch (m.role) {
    case 'system':
      return { role: 'system', content: m.content };
    case 'user':
      return { role: 'user', content: m.content };
    case 'assistant':
      if (m.toolCalls && m.toolCalls.length > 0) {
        return {
          role: 'assistant',
          content: m.content === '' ? null : m.content,
          tool_calls: m.toolCalls.map((c) => ({
            id: c.id, type: 'function', function: { name: c.name, arguments: c.rawArguments ?? JSON.stringify(c.arguments) },
          })),
        };
      }
      return { role: 'assistant', content: m.content };
    case 'tool':
      if (!m.toolCallId) throw new NonRetryableToolError('a tool message needs the toolCallId of the call it answers', 'LLM_REQUEST_INVALID');
      return { role: 'tool', tool_call_id: m.toolCallId, content: m.content };
  }
}

function mapFinishReason(reason: string | null | undefined, hasToolCalls: boolean): FinishReason {
  switch (reason) {
    case 'stop':
      return hasToolCalls ? 'tool_calls' : 'stop';
    case 'tool_calls':
    case 'function_call':
      return 'tool_calls';
    case 'length':
      return 'length';
    case null:
    case undefined:
      return hasToolCalls ? 'tool_calls' : 'other';
    default:
      return 'other';
  }
}
