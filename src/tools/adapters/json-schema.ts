/** The JSON Schemas of foreign tools (MCP servers, LangChain tools) as zod input schemas. */
import { z } from 'zod';

/**
 * The zod schema that validates a tool's input: `z.fromJSONSchema` of its JSON Schema, or, when
 * zod cannot express it, any object checked by {@link checkJsonSchema} (types, required, enums).
 */
export function zodFromJsonSchema(schema: Record<string, unknown>): z.ZodType<Record<string, unknown>> {
  try {
    const converted = z.fromJSONSchema(schema as Parameters<typeof z.fromJSONSchema>[0]);
    return converted as z.ZodType<Record<string, unknown>>;
  } catch {
    return z.record(z.string(), z.unknown()).superRefine((value, ctx) => {
      for (const problem of checkJsonSchema(schema, value).slice(0, 5)) ctx.addIssue({ code: 'custom', message: problem.message, path: problem.path });
    });
  }
}

/** A small JSON Schema check (type, required, properties, items, enum, const): the problems found. */
export function checkJsonSchema(schema: unknown, value: unknown, path: Array<string | number> = []): Array<{ path: Array<string | number>; message: string }> {
  if (typeof schema !== 'object' || schema === null) return [];
  const s = schema as Record<string, unknown>;
  const problems: Array<{ path: Array<string | number>; message: string }> = [];
  const types = typeof s.type === 'string' ? [s.type] : Array.isArray(s.type) ? (s.type as string[]) : null;
  if (types && !types.some((t) => hasType(t, value))) return [{ path, message: `expected ${types.join(' or ')}` }];
  if (Array.isArray(s.enum) && !s.enum.some((e) => JSON.stringify(e) === JSON.stringify(value))) problems.push({ path, message: `must be one of ${JSON.stringify(s.enum)}` });
  if ('const' in s && JSON.stringify(s.const) !== JSON.stringify(value)) problems.push({ path, message: `must be ${JSON.stringify(s.const)}` });
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const obj = value as Record<string, unknown>;
    for (const key of Array.isArray(s.required) ? (s.required as string[]) : []) if (!(key in obj)) problems.push({ path: [...path, key], message: 'required' });
    const props = (typeof s.properties === 'object' && s.properties !== null ? s.properties : {}) as Record<string, unknown>;
    for (const [key, sub] of Object.entries(props)) if (key in obj) problems.push(...checkJsonSchema(sub, obj[key], [...path, key]));
  }
  if (Array.isArray(value) && typeof s.items === 'object' && s.items !== null) value.forEach((v, i) => problems.push(...checkJsonSchema(s.items, v, [...path, i])));
  return problems;
}

function hasType(type: string, value: unknown): boolean {
  switch (type) {
    case 'object': return typeof value === 'object' && value !== null && !Array.isArray(value);
    case 'array': return Array.isArray(value);
    case 'string': return typeof value === 'string';
    case 'integer': return Number.isInteger(value);
    case 'number': return typeof value === 'number' && Number.isFinite(value);
    case 'boolean': return typeof value === 'boolean';
    case 'null': return value === null;
    default: return true;
  }
}
