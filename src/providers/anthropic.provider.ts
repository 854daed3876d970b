import Anthropic from '@anthropic-ai/sdk';
import { NonRetryableToolError } from '../contracts/tool-errors.js';
import { mergePrices, priceOf, type ModelPrice, type PriceTable } from './pricing.js';
import { badResponse, throwIfAborted, toProviderError, type CallContext } from './provider-errors.js';
import { parseToolCall } from './tool-arguments.js';
import type { ChatMessage, CompletionRequest, CompletionResponse, LlmProvider, ToolCallRequest } from './provider.js';

type MessageParams = Anthropic.MessageCreateParamsNonStreaming;
type MessageParam = Anthropic.MessageParam;
type ContentBlockParam = Anthropic.ContentBlockParam;
type FinishReason = CompletionResponse['finishReason'];

/** Options of {@link AnthropicProvider}. */
export interface AnthropicOptions {
  /** Provider name used in routes, guard keys (`llm:<name>`) and responses. Default `anthropic`. */
  name?: string;
  apiKey: string;
  /** Default `https://api.anthropic.com`. */
  baseURL?: string;
  defaultHeaders?: Record<string, string>;
  /** Stream responses (SSE events) and assemble them. Default false. */
  stream?: boolean;
  /** Price overrides on top of the built-in table. */
  prices?: Record<string, ModelPrice>;
  /** `max_tokens` when the request has no `maxTokens` (the Messages API requires one). Default 1024. */
  maxTokens?: number;
  /** Time allowed per request by the SDK (the caller's guard has its own). */
  timeoutMs?: number;
}

/**
 * An {@link LlmProvider} over the `@anthropic-ai/sdk` Messages API. System messages become
 * `system`; tools become `tools` with `input_schema`; assistant tool calls become `tool_use` blocks
 * and tool messages `tool_result` blocks of a user message (consecutive ones in one message).
 * The SDK never retries (`maxRetries: 0`); failures are ToolErrors (see provider-errors.ts); an
 * abort of `request.signal` is rethrown as an abort. `request.temperature` is not sent: the Messages
 * API version this SDK speaks has no sampling parameters.
 */
export class AnthropicProvider implements LlmProvider {
  readonly name: string;
  readonly offline = false;
  private readonly client: Anthropic;
  private readonly stream: boolean;
  private readonly prices: PriceTable;
  private readonly maxTokens: number;

  constructor(options: AnthropicOptions) {
    this.name = options.name ?? 'anthropic';
    this.stream = options.stream ?? false;
    this.prices = mergePrices(options.prices);
    this.maxTokens = options.maxTokens ?? 1024;
    this.client = new Anthropic({
      apiKey: options.apiKey,
      baseURL: options.baseURL ?? 'https://api.anthropic.com',
      maxRetries: 0,
      ...(options.defaultHeaders ? { defaultHeaders: options.defaultHeaders } : {}),
      ...(options.timeoutMs !== undefined ? { timeout: options.timeoutMs } : {}),
    });
  }

  /** Runs one Messages API call (streamed when the provider was built with `stream: true`). */
  async complete(request: CompletionRequest): Promise<CompletionResponse> {
    const ctx: CallContext = { provider: this.name, model: request.model };
    const body = this.toParams(request);
    const { signal } = request;
    try {
      const message = this.stream ? await this.completeStreaming(ctx, body, signal) : await this.completeOnce(ctx, body, signal);
      return this.respond(request, message);
    } catch (err) {
      throw toProviderError(ctx, err, signal, Anthropic);
    }
  }

  private toParams(request: CompletionRequest): MessageParams {
    const { system, messages } = toAnthropicMessages(request.messages);
    const body: MessageParams = { model: request.model, max_tokens: request.maxTokens ?? this.maxTokens, messages };
    if (system !== undefined) body.system = system;
    if (request.tools && request.tools.length > 0) {
      body.tools = request.tools.map((t) => ({ name: t.name, description: t.description, input_schema: t.parameters as Anthropic.Tool.InputSchema }));
    }
    return body;
  }

  private async completeOnce(ctx: CallContext, body: MessageParams, signal: AbortSignal | undefined): Promise<Collected> {
    const message = (await this.client.messages.create(body, { signal: signal ?? null })) as Partial<Anthropic.Message>;
    if (!Array.isArray(message.content)) throw badResponse(ctx, 'no content in the message');
    const collected: Collected = { text: '', toolCalls: [], stopReason: message.stop_reason ?? null, usage: usageOf(message.usage) };
    for (const block of message.content) {
      if (block.type === 'text') collected.text += block.text;
      else if (block.type === 'tool_use') collected.toolCalls.push(toolCallOf(block.id, block.name, block.input));
    }
    return collected;
  }

  private async completeStreaming(ctx: CallContext, body: MessageParams, signal: AbortSignal | undefined): Promise<Collected> {
    const stream = await this.client.messages.create({ ...body, stream: true }, { signal: signal ?? null });
    const blocks = new Map<number, { kind: 'text'; text: string } | { kind: 'tool'; id: string; name: string; input: unknown; json: string }>();
    let stopReason: string | null = null;
    let usage = { inputTokens: 0, outputTokens: 0 };
    let started = false;
    for await (const event of stream) {
      switch (event.type) {
        case 'message_start':
          started = true;
          usage = usageOf(event.message.usage);
          break;
        case 'content_block_start':
          if (event.content_block.type === 'text') blocks.set(event.index, { kind: 'text', text: event.content_block.text });
          else if (event.content_block.type === 'tool_use') {
            const b = event.content_block;
            blocks.set(event.index, { kind: 'tool', id: b.id, name: b.name, input: b.input, json: '' });
          }
          break;
        case 'content_block_delta': {
          const block = blocks.get(event.index);
          if (event.delta.type === 'text_delta' && block?.kind === 'text') block.text += event.delta.text;
          else if (event.delta.type === 'input_json_delta' && block?.kind === 'tool') block.json += event.delta.partial_json;
          break;
        }
        case 'message_delta':
          if (event.delta.stop_reason) stopReason = event.delta.stop_reason;
          usage = {
            inputTokens: event.usage.input_tokens ?? usage.inputTokens,
            outputTokens: event.usage.output_tokens ?? usage.outputTokens,
          };
          break;
        default:
          break;
      }
    }
    throwIfAborted(signal);
    if (!started) throw badResponse(ctx, 'the stream ended without message_start');
    const collected: Collected = { text: '', toolCalls: [], stopReason, usage };
    for (const [, block] of [...blocks.entries()].sort(([a], [b]) => a - b)) {
      if (block.kind === 'text') collected.text += block.text;
      else collected.toolCalls.push(block.json === '' ? toolCallOf(block.id, block.name, block.input) : parseToolCall(block.id, block.name, block.json));
    }
    return collected;
  }

  private respond(request: CompletionRequest, c: Collected): CompletionResponse {
    return {
      provider: this.name, model: request.model, content: c.text, toolCalls: c.toolCalls,
      finishReason: mapStopReason(c.stopReason, c.toolCalls.length > 0), usage: c.usage,
      costUsd: priceOf(request.model, c.usage, this.prices).costUsd, offline: false,
    };
  }
}

interface Collected {
  text: string;
  toolCalls: ToolCallRequest[];
  stopReason: string | null;
  usage: { inputTokens: number; outputTokens: number };
}

/**
 * ChatMessages as Messages API input: system messages joined into `system`; assistant tool calls
 * as `tool_use` blocks; tool messages as `tool_result` blocks, consecutive ones in one user message.
 */
export function toAnthropicMessages(input: ChatMessage[]): { system: string | undefined; messages: MessageParam[] } {
  const system: string[] = [];
  const messages: MessageParam[] = [];
  let toolResults: ContentBlockParam[] | undefined;
  for (const m of input) {
    if (m.role !== 'tool') toolResults = undefined;
    switch (m.role) {
      case 'system':
        system.push(m.content);
        break;
      case 'user':
        messages.push({ role: 'user', content: m.content });
        break;
      case 'assistant': {
        if (!m.toolCalls || m.toolCalls.length === 0) {
          messages.push({ role: 'assistant', content: m.content });
          break;
        }
        const content: ContentBlockParam[] = m.content === '' ? [] : [{ type: 'text', text: m.content }];
        for (const c of m.toolCalls) content.push({ type: 'tool_use', id: c.id, name: c.name, input: c.arguments });
        messages.push({ role: 'assistant', content });
        break;
      }
      case 'tool': {
        if (!m.toolCallId) throw new NonRetryableToolError('a tool message needs the toolCallId of the call it answers', 'LLM_REQUEST_INVALID');
        const block: ContentBlockParam = { type: 'tool_result', tool_use_id: m.toolCallId, content: m.content };
        if (toolResults) toolResults.push(block);
        else {
          toolResults = [block];
          messages.push({ role: 'user', content: toolResults });
        }
        break;
      }
    }
  }
  return { system: system.length > 0 ? system.join('\n\n') : undefined, messages };
}

function toolCallOf(id: string, name: string, input: unknown): ToolCallRequest {
  if (typeof input === 'object' && input !== null && !Array.isArray(input)) return { id, name, arguments: input as Record<string, unknown> };
  return { id, name, arguments: {}, rawArguments: JSON.stringify(input ?? null) };
}

function usageOf(usage: { input_tokens?: number | null; output_tokens?: number | null } | null | undefined): { inputTokens: number; outputTokens: number } {
  return { inputTokens: usage?.input_tokens ?? 0, outputTokens: usage?.output_tokens ?? 0 };
}

function mapStopReason(reason: string | null, hasToolCalls: boolean): FinishReason {
  switch (reason) {
    case 'end_turn':
    case 'stop_sequence':
      return hasToolCalls ? 'tool_calls' : 'stop';
    case 'tool_use':
      return 'tool_calls';
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    default:
      return hasToolCalls ? 'tool_calls' : 'other';
  }
}
