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
  cost: NonNullable<AnyTool['cost']> | null;
  provider: string;
  origin: ToolOrigin;
  /** The only tenant that may see and call the tool (tools of a tenant's MCP server); null: every tenant. */
  tenantId: string | null;
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
  private readonly tools = new Map<string, Map<string, Entry>>();

  /**
   * Adds a tool version; refuses a bad name or version, or a name@version registered twice for
   * the same viewers. `tenantId` makes the tool visible to that tenant only; two tenants may each
   * have their own `name@version` (e.g. both configured an MCP server called `crm`), but not
   * alongside a global one.
   */
  register(tool: AnyTool, origin: ToolOrigin = 'builtin', tenantId: string | null = null): void {
    if (!NAME.test(tool.name)) throw new Error(`tool name ${JSON.stringify(tool.name)} is invalid: lower-case letters, digits, ".", "-", "_"`);
    // Exactly as semver spells it: `v1.0.0`, ` 1.0.0` or `1.0.0+build` would be a second 1.0.0 next to `1.0.0`.
    if (semver.valid(tool.version) !== tool.version) throw new Error(`tool ${tool.name}: version ${JSON.stringify(tool.version)} is not semver (e.g. 1.0.0)`);
    const versions: Map<string, Entry> = this.tools.get(tool.name) ?? new Map<string, Entry>();
    const clash = [...versions.values()].some((e) => e.tool.version === tool.version && (e.tenantId === null || tenantId === null || e.tenantId === tenantId));
    if (clash) throw new Error(`tool ${tool.name}@${tool.version} is already registered${tenantId ? ` for tenant ${tenantId} or every tenant` : ''}`);
    versions.set(tenantId === null ? tool.version : `${tool.version}#${tenantId}`, { tool, origin, tenantId });
    this.tools.set(tool.name, versions);
  }

  /** Removes every tool of an origin (a plugin or MCP server being reloaded). */
  unregisterOrigin(origin: ToolOrigin): void {
    for (const [name, versions] of this.tools) {
      for (const [v, entry] of versions) if (entry.origin === origin) versions.delete(v);
      if (versions.size === 0) this.tools.delete(name);
    }
  }

  /**
   * The tool a reference names, or null: the highest version in the range among the tools every
   * tenant sees and, given `tenantId`, that tenant's own.
   */
  find(ref: string, tenantId?: string | null): AnyTool | null {
    const { name, range } = parseToolRef(ref);
    const versions = this.tools.get(name);
    if (!versions || !semver.validRange(range)) return null;
    const visible = [...versions.values()].filter((e) => visibleTo(e, tenantId));
    const best = semver.maxSatisfying(visible.map((e) => e.tool.version), range);
    return best ? (visible.find((e) => e.tool.version === best)?.tool ?? null) : null;
  }

  /** The tool a reference names; {@link UnknownToolError} naming it and the known ones otherwise. */
  resolve(ref: string, tenantId?: string | null): AnyTool {
    const tool = this.find(ref, tenantId);
    if (!tool) throw new UnknownToolError(ref, this.refs(tenantId));
    return tool;
  }

  /** True when the reference resolves (for every tenant, or also among the tenant's own tools). */
  has = (ref: string, tenantId?: string | null): boolean => this.find(ref, tenantId) !== null;

  /** Every visible `name@version`, sorted. */
  refs(tenantId?: string | null): string[] {
    return this.entries(tenantId).map((e) => `${e.tool.name}@${e.tool.version}`);
  }

  /** Every visible tool version with its JSON Schemas, by name then version. */
  list(tenantId?: string | null): ToolDescription[] {
    return this.entries(tenantId).map((e) => describeTool(e.tool, e.origin, e.tenantId));
  }

  /** Every visible entry, by name then version. */
  entries(tenantId?: string | null): Entry[] {
    return [...this.tools.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .flatMap(([, versions]) => [...versions.values()].filter((e) => visibleTo(e, tenantId)).sort((a, b) => semver.compare(a.tool.version, b.tool.version)));
  }
}

/** A registered tool version. */
export interface Entry {
  tool: AnyTool;
  origin: ToolOrigin;
  tenantId: string | null;
}

const visibleTo = (e: Entry, tenantId?: string | null) => e.tenantId === null || (tenantId != null && e.tenantId === tenantId);

/** A tool's catalog entry, with its schemas as JSON Schema. */
export function describeTool(tool: AnyTool, origin: ToolOrigin, tenantId: string | null = null): ToolDescription {
  return {
    name: tool.name, version: tool.version, description: tool.description, sideEffect: tool.sideEffect, cost: tool.cost ?? null,
    provider: tool.provider ?? `tool:${tool.name}`, origin, tenantId,
    inputSchema: tool.inputJsonSchema ?? jsonSchema(tool.input), outputSchema: jsonSchema(tool.output),
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
