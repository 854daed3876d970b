import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { StageHandlerInput } from '../../../src/contracts/execution.js';
import type { Logger } from '../../../src/observability/logger.js';
import { loadPlugins, PluginCatalog, type PluginStatus } from '../../../src/tools/plugins/plugin-loader.js';
import { validatePluginManifest } from '../../../src/tools/plugins/plugin-manifest.js';
import { ToolRegistry } from '../../../src/tools/registry.js';
import { builtinHandlers } from '../../../src/tools/stage-handlers/builtin.handlers.js';
import type { AnyTool, ToolCallContext } from '../../../src/tools/tool.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
// Inside the repository (test-output/ is git-ignored) so that fixtures resolve `zod` from node_modules.
const BASE = join(ROOT, 'test-output');
mkdirSync(BASE, { recursive: true });
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Writes files (path -> content) into a fresh plugins directory. */
function pluginDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(BASE, 'plugins-'));
  dirs.push(dir);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

function captureLogger() {
  const warnings: string[] = [];
  const infos: string[] = [];
  const logger = {
    info: (_obj: unknown, msg?: string) => void infos.push(msg ?? ''),
    warn: (_obj: unknown, msg?: string) => void warnings.push(msg ?? ''),
  } as unknown as Pick<Logger, 'info' | 'warn'>;
  return { logger, warnings, infos };
}

const ctx = (): ToolCallContext => ({
  signal: new AbortController().signal, idempotencyKey: 'k1', tenantId: 't1', projectId: null, agent: null, runId: null, stageId: null,
  credential: () => Promise.reject(new Error('no credentials in this test')),
});

const tool = (name: string, extra = '') => `{
  name: ${JSON.stringify(name)}, version: '1.0.0', description: 'test tool ${name}',
  input: z.object({ text: z.string() }), output: z.object({ upper: z.string() }), sideEffect: 'read',
  execute: async (input) => ({ output: { upper: input.text.toUpperCase() } }), ${extra}
}`;

const VALID = `import { z } from 'zod';
export default {
  name: 'valid-one', version: '1.2.0', description: 'a valid plugin',
  tools: [${tool('fx.upper')}],
  handlers: [{ kind: 'fx.handler', description: 'returns ok', run: async (input) => ({ output: { ok: true, stage: input.stageId } }) }],
};
`;

const byName = (statuses: PluginStatus[], name: string) => {
  const s = statuses.find((x) => x.name === name);
  if (!s) throw new Error(`no status for ${name}: ${JSON.stringify(statuses.map((x) => x.name))}`);
  return s;
};

const existingTool: AnyTool = {
  name: 'existing.tool', version: '1.0.0', description: 'built in', sideEffect: 'read', input: z.object({}), output: z.object({}),
  execute: () => Promise.resolve({ output: {} }),
};

describe('loadPlugins from a directory', () => {
  it('loads valid plugins (files and sub-directories), reports broken ones as failed, and leaves nothing of them registered', async () => {
    const dir = pluginDir({
      'valid.mjs': VALID,
      // A sub-directory with package.json (entry from "exports") and a named `plugin` export.
      'pkgdir/package.json': JSON.stringify({ name: 'pkgdir', type: 'module', exports: { '.': { import: './lib/main.js' } } }),
      'pkgdir/lib/main.js': `import { z } from 'zod';\nexport const plugin = { name: 'pkg-dir', version: '0.1.0', tools: [${tool('fx.lower')}] };\n`,
      // A sub-directory with index.ts.
      'tsdir/index.ts': `import { z } from 'zod';\nconst p: { name: string } & Record<string, unknown> = { name: 'ts-dir', version: '2.0.0', tools: [${tool('fx.ts')}] };\nexport default p;\n`,
      'missing-version.mjs': `import { z } from 'zod';\nexport default { name: 'missing-version', tools: [${tool('fx.mv')}] };\n`,
      'bad-tool-name.mjs': `import { z } from 'zod';\nexport default { name: 'bad-tool-name', version: '1.0.0', tools: [${tool('fx.ok')}, ${tool('Bad Name')}] };\n`,
      'input-not-zod.mjs': `import { z } from 'zod';\nexport default { name: 'input-not-zod', version: '1.0.0', tools: [{ ...${tool('fx.nz')}, input: { type: 'object' } }] };\n`,
      'throws.mjs': `throw new Error('boom while importing');\n`,
      'syntax.js': `export default { name: 'syntax', version: '1.0.0', tools: [ ;\n`,
      'conflict.mjs': `import { z } from 'zod';\nexport default { name: 'conflict', version: '1.0.0', tools: [${tool('fx.first')}, ${tool('existing.tool', "version: '9.0.0',")}] };\n`,
      'handler-conflict.mjs': `import { z } from 'zod';\nexport default { name: 'handler-conflict', version: '1.0.0', tools: [${tool('fx.hc')}], handlers: [{ kind: 'echo', description: 'x', run: async () => ({ output: null }) }] };\n`,
      'twice.mjs': `import { z } from 'zod';\nexport default { name: 'twice', version: '1.0.0', tools: [${tool('fx.twice')}, ${tool('fx.twice')}] };\n`,
      'zz-same-name.mjs': VALID,
      // Not plugins: skipped.
      'README.md': '# not a plugin',
      '_disabled.mjs': 'throw new Error("must not be imported")',
      '.hidden.js': 'throw new Error("must not be imported")',
      'types.d.ts': 'export type X = 1;',
      'empty-dir/notes.txt': 'nothing here',
    });
    const registry = new ToolRegistry();
    registry.register(existingTool);
    const handlers = builtinHandlers();
    const { logger, warnings } = captureLogger();

    const statuses = await loadPlugins({ dir, registry, handlers, logger });

    expect(statuses.map((s) => [s.name, s.status])).toEqual([
      ['bad-tool-name', 'failed'], ['conflict', 'failed'], ['handler-conflict', 'failed'], ['input-not-zod', 'failed'],
      ['missing-version', 'failed'], ['pkg-dir', 'loaded'], ['syntax', 'failed'], ['throws', 'failed'], ['ts-dir', 'loaded'],
      ['twice', 'failed'], ['valid-one', 'loaded'], ['valid-one', 'failed'],
    ]);

    const valid = statuses.find((s) => s.name === 'valid-one' && s.status === 'loaded');
    expect(valid).toMatchObject({ source: `dir:${join(dir, 'valid.mjs')}`, version: '1.2.0', tools: ['fx.upper@1.0.0'], handlers: ['fx.handler'] });
    expect(valid?.error).toBeUndefined();
    expect(Date.parse(valid?.loadedAt ?? '')).not.toBeNaN();
    expect(byName(statuses, 'pkg-dir')).toMatchObject({ source: `dir:${join(dir, 'pkgdir')}`, tools: ['fx.lower@1.0.0'] });
    expect(byName(statuses, 'ts-dir')).toMatchObject({ source: `dir:${join(dir, 'tsdir')}`, tools: ['fx.ts@1.0.0'] });

    expect(byName(statuses, 'missing-version').error).toBe('plugin missing-version: invalid manifest: version: is required (a semver string such as "1.0.0")');
    expect(byName(statuses, 'bad-tool-name').error).toMatch(/^plugin bad-tool-name: invalid manifest: tools\[1\] "Bad Name": name: must match /);
    expect(byName(statuses, 'input-not-zod').error).toBe('plugin input-not-zod: invalid manifest: tools[0] "fx.nz": input: must be a zod schema (an object with safeParse), e.g. z.object({...})');
    expect(byName(statuses, 'throws').error).toBe('plugin throws: import failed: boom while importing');
    expect(byName(statuses, 'syntax').error).toMatch(/^plugin syntax: import failed: /);
    expect(byName(statuses, 'conflict').error).toBe('plugin conflict: tools[1] "existing.tool" conflicts with a tool already registered by builtin');
    expect(byName(statuses, 'handler-conflict').error).toBe('plugin handler-conflict: handlers[0] "echo" conflicts with a stage handler already registered');
    expect(byName(statuses, 'twice').error).toBe('plugin twice: tools[1] fx.twice@1.0.0 is declared twice in the plugin');
    const sameName = statuses.find((s) => s.name === 'valid-one' && s.status === 'failed');
    expect(sameName?.error).toBe(`plugin valid-one: a plugin named valid-one is already loaded from dir:${join(dir, 'valid.mjs')}`);
    for (const s of statuses.filter((x) => x.status === 'failed')) {
      expect(s.tools).toEqual([]);
      expect(s.handlers).toEqual([]);
      expect(warnings.some((w) => w.includes(s.error ?? '<none>'))).toBe(true);
    }
    expect(warnings).toHaveLength(9);

    // Only the valid plugins' tools and handlers are registered, with their plugin as origin.
    expect(registry.refs()).toEqual(['existing.tool@1.0.0', 'fx.lower@1.0.0', 'fx.ts@1.0.0', 'fx.upper@1.0.0']);
    expect(registry.entries().find((e) => e.tool.name === 'fx.upper')?.origin).toBe('plugin:valid-one');
    expect(handlers.kinds()).toContain('fx.handler');
    expect(handlers.kinds().filter((k) => k.startsWith('fx.'))).toEqual(['fx.handler']);

    // They work.
    await expect(registry.resolve('fx.upper@^1').execute({ text: 'shout' }, ctx())).resolves.toEqual({ output: { upper: 'SHOUT' } });
    const handler = handlers.get('fx.handler');
    await expect(handler?.run({ stageId: 'draft' } as StageHandlerInput)).resolves.toEqual({ output: { ok: true, stage: 'draft' } });

    // The catalog the status endpoint serves.
    const catalog = new PluginCatalog(statuses);
    expect(catalog.get('valid-one')?.status).toBe('loaded');
    expect(catalog.failed()).toHaveLength(9);
    expect(catalog.list()).toHaveLength(12);
  });

  it('loads the example plugin: text.word_count counts words', async () => {
    const registry = new ToolRegistry();
    const handlers = builtinHandlers();
    const { logger, warnings } = captureLogger();
    const statuses = await loadPlugins({ dir: join(ROOT, 'test/fixtures/plugins'), registry, handlers, logger });
    expect(warnings).toEqual([]);
    expect(statuses).toEqual([expect.objectContaining({ name: 'example-text', status: 'loaded', version: '1.0.0', tools: ['text.word_count@1.0.0'], handlers: ['text.stats'] })]);
    const wordCount = registry.resolve('text.word_count@^1');
    expect(wordCount.sideEffect).toBe('read');
    await expect(wordCount.execute(wordCount.input.parse({ text: "Fresh roast, isn't it — 100% arabica!" }), ctx()))
      .resolves.toEqual({ output: { words: 6, characters: 37 } });
    const out = await handlers.get('text.stats')?.run({ upstream: { draft: 'one two three' } } as unknown as StageHandlerInput);
    expect(out).toEqual({ output: { words: { draft: 3 } } });
  });

  it('skips handlers when the process has no handler registry, and a missing directory is only a warning', async () => {
    const registry = new ToolRegistry();
    const { logger, warnings } = captureLogger();
    const statuses = await loadPlugins({ dir: pluginDir({ 'valid.mjs': VALID }), registry, logger });
    expect(statuses[0]).toMatchObject({ status: 'loaded', tools: ['fx.upper@1.0.0'], handlers: [] });
    expect(warnings[0]).toContain('stage handlers (fx.handler) are skipped');

    const none = await loadPlugins({ dir: join(BASE, 'no-such-plugins-dir'), registry: new ToolRegistry(), logger });
    expect(none).toEqual([]);
    expect(warnings[1]).toContain('does not exist');
  });

  it('times out a plugin whose import never finishes', async () => {
    const dir = pluginDir({ 'hangs.mjs': 'await new Promise(() => {});\nexport default {};\n' });
    const statuses = await loadPlugins({ dir, registry: new ToolRegistry(), logger: captureLogger().logger, importTimeoutMs: 200 });
    expect(statuses[0]).toMatchObject({ name: 'hangs', status: 'failed', error: 'plugin hangs: import did not finish within 200 ms' });
  });
});

describe('loadPlugins from npm packages', () => {
  it('reports a package that is not a plugin, and one that is not installed', async () => {
    const registry = new ToolRegistry();
    const { logger, warnings } = captureLogger();
    const statuses = await loadPlugins({ packages: ['semver', ' ', 'vmp-plugin-not-installed'], registry, logger });
    expect(statuses).toHaveLength(2);
    expect(statuses[0]).toMatchObject({ name: 'semver', source: 'npm:semver', status: 'failed', tools: [], handlers: [] });
    expect(statuses[0]?.error).toMatch(/^plugin semver: no plugin manifest export: expected a default export or a named export `plugin`/);
    expect(statuses[1]).toMatchObject({ name: 'vmp-plugin-not-installed', source: 'npm:vmp-plugin-not-installed', status: 'failed' });
    expect(statuses[1]?.error).toMatch(/^plugin vmp-plugin-not-installed: import failed: .*vmp-plugin-not-installed/);
    expect(warnings).toHaveLength(2);
    expect(registry.refs()).toEqual([]);
  });
});

describe('validatePluginManifest', () => {
  it('names the plugin, the tool and the field of every problem', () => {
    const bad = {
      name: 'acme', version: '1.0', tools: [{ name: 'ok.tool', version: '1.0.0', description: 'd', input: z.string(), output: z.string(), sideEffect: 'delete', execute: 'no' }],
      handlers: [{ kind: 'k', description: 'd' }],
    };
    expect(() => validatePluginManifest(bad, 'file')).toThrow(
      'plugin acme: invalid manifest: version: must be a semver version such as "1.0.0"; tools[0] "ok.tool": sideEffect: must be one of "read", "write", "external"; ' +
      'tools[0] "ok.tool": execute: must be a function (execute(input, ctx) => Promise<{ output }>); handlers[0] "k": run: must be a function (run(input) => Promise<{ output }>)',
    );
    expect(() => validatePluginManifest({ name: 'Acme!', version: '1.0.0', tools: [] }, 'file.mjs')).toThrow(/^plugin Acme!: invalid manifest: name: must match/);
    expect(() => validatePluginManifest({ name: 'empty', version: '1.0.0', tools: [] }, 'x')).toThrow('plugin empty: invalid manifest: declares no tools and no handlers');
    expect(() => validatePluginManifest(42, 'file.mjs')).toThrow('plugin file.mjs: invalid manifest: the export is not an object');
  });
});

describe('loading twice', () => {
  it('refuses a plugin whose tools an earlier load registered, and keeps the earlier tools', async () => {
    const registry = new ToolRegistry();
    const { logger } = captureLogger();
    const first = await loadPlugins({ dir: pluginDir({ 'valid.mjs': VALID }), registry, logger });
    const second = await loadPlugins({ dir: pluginDir({ 'again.mjs': VALID }), registry, logger });
    expect(first[0]?.status).toBe('loaded');
    expect(second[0]).toMatchObject({ status: 'failed', error: 'plugin valid-one: a plugin named valid-one is already registered (tools of origin plugin:valid-one exist)' });
    expect(registry.refs()).toEqual(['fx.upper@1.0.0']);
  });
});
