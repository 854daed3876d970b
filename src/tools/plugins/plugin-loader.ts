import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Logger } from '../../observability/logger.js';
import type { ToolOrigin, ToolRegistry } from '../registry.js';
import type { HandlerRegistry } from '../stage-handlers/handler-registry.js';
import { PluginManifestError, validatePluginManifest, type PluginManifest } from './plugin-manifest.js';

/**
 * Loads plugins: modules that export a {@link PluginManifest} (tools and stage handlers) and are
 * found in a directory (`PLUGINS_DIR`) or named as npm packages (`PLUGINS`).
 *
 * What counts as a plugin in the directory (only its direct entries, sorted by name):
 * - a file `*.js`, `*.mjs` or `*.ts` (not `*.d.ts`);
 * - a sub-directory holding a `package.json` (its entry: `exports["."]` as a string or its
 *   `import`/`default` condition, else `module`, else `main`), or else an `index.js`, `index.mjs`
 *   or `index.ts`.
 * Names starting with "." or "_" and `node_modules` are skipped, and so is everything else.
 * `.ts` plugins need the TypeScript loader the platform runs with (tsx); compiled deployments
 * should ship `.js`.
 *
 * A broken plugin never stops start-up: it is logged (warn, with the reason), reported as `failed`,
 * and whatever it registered is removed again. Tools are registered with origin `plugin:<name>`.
 */

/** Where a plugin came from and how loading it went. */
export interface PluginStatus {
  /** The manifest's name; for a plugin that failed before its manifest was read, its file or package name. */
  name: string;
  /** `dir:<absolute path>` or `npm:<package>`. */
  source: string;
  status: 'loaded' | 'failed';
  version?: string;
  /** Registered tools as `name@version`. */
  tools: string[];
  /** Registered stage handler kinds. */
  handlers: string[];
  /** Why the plugin failed. */
  error?: string;
  /** When it was loaded (or failed), ISO 8601. */
  loadedAt: string;
}

/** What {@link loadPlugins} needs. */
export interface LoadPluginsOptions {
  /** A directory of plugins (PLUGINS_DIR); a missing directory is logged and skipped. */
  dir?: string;
  /** npm package names (PLUGINS), each resolved with `import()` from the project. */
  packages?: string[];
  registry: ToolRegistry;
  /** Where plugin stage handlers go; without it, handlers of plugins are skipped (logged). */
  handlers?: HandlerRegistry;
  logger: Pick<Logger, 'info' | 'warn'>;
  /** How long one plugin's import may take (top-level await included). Default 10 s. */
  importTimeoutMs?: number;
}

/** A plugin found in the directory or named as a package, before it is imported. */
export interface PluginCandidate {
  source: string;
  /** A file path (dir plugins) or a package name. */
  specifier: string;
  label: string;
}

/**
 * Loads every plugin of `dir` and `packages` (directory first, then packages in the given order),
 * registering their tools in `registry` and their handlers in `handlers`. Never throws for a plugin:
 * each one's outcome is in the returned list.
 */
export async function loadPlugins(opts: LoadPluginsOptions): Promise<PluginStatus[]> {
  const candidates: PluginCandidate[] = [];
  if (opts.dir) candidates.push(...discoverDir(opts.dir, opts.logger));
  for (const pkg of opts.packages ?? []) {
    const name = pkg.trim();
    if (name) candidates.push({ source: `npm:${name}`, specifier: name, label: name });
  }
  const loaded = new Map<string, string>();
  const statuses: PluginStatus[] = [];
  for (const candidate of candidates) statuses.push(await loadOne(candidate, opts, loaded));
  return statuses;
}

/** The plugin entries of a directory, by the rule in this module's comment. */
export function discoverDir(dir: string, logger: Pick<Logger, 'info' | 'warn'>): PluginCandidate[] {
  const root = resolve(dir);
  if (!existsSync(root) || !statSync(root).isDirectory()) {
    logger.warn({ dir: root }, `plugins directory ${root} does not exist or is not a directory: no plugins loaded from it`);
    return [];
  }
  const out: PluginCandidate[] = [];
  for (const entry of readdirSync(root, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (entry.name.startsWith('.') || entry.name.startsWith('_') || entry.name === 'node_modules') continue;
    const path = join(root, entry.name);
    if (entry.isFile() || (entry.isSymbolicLink() && statSync(path).isFile())) {
      if (/\.(m?js|ts)$/.test(entry.name) && !entry.name.endsWith('.d.ts')) {
        out.push({ source: `dir:${path}`, specifier: path, label: entry.name.replace(/\.(m?js|ts)$/, '') });
      }
    } else if (entry.isDirectory() || (entry.isSymbolicLink() && statSync(path).isDirectory())) {
      const main = directoryEntry(path);
      if (main) out.push({ source: `dir:${path}`, specifier: main, label: entry.name });
    }
  }
  return out;
}

/** The module a plugin directory points at, or null when it is not a plugin directory. */
function directoryEntry(dir: string): string | null {
  const pkgFile = join(dir, 'package.json');
  if (existsSync(pkgFile)) {
    let entry: string | undefined;
    try {
      const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as { exports?: unknown; module?: unknown; main?: unknown };
      entry = exportsEntry(pkg.exports) ?? (typeof pkg.module === 'string' ? pkg.module : undefined) ?? (typeof pkg.main === 'string' ? pkg.main : undefined);
    } catch {
      // An unreadable package.json: the import below reports it (the directory has no usable entry).
      return pkgFile;
    }
    if (entry) return join(dir, entry);
  }
  for (const index of ['index.js', 'index.mjs', 'index.ts']) if (existsSync(join(dir, index))) return join(dir, index);
  return existsSync(pkgFile) ? join(dir, 'index.js') : null;
}

function exportsEntry(exports: unknown): string | undefined {
  if (typeof exports === 'string') return exports;
  if (typeof exports !== 'object' || exports === null) return undefined;
  const e = exports as Record<string, unknown>;
  const dot = '.' in e ? e['.'] : e;
  if (typeof dot === 'string') return dot;
  if (typeof dot === 'object' && dot !== null) {
    const c = dot as Record<string, unknown>;
    for (const cond of ['import', 'default', 'node']) if (typeof c[cond] === 'string') return c[cond];
  }
  return undefined;
}

async function loadOne(candidate: PluginCandidate, opts: LoadPluginsOptions, loaded: Map<string, string>): Promise<PluginStatus> {
  const { registry, handlers, logger } = opts;
  const loadedAt = new Date().toISOString();
  let name = candidate.label;
  let version: string | undefined;
  let origin: ToolOrigin | null = null;
  try {
    const mod = await importWithTimeout(candidate, opts.importTimeoutMs ?? 10_000);
    const raw = manifestExport(mod);
    if (raw === undefined) {
      throw new PluginLoadError('no plugin manifest export: expected a default export or a named export `plugin` of the form { name, version, tools, handlers? }');
    }
    const manifest = validatePluginManifest(raw, candidate.label);
    name = manifest.name;
    version = manifest.version;
    checkConflicts(manifest, opts, loaded);

    origin = `plugin:${manifest.name}`;
    const tools: string[] = [];
    for (const tool of manifest.tools) {
      registry.register(tool, origin);
      tools.push(`${tool.name}@${tool.version}`);
    }
    const kinds: string[] = [];
    const pluginHandlers = manifest.handlers ?? [];
    if (pluginHandlers.length > 0 && !handlers) {
      logger.warn({ plugin: name, source: candidate.source }, `plugin ${name}: its stage handlers (${pluginHandlers.map((h) => h.kind).join(', ')}) are skipped: this process has no handler registry`);
    } else if (handlers) {
      // Checked in checkConflicts: none of these kinds is registered, so none of these calls throws.
      for (const handler of pluginHandlers) {
        handlers.register(handler);
        kinds.push(handler.kind);
      }
    }
    loaded.set(manifest.name, candidate.source);
    logger.info({ plugin: name, version, source: candidate.source, tools, handlers: kinds }, `plugin ${name}@${version} loaded: ${tools.length} tool(s), ${kinds.length} handler(s)`);
    return { name, source: candidate.source, status: 'loaded', version, tools, handlers: kinds, loadedAt };
  } catch (err) {
    if (origin) registry.unregisterOrigin(origin);
    const error = reason(err, name);
    logger.warn({ plugin: name, source: candidate.source, err: error }, `plugin ${name} (${candidate.source}) failed to load: ${error}`);
    return { name, source: candidate.source, status: 'failed', ...(version ? { version } : {}), tools: [], handlers: [], error, loadedAt };
  }
}

/** Refuses, before anything is registered, what would make registration fail half-way. */
function checkConflicts(manifest: PluginManifest, opts: LoadPluginsOptions, loaded: Map<string, string>): void {
  const previous = loaded.get(manifest.name);
  if (previous) throw new PluginLoadError(`a plugin named ${manifest.name} is already loaded from ${previous}`);
  const origin: ToolOrigin = `plugin:${manifest.name}`;
  const entries = opts.registry.entries();
  // Another load of the same plugin (an earlier loadPlugins call): a rollback would remove its tools.
  if (entries.some((e) => e.origin === origin)) throw new PluginLoadError(`a plugin named ${manifest.name} is already registered (tools of origin ${origin} exist)`);
  const owners = new Map(entries.map((e) => [e.tool.name, e.origin]));
  const seen = new Set<string>();
  for (const [i, tool] of manifest.tools.entries()) {
    const ref = `${tool.name}@${tool.version}`;
    if (seen.has(ref)) throw new PluginLoadError(`tools[${i}] ${ref} is declared twice in the plugin`);
    seen.add(ref);
    const owner = owners.get(tool.name);
    if (owner) throw new PluginLoadError(`tools[${i}] ${JSON.stringify(tool.name)} conflicts with a tool already registered by ${owner}`);
  }
  if (!opts.handlers) return;
  const kinds = new Set<string>();
  for (const [i, handler] of (manifest.handlers ?? []).entries()) {
    if (kinds.has(handler.kind)) throw new PluginLoadError(`handlers[${i}] ${JSON.stringify(handler.kind)} is declared twice in the plugin`);
    kinds.add(handler.kind);
    if (opts.handlers.has(handler.kind)) throw new PluginLoadError(`handlers[${i}] ${JSON.stringify(handler.kind)} conflicts with a stage handler already registered`);
  }
}

/** A plugin refused for a reason other than its manifest's shape. */
class PluginLoadError extends Error {}

/** The manifest a module exports: the named export `plugin`, else a default export that looks like one. */
function manifestExport(mod: Record<string, unknown>): unknown {
  if (mod.plugin !== undefined) return mod.plugin;
  const def = mod.default;
  if (typeof def === 'object' && def !== null && ['name', 'version', 'tools', 'handlers'].some((k) => Object.hasOwn(def, k))) return def;
  return undefined;
}

async function importWithTimeout(candidate: PluginCandidate, timeoutMs: number): Promise<Record<string, unknown>> {
  const specifier = candidate.source.startsWith('dir:') ? pathToFileURL(candidate.specifier).href : candidate.specifier;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new PluginLoadError(`import did not finish within ${timeoutMs} ms`)), timeoutMs);
    timer.unref();
  });
  try {
    const imported = import(specifier).catch((err: unknown) => {
      throw new PluginLoadError(`import failed: ${err instanceof Error ? `${err.name === 'Error' ? '' : `${err.name}: `}${err.message}` : String(err)}`);
    });
    return (await Promise.race([imported, timeout])) as Record<string, unknown>;
  } finally {
    clearTimeout(timer);
  }
}

function reason(err: unknown, plugin: string): string {
  if (err instanceof PluginManifestError) return err.message;
  if (err instanceof PluginLoadError) return `plugin ${plugin}: ${err.message}`;
  return `plugin ${plugin}: ${err instanceof Error ? err.message : String(err)}`;
}

/** The statuses of the plugins a process loaded (served by GET /v2/tools/plugins). */
export class PluginCatalog {
  private readonly statuses = new Map<string, PluginStatus>();

  constructor(statuses: PluginStatus[] = []) {
    this.add(statuses);
  }

  /** Records outcomes; a later outcome of the same source replaces the earlier one. */
  add(statuses: PluginStatus[]): void {
    for (const s of statuses) this.statuses.set(s.source, s);
  }

  /** Every plugin, by name then source. */
  list(): PluginStatus[] {
    return [...this.statuses.values()].sort((a, b) => a.name.localeCompare(b.name) || a.source.localeCompare(b.source));
  }

  /** The loaded plugin of a name, if any. */
  get(name: string): PluginStatus | undefined {
    return this.list().find((s) => s.name === name && s.status === 'loaded');
  }

  /** Plugins that failed. */
  failed(): PluginStatus[] {
    return this.list().filter((s) => s.status === 'failed');
  }
}
