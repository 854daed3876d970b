import type { ToolCallRequest } from './provider.js';

/** A tool call with its JSON arguments parsed; unparsable or non-object arguments give `{}` plus `rawArguments`. */
export function parseToolCall(id: string, name: string, rawArguments: string): ToolCallRequest {
  const source = rawArguments.trim() === '' ? '{}' : rawArguments;
  try {
    const parsed: unknown = JSON.parse(source);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return { id, name, arguments: parsed as Record<string, unknown> };
  } catch {
    // fall through: keep the raw text for the caller
  }
  return { id, name, arguments: {}, rawArguments };
}
