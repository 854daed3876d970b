import semver from 'semver';
import { z } from 'zod';
import type { AnyTool } from './tool.js';
import { UnknownToolError } from '../contracts/tool-errors.js';

/** Where a tool came from. */
export type ToolOrigin = 'builtin' | `plugin:${string}` | `mcp:${string}` | 'langchain';

/** A tool as the catalog lists it. */
export interface ToolDescription {
  name: string;
  version: string;
  description: string;
  sideEffect: AnyTool['sideEffect'];
  cost: AnyTool['cost'] | null;
  provider: string;
  origin: ToolOrigin;
  inputSchema: Record<string, unknown>;
  outputSchema: Record<string, unknown>;
}

const NAME = /^[a-z][a-z0-9_.-]{0,99}$/;

/** Splits `name@range` (range default `*`). */
export function parseToolRef(ref: string): { name: string; range: string } {
  const at = ref.indexOf('@');
  return at < 0 ? { name: ref, range: '*' } : { name: ref.slice(0, at), range: ref.slice(at + 1) || '*' };
}

/**
 * The tool catalog: several versions per tool; callers and templates name `name@range` (semver,
 * e.g. `web.search@^1`), which resolves to the highest registered version in the range.
 */
export class ToolRegistry {
  private readonly tools = new Map<string, Map<string, { tool: AnyTool; origin: ToolOrigin }>>();

  /** Adds a tool version; refuses a bad name or version, or a name@version registered twice. */
  register(tool: AnyTool, origin: ToolOrigin = 'builtin'): void {
    if (!NAME.test(tool.name)) throw new Error(`tool name ${JSON.stringify(tool.name)} is invalid: lower-case letters, digits, ".", "-", "_"`);
    if (!semver.valid(tool.version)) throw new Error(`tool ${tool.name}: version ${JSON.stringify(tool.version)} is not semver`);
    const versions = this.tools.get(tool.name) ?? new Map();
    if (versions.has(tool.version)) throw new Error(`tool ${tool.name}@${tool.version} is already registered`);
    versions.set(tool.version, { tool, origin });
    this.tools.set(tool.name, versions);
  }

  /** Removes every tool of an origin (a plugin or MCP server being reloaded). */
  unregisterOrigin(origin: ToolOrigin): void {
    for (const [name, versions] of this.tools) {
      for (const [v, entry] of versions) if (entry.origin === origin) versions.delete(v);
      if (versions.size === 0) this.tools.delete(name);
    }
  }

  /** The tool a reference names, or null. */
  find(ref: string): AnyTool | null {
    const { name, range } = parseToolRef(ref);
    const versions = this.tools.get(name);
    if (!versions || !semver.validRange(range)) return null;
    const best = semver.maxSatisfying([...versions.keys()], range);
    return best ? (versions.get(best)?.tool ?? null) : null;
  }

  /** The tool a reference names; {@link UnknownToolError} naming it and the known ones otherwise. */
  resolve(ref: string): AnyTool {
    const tool = this.find(ref);
    if (!tool) throw new UnknownToolError(ref, this.refs());
    return tool;
  }

  /** True when the reference resolves. */
  has = (ref: string): boolean => this.find(ref) !== null;

  /** Every `name@version`, sorted. */
  refs(): string[] {
    return [...this.tools.entries()].flatMap(([n, v]) => [...v.keys()].map((ver) => `${n}@${ver}`)).sort();
  }

  /** Every tool version with its JSON Schemas, by name then version. */
  list(): ToolDescription[] {
    return [...this.tools.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .flatMap(([, versions]) => [...versions.values()].sort((a, b) => semver.compare(a.tool.version, b.tool.version)))
      .map(({ tool, origin }) => describeTool(tool, origin));
  }
}

/** A tool's catalog entry, with its schemas as JSON Schema. */
export function describeTool(tool: AnyTool, origin: ToolOrigin): ToolDescription {
  return {
    name: tool.name, version: tool.version, description: tool.description, sideEffect: tool.sideEffect, cost: tool.cost ?? null,
    provider: tool.provider ?? `tool:${tool.name}`, origin,
    inputSchema: jsonSchema(tool.input), outputSchema: jsonSchema(tool.output),
  };
}

/** JSON Schema of a zod schema (draft 2020-12); `{}` when the schema cannot be expressed. */
export function jsonSchema(schema: z.ZodType): Record<string, unknown> {
  try {
    return z.toJSONSchema(schema, { unrepresentable: 'any' }) as Record<string, unknown>;
  } catch {
    return {};
  }
}
