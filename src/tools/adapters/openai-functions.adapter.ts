import type OpenAI from 'openai';
import semver from 'semver';
import { isToolError } from '../../contracts/tool-errors.js';
import type { ChatMessage, ToolCallRequest, ToolSpec } from '../../providers/provider.js';
import { parseToolCall } from '../../providers/tool-arguments.js';
import type { ToolExecutor } from '../execution/tool-executor.js';
import { jsonSchema, parseToolRef, type Entry, type ToolDescription } from '../registry.js';
import type { AnyTool } from '../tool.js';

/** An OpenAI chat-completions tool (`{type: 'function', function: {...}}`). */
export type ChatCompletionTool = OpenAI.Chat.ChatCompletionTool;
/** A tool call as the OpenAI SDK returns it in `message.tool_calls`. */
export type ChatCompletionMessageToolCall = OpenAI.Chat.ChatCompletionMessageToolCall;

/** What can be offered to a model: registry entries, catalog descriptions or tools. */
export type ExportableTool = Entry | ToolDescription | AnyTool;

const OPENAI_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

/** A registry tool name that has no reversible OpenAI function name. */
export class ToolNameMappingError extends Error {
  constructor(name: string, reason: string) {
    super(`tool ${JSON.stringify(name)} cannot be offered as an OpenAI function: ${reason}`);
    this.name = 'ToolNameMappingError';
  }
}

/**
 * The OpenAI function name of a registry tool: every `.` becomes `__` (`web.search` →
 * `web__search`, `mcp.crm.find_contact` → `mcp__crm__find_contact`). The mapping is reversible
 * ({@link fromOpenAiToolName}) for every registry name that has no `__` and no `_` next to a `.`,
 * and fits in 64 characters once mapped; other names throw {@link ToolNameMappingError}.
 */
export function toOpenAiToolName(name: string): string {
  const mapped = name.replaceAll('.', '__');
  if (!OPENAI_NAME.test(mapped)) throw new ToolNameMappingError(name, `${JSON.stringify(mapped)} must match ${OPENAI_NAME.source}`);
  if (fromOpenAiToolName(mapped) !== name) throw new ToolNameMappingError(name, 'it has "__" or "_" next to "." and would not map back');
  return mapped;
}

/** The registry tool name of an OpenAI function name: every `__` becomes `.` (see {@link toOpenAiToolName}). */
export function fromOpenAiToolName(name: string): string {
  return name.replaceAll('__', '.');
}

function isEntry(t: ExportableTool): t is Entry {
  return 'tool' in t && 'origin' in t;
}

function isDescription(t: ExportableTool): t is ToolDescription {
  return 'inputSchema' in t && !('execute' in t);
}

/** Name, version, description and input JSON Schema of anything exportable. */
function facts(t: ExportableTool): { name: string; version: string; description: string; parameters: Record<string, unknown> } {
  if (isDescription(t)) return { name: t.name, version: t.version, description: t.description, parameters: t.inputSchema };
  const tool = isEntry(t) ? t.tool : t;
  return { name: tool.name, version: tool.version, description: tool.description, parameters: tool.inputJsonSchema ?? jsonSchema(tool.input) };
}

/** A tool's input JSON Schema as function parameters: an object schema without `$schema`. */
function parametersOf(name: string, schema: Record<string, unknown>): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = schema;
  if (Object.keys(rest).length === 0) return { type: 'object', properties: {} };
  if (rest.type !== 'object') throw new ToolNameMappingError(name, 'function parameters must be a JSON object schema (type "object")');
  return rest;
}

/** One entry per tool name (the highest version when several are given), in the order given. */
function latestPerName(tools: readonly ExportableTool[]): ReturnType<typeof facts>[] {
  const byName = new Map<string, ReturnType<typeof facts>>();
  for (const t of tools) {
    const f = facts(t);
    const seen = byName.get(f.name);
    if (!seen || semver.gt(f.version, seen.version)) byName.set(f.name, f);
  }
  return [...byName.values()];
}

/**
 * Provider-neutral tool specs (for our `LlmProvider`s): names mapped with {@link toOpenAiToolName}
 * (every provider accepts them), parameters = the input JSON Schema. One spec per tool name: the
 * highest version given.
 */
export function toToolSpecs(tools: readonly ExportableTool[]): ToolSpec[] {
  return latestPerName(tools).map((f) => ({ name: toOpenAiToolName(f.name), description: f.description, parameters: parametersOf(f.name, f.parameters) }));
}

/** OpenAI chat-completions tools (`type: 'function'`, `strict: false`); see {@link toToolSpecs}. */
export function toOpenAiTools(tools: readonly ExportableTool[]): ChatCompletionTool[] {
  return toToolSpecs(tools).map((s) => ({ type: 'function', function: { name: s.name, description: s.description, parameters: s.parameters, strict: false } }));
}

/** Who runs a batch of tool calls, and what the model may call. */
export interface ToolCallBatchContext {
  tenantId: string;
  projectId?: string | null;
  agent?: string | null;
  runId?: string | null;
  stageId?: string | null;
  /** Unique per model turn (e.g. `runId:stageId:attempt:turn`): call `i` gets idempotency key `${keyPrefix}:${i}`. */
  keyPrefix: string;
  signal?: AbortSignal;
  /** The refs (`name` or `name@range`) the agent may use; absent: any tool the tenant may call. */
  allowed?: readonly string[];
  /** The tool to call instead, by allowed ref, when a tool fails with a retryable error after its retries. */
  fallbacks?: Readonly<Record<string, string>>;
}

/** A call that came back as an error message to the model. */
export interface ToolCallFailure {
  toolCallId: string;
  /** The function name the model used. */
  name: string;
  /** The registry tool it named (null when it names none). */
  tool: string | null;
  code: string;
  message: string;
  retryable: boolean;
}

/** The answers to a batch of tool calls. */
export interface ToolCallBatchResult {
  /** One `role: 'tool'` message per call, in the order of the calls. */
  messages: ChatMessage[];
  /** The calls answered with an error (also in `messages`, as `{"error":{"code","message"}}`). */
  failures: ToolCallFailure[];
}

/** Error codes of calls refused before the executor. */
export const TOOL_CALL_ERROR_CODES = {
  unparsable: 'TOOL_ARGUMENTS_UNPARSABLE',
  notAllowed: 'TOOL_NOT_ALLOWED',
  unsupported: 'TOOL_CALL_UNSUPPORTED',
} as const;

function normalise(call: ToolCallRequest | ChatCompletionMessageToolCall): ToolCallRequest | { id: string; name: string; unsupported: string } {
  if (!('type' in call)) return call;
  if (call.type === 'function') return parseToolCall(call.id, call.function.name, call.function.arguments);
  return { id: call.id, name: call.custom.name, unsupported: `tool call type ${JSON.stringify(call.type)} is not supported; call a function` };
}

/** The allowed ref a tool name matches, or null. */
function allowedRef(allowed: readonly string[], name: string): string | null {
  return allowed.find((ref) => parseToolRef(ref).name === name) ?? null;
}

/**
 * Runs a model's tool calls through the executor, one after the other, and answers each with a
 * `role: 'tool'` message: the output as JSON, or `{"error":{"code","message"}}` so the model can
 * correct itself. Call `i` uses idempotency key `${keyPrefix}:${i}`. Unparsable arguments, a tool
 * outside `allowed`, an unknown tool, a denied tool and arguments breaking the schema all come
 * back as error messages and in `failures` (the caller decides whether to fail the stage). Names
 * are mapped back with {@link fromOpenAiToolName}; a registry name given as is works too.
 */
export async function executeToolCalls(
  executor: ToolExecutor, calls: ReadonlyArray<ToolCallRequest | ChatCompletionMessageToolCall>, context: ToolCallBatchContext,
): Promise<ToolCallBatchResult> {
  const messages: ChatMessage[] = [];
  const failures: ToolCallFailure[] = [];
  const fail = (toolCallId: string, name: string, tool: string | null, code: string, message: string, retryable = false) => {
    failures.push({ toolCallId, name, tool, code, message, retryable });
    messages.push({ role: 'tool', toolCallId, content: JSON.stringify({ error: { code, message } }) });
  };

  for (const [index, raw] of calls.entries()) {
    const call = normalise(raw);
    if ('unsupported' in call) {
      fail(call.id, call.name, null, TOOL_CALL_ERROR_CODES.unsupported, call.unsupported);
      continue;
    }
    const tool = call.name.includes('.') ? call.name : fromOpenAiToolName(call.name);
    if (call.rawArguments !== undefined) {
      const shown = call.rawArguments.length > 200 ? `${call.rawArguments.slice(0, 200)}…` : call.rawArguments;
      fail(call.id, call.name, tool, TOOL_CALL_ERROR_CODES.unparsable, `arguments of ${call.name} must be a JSON object; got ${JSON.stringify(shown)}`);
      continue;
    }
    let ref = tool;
    if (context.allowed) {
      const found = allowedRef(context.allowed, tool);
      if (!found) {
        const names = context.allowed.map((r) => safeOpenAiName(parseToolRef(r).name));
        fail(call.id, call.name, tool, TOOL_CALL_ERROR_CODES.notAllowed, `tool ${call.name} is not available to you; available: ${names.join(', ') || 'none'}`);
        continue;
      }
      ref = found;
    }
    try {
      const result = await executor.invoke({
        ref, input: call.arguments, tenantId: context.tenantId, projectId: context.projectId ?? null, agent: context.agent ?? null,
        runId: context.runId ?? null, stageId: context.stageId ?? null, idempotencyKey: `${context.keyPrefix}:${index}`, signal: context.signal,
        ...(context.fallbacks?.[ref] ? { fallback: context.fallbacks[ref] } : {}),
      });
      messages.push({ role: 'tool', toolCallId: call.id, content: JSON.stringify(result.output ?? null) });
    } catch (err) {
      if (isToolError(err)) fail(call.id, call.name, tool, err.code, err.message, err.retryable);
      else fail(call.id, call.name, tool, 'TOOL_FAILED', err instanceof Error ? err.message : String(err), true);
    }
  }
  return { messages, failures };
}

function safeOpenAiName(name: string): string {
  try {
    return toOpenAiToolName(name);
  } catch {
    return name;
  }
}
