import { DynamicStructuredTool, ToolInputParsingException, type StructuredToolInterface } from '@langchain/core/tools';
import { toJsonSchema } from '@langchain/core/utils/json_schema';
import { isZodSchemaV4 } from '@langchain/core/utils/types';
import { z } from 'zod';
import { NonRetryableToolError } from '../../contracts/tool-errors.js';
import type { ToolExecutor } from '../execution/tool-executor.js';
import type { ToolRegistry } from '../registry.js';
import type { SideEffect, ToolDefinition } from '../tool.js';
import { zodFromJsonSchema } from './json-schema.js';
import { sanitiseToolName } from './names.js';
import { toOpenAiToolName } from './openai-functions.adapter.js';

/** Who calls registry tools through LangChain, and the keys of those calls. */
export interface LangChainToolContext {
  tenantId: string;
  projectId?: string | null;
  agent?: string | null;
  runId?: string | null;
  stageId?: string | null;
  /** Call `n` (counted over every tool built with this context) uses idempotency key `${keyPrefix}:${n}`. */
  keyPrefix: string;
  /** Aborts every call (combined with the signal of the LangChain call's config). */
  signal?: AbortSignal;
  /** The call counter shared by the tools of this context; created on first use. */
  counter?: { next: number };
}

/**
 * A registry tool as a LangChain `DynamicStructuredTool`: named with the OpenAI mapping (`.` →
 * `__`, so chat models accept it), the tool's zod input as schema (its own JSON Schema when it has
 * one, e.g. an MCP tool), and a func that calls the executor (governed, audited; idempotency key
 * from the context's counter). Returns the output as a string (JSON unless it is one); a failed
 * call throws the executor's ToolError.
 */
export function toLangChainTool(registry: ToolRegistry, executor: ToolExecutor, ref: string, context: LangChainToolContext): DynamicStructuredTool {
  const tool = registry.resolve(ref, context.tenantId);
  const counter = (context.counter ??= { next: 0 });
  return new DynamicStructuredTool({
    name: toOpenAiToolName(tool.name),
    description: tool.description,
    schema: tool.inputJsonSchema ?? tool.input,
    func: async (input: unknown, _runManager, config) => {
      const signals = [context.signal, config?.signal].filter((s): s is AbortSignal => s !== undefined);
      const result = await executor.invoke({
        ref, input, tenantId: context.tenantId, projectId: context.projectId ?? null, agent: context.agent ?? null,
        runId: context.runId ?? null, stageId: context.stageId ?? null, idempotencyKey: `${context.keyPrefix}:${counter.next++}`,
        signal: signals.length > 1 ? AbortSignal.any(signals) : signals[0],
      });
      return typeof result.output === 'string' ? result.output : JSON.stringify(result.output ?? null);
    },
  });
}

/** Several registry tools as LangChain tools sharing one call counter (see {@link toLangChainTool}). */
export function toLangChainTools(registry: ToolRegistry, executor: ToolExecutor, refs: readonly string[], context: LangChainToolContext): DynamicStructuredTool[] {
  context.counter ??= { next: 0 };
  return refs.map((ref) => toLangChainTool(registry, executor, ref, context));
}

/** Options of {@link registerLangChainTool}. */
export interface RegisterLangChainToolOptions {
  /** Default 1.0.0. */
  version?: string;
  /** Default `external`: a LangChain tool may do anything. */
  sideEffect?: SideEffect;
  /** Registry name; default the tool's name, sanitised (lower-case, `[a-z0-9_-]`). */
  name?: string;
  /** Circuit breaker key; default `tool:<name>`. */
  provider?: string;
  /** The only tenant that sees it; default every tenant. */
  tenantId?: string | null;
}

/** What a LangChain tool returns through the registry. */
export const LangChainOutputSchema = z.object({ result: z.unknown() });
export type LangChainOutput = z.infer<typeof LangChainOutputSchema>;

function asZod(schema: unknown): z.ZodType<unknown> | null {
  return isZodSchemaV4(schema) && typeof (schema as { safeParse?: unknown }).safeParse === 'function' ? (schema as z.ZodType<unknown>) : null;
}

/** A LangChain result as plain data: a message's content, else the value itself. */
function plain(value: unknown): unknown {
  if (typeof value === 'object' && value !== null && 'content' in value && typeof (value as { _getType?: unknown })._getType === 'function') {
    return (value as { content: unknown }).content;
  }
  return value;
}

/**
 * Registers a LangChain tool (`tool(...)`, a `DynamicStructuredTool`, any
 * `StructuredToolInterface`) in the registry, origin `langchain`: input = its zod schema when it
 * is zod 4, else a schema built from its JSON Schema (which the catalog exports); output
 * `{result}`. Calls go through `lcTool.invoke(input, {signal})`.
 */
export function registerLangChainTool(registry: ToolRegistry, lcTool: StructuredToolInterface, opts: RegisterLangChainToolOptions = {}): ToolDefinition<unknown, LangChainOutput> {
  const name = opts.name ?? sanitiseToolName(lcTool.name);
  const zod = asZod(lcTool.schema);
  const json = zod ? null : (toJsonSchema(lcTool.schema as Parameters<typeof toJsonSchema>[0]) as Record<string, unknown>);
  const definition: ToolDefinition<unknown, LangChainOutput> = {
    name,
    version: opts.version ?? '1.0.0',
    description: lcTool.description,
    input: zod ?? zodFromJsonSchema(json ?? { type: 'object' }),
    ...(json ? { inputJsonSchema: json } : {}),
    output: LangChainOutputSchema,
    sideEffect: opts.sideEffect ?? 'external',
    ...(opts.provider ? { provider: opts.provider } : {}),
    execute: async (input, ctx) => {
      try {
        const result: unknown = await lcTool.invoke(input as never, { signal: ctx.signal });
        return { output: { result: plain(result) } };
      } catch (err) {
        if (err instanceof ToolInputParsingException) throw new NonRetryableToolError(`input of ${name} is invalid: ${err.message}`, 'TOOL_INPUT_INVALID', { tool: name });
        throw err;
      }
    },
  };
  registry.register(definition, 'langchain', opts.tenantId ?? null);
  return definition;
}
