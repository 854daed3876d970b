import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { isToolError, type ToolError } from '../../../src/contracts/tool-errors.js';
import { describeTool, jsonSchema, parseToolRef, ToolRegistry } from '../../../src/tools/registry.js';
import type { AnyTool } from '../../../src/tools/tool.js';

function tool(name: string, version: string, extra: Partial<AnyTool> = {}): AnyTool {
  return {
    name, version, description: `${name} ${version}`, sideEffect: 'read',
    input: z.object({ query: z.string().min(1).describe('what to look for'), limit: z.number().int().max(10).optional() }),
    output: z.object({ hits: z.array(z.string()) }),
    execute: async () => ({ output: { hits: [] } }),
    ...extra,
  };
}

function registryWith(...tools: Array<[string, string]>): ToolRegistry {
  const r = new ToolRegistry();
  for (const [name, version] of tools) r.register(tool(name, version));
  return r;
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}

const search = () => registryWith(['web.search', '1.0.0'], ['web.search', '1.2.0'], ['web.search', '1.10.0'], ['web.search', '2.0.0'], ['web.search', '3.0.0-beta.1']);

describe('parseToolRef', () => {
  it('splits name@range, the range defaulting to *', () => {
    expect(parseToolRef('web.search@^1')).toEqual({ name: 'web.search', range: '^1' });
    expect(parseToolRef('web.search')).toEqual({ name: 'web.search', range: '*' });
    expect(parseToolRef('web.search@')).toEqual({ name: 'web.search', range: '*' });
    expect(parseToolRef('a@>=1.0.0 <2')).toEqual({ name: 'a', range: '>=1.0.0 <2' });
  });
});

describe('ToolRegistry: semver resolution', () => {
  it('^1 picks the highest 1.x (numeric order, not text order)', () => {
    expect(search().resolve('web.search@^1').version).toBe('1.10.0');
    expect(search().resolve('web.search@~1.2').version).toBe('1.2.0');
    expect(search().resolve('web.search@>=1.1.0 <1.5.0').version).toBe('1.2.0');
  });

  it('an exact version picks that version', () => {
    const r = search();
    expect(r.resolve('web.search@1.2.0').version).toBe('1.2.0');
    expect(r.resolve('web.search@1.0.0').version).toBe('1.0.0');
    expect(r.resolve('web.search@3.0.0-beta.1').version).toBe('3.0.0-beta.1');
  });

  it('* and no range pick the highest release (prereleases only when asked for)', () => {
    const r = search();
    expect(r.resolve('web.search@*').version).toBe('2.0.0');
    expect(r.resolve('web.search').version).toBe('2.0.0');
    expect(r.find('web.search@^3')).toBeNull();
  });

  it('find answers null and has false for an unknown name, version or an invalid range', () => {
    const r = search();
    expect(r.find('web.fetch')).toBeNull();
    expect(r.find('web.search@^4')).toBeNull();
    expect(r.find('web.search@latest')).toBeNull();
    expect(r.has('web.search@^2')).toBe(true);
    expect(r.has('web.search@^4')).toBe(false);
  });

  it('resolve throws UNKNOWN_TOOL naming the ref and listing the known refs', () => {
    const r = registryWith(['web.search', '1.0.0'], ['web.search', '2.0.0'], ['brand.knowledge', '1.0.0']);
    for (const ref of ['web.fetch@^1', 'web.search@^3']) {
      const err = thrown(() => r.resolve(ref)) as ToolError;
      expect(isToolError(err)).toBe(true);
      expect(err).toMatchObject({ code: 'UNKNOWN_TOOL', retryable: false, details: { tool: ref } });
      expect(err.message).toBe(`unknown tool ${ref}; known: brand.knowledge@1.0.0, web.search@1.0.0, web.search@2.0.0`);
    }
    expect((thrown(() => new ToolRegistry().resolve('x')) as Error).message).toBe('unknown tool x; known: none');
  });
});

describe('ToolRegistry: registration', () => {
  it('refuses the same name@version twice, but takes other versions', () => {
    const r = registryWith(['web.search', '1.0.0']);
    expect(() => r.register(tool('web.search', '1.0.0'))).toThrow('tool web.search@1.0.0 is already registered');
    r.register(tool('web.search', '1.0.1'));
    expect(r.refs()).toEqual(['web.search@1.0.0', 'web.search@1.0.1']);
  });

  it('refuses a version spelled differently but equal to a registered one', () => {
    const r = registryWith(['web.search', '1.0.0']);
    expect(() => r.register(tool('web.search', 'v1.0.0'))).toThrow(/version "v1\.0\.0" is not semver/);
    expect(r.refs()).toEqual(['web.search@1.0.0']);
  });

  it('refuses invalid names', () => {
    const r = new ToolRegistry();
    for (const name of ['', 'Web.search', '1search', '.search', 'web search', 'web/search', 'wéb', 'x'.repeat(101)]) {
      expect(() => r.register(tool(name, '1.0.0')), name).toThrow(/is invalid: lower-case letters, digits/);
    }
    for (const name of ['a', 'web.search', 'mcp.crm.find_contact', 'a-b_c.d9', 'x'.repeat(100)]) r.register(tool(name, '1.0.0'));
    expect(r.refs()).toHaveLength(5);
  });

  it('refuses invalid versions', () => {
    const r = new ToolRegistry();
    // Build metadata is ignored by ranges: 1.0.0+build.5 would be a second 1.0.0.
    for (const version of ['', '1', '1.0', 'one', '1.0.0.0', '^1.0.0', ' 1.0.0', '=1.0.0', '1.0.0+build.5']) {
      expect(() => r.register(tool('web.search', version)), JSON.stringify(version)).toThrow(/is not semver/);
    }
    expect(r.refs()).toEqual([]);
    r.register(tool('web.search', '1.0.0-rc.1'));
    expect(r.refs()).toEqual(['web.search@1.0.0-rc.1']);
  });

  it('unregisterOrigin removes every tool of that origin and nothing else', () => {
    const r = new ToolRegistry();
    r.register(tool('web.search', '1.0.0'));
    r.register(tool('text.count', '1.0.0'), 'plugin:text');
    r.register(tool('text.count', '2.0.0'), 'plugin:text');
    r.register(tool('web.search', '2.0.0'), 'plugin:text');
    r.register(tool('mcp.crm.find', '1.0.0'), 'mcp:crm');
    r.unregisterOrigin('plugin:text');
    expect(r.refs()).toEqual(['mcp.crm.find@1.0.0', 'web.search@1.0.0']);
    expect(r.find('text.count')).toBeNull();
    expect(r.resolve('web.search').version).toBe('1.0.0');
    // Re-registering after the unload works (a plugin reload).
    r.register(tool('text.count', '2.0.0'), 'plugin:text');
    expect(r.has('text.count@^2')).toBe(true);
    r.unregisterOrigin('langchain');
    expect(r.refs()).toHaveLength(3);
  });
});

describe('ToolRegistry: tenant-scoped tools', () => {
  function scoped() {
    const r = new ToolRegistry();
    r.register(tool('web.search', '1.0.0'));
    r.register(tool('mcp.crm.find', '1.0.0', { description: 'crm of a' }), 'mcp:crm', 'tenant-a');
    r.register(tool('mcp.crm.find', '1.0.0', { description: 'crm of b' }), 'mcp:crm', 'tenant-b');
    r.register(tool('mcp.crm.find', '1.1.0', { description: 'newer crm of b' }), 'mcp:crm', 'tenant-b');
    return r;
  }

  it('are visible to their tenant only', () => {
    const r = scoped();
    expect(r.refs()).toEqual(['web.search@1.0.0']);
    expect(r.refs('tenant-a')).toEqual(['mcp.crm.find@1.0.0', 'web.search@1.0.0']);
    expect(r.refs('tenant-b')).toEqual(['mcp.crm.find@1.0.0', 'mcp.crm.find@1.1.0', 'web.search@1.0.0']);
    expect(r.refs('tenant-c')).toEqual(['web.search@1.0.0']);
    expect(r.find('mcp.crm.find')).toBeNull();
    expect(r.find('mcp.crm.find', 'tenant-c')).toBeNull();
    expect(r.resolve('mcp.crm.find', 'tenant-a').description).toBe('crm of a');
    expect(r.resolve('mcp.crm.find@1.0.0', 'tenant-b').description).toBe('crm of b');
    expect(r.resolve('mcp.crm.find@^1', 'tenant-b').description).toBe('newer crm of b');
    expect((thrown(() => r.resolve('mcp.crm.find', 'tenant-c')) as Error).message).toBe('unknown tool mcp.crm.find; known: web.search@1.0.0');
    expect(r.list('tenant-a').map((d) => [d.name, d.tenantId, d.origin])).toEqual([['mcp.crm.find', 'tenant-a', 'mcp:crm'], ['web.search', null, 'builtin']]);
  });

  it('may not clash with a global tool of the same name@version, nor twice for the same tenant', () => {
    const r = scoped();
    expect(() => r.register(tool('web.search', '1.0.0'), 'mcp:x', 'tenant-a')).toThrow('tool web.search@1.0.0 is already registered for tenant tenant-a or every tenant');
    expect(() => r.register(tool('mcp.crm.find', '1.0.0'), 'mcp:crm', 'tenant-a')).toThrow(/already registered/);
    expect(() => r.register(tool('mcp.crm.find', '1.0.0'))).toThrow('tool mcp.crm.find@1.0.0 is already registered');
    r.register(tool('mcp.crm.find', '2.0.0'));
    expect(r.resolve('mcp.crm.find', 'tenant-a').version).toBe('2.0.0');
  });

  it('unregisterOrigin removes the tools of every tenant of that origin', () => {
    const r = scoped();
    r.unregisterOrigin('mcp:crm');
    expect(r.refs('tenant-a')).toEqual(['web.search@1.0.0']);
    expect(r.refs('tenant-b')).toEqual(['web.search@1.0.0']);
  });
});

describe('ToolRegistry: list()', () => {
  it('describes every version, by name then version, with JSON Schemas of input and output', () => {
    const r = new ToolRegistry();
    r.register(tool('web.search', '1.10.0', { cost: { perCallUsd: 0.01 }, provider: 'http:search.example', sideEffect: 'external' }));
    r.register(tool('web.search', '1.2.0'));
    r.register(tool('brand.knowledge', '1.0.0'), 'plugin:brand');
    const list = r.list();
    expect(list.map((d) => `${d.name}@${d.version}`)).toEqual(['brand.knowledge@1.0.0', 'web.search@1.2.0', 'web.search@1.10.0']);
    expect(list[2]).toMatchObject({
      name: 'web.search', version: '1.10.0', description: 'web.search 1.10.0', sideEffect: 'external', cost: { perCallUsd: 0.01 },
      provider: 'http:search.example', origin: 'builtin', tenantId: null,
    });
    expect(list[1]).toMatchObject({ cost: null, provider: 'tool:web.search', sideEffect: 'read' });
    expect(list[0]?.origin).toBe('plugin:brand');
    const input = list[0]?.inputSchema as { type: string; properties: Record<string, { type: string; description?: string; maximum?: number }>; required: string[]; $schema: string };
    expect(input.type).toBe('object');
    expect(input.$schema).toMatch(/json-schema\.org/);
    expect(input.properties.query).toMatchObject({ type: 'string', description: 'what to look for' });
    expect(input.properties.limit).toMatchObject({ type: 'integer', maximum: 10 });
    expect(input.required).toEqual(['query']);
    expect(list[0]?.outputSchema).toMatchObject({ type: 'object', properties: { hits: { type: 'array', items: { type: 'string' } } } });
    // The catalog is JSON.
    expect(JSON.parse(JSON.stringify(list))).toEqual(list);
  });

  it('exports a tool\'s own inputJsonSchema when it has one', () => {
    const own = { type: 'object', properties: { id: { type: 'string', format: 'uuid' } }, required: ['id'] };
    const d = describeTool(tool('mcp.crm.get', '1.0.0', { inputJsonSchema: own }), 'mcp:crm', 'tenant-a');
    expect(d.inputSchema).toEqual(own);
    expect(d.tenantId).toBe('tenant-a');
  });

  it('jsonSchema gives {} for a schema without a JSON Schema, and marks unrepresentable parts as any', () => {
    expect(jsonSchema(z.object({ when: z.date() }))).toMatchObject({ type: 'object' });
    expect(jsonSchema(z.custom<string>(() => true))).toMatchObject({});
  });
});
