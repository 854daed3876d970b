import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { usePlatform } from '../../helpers/test-engine.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
// Inside the repository (test-output/ is git-ignored) so the plugins resolve `zod` from node_modules.
mkdirSync(join(ROOT, 'test-output'), { recursive: true });
const dir = mkdtempSync(join(ROOT, 'test-output', 'plugins-status-'));
cpSync(join(ROOT, 'test/fixtures/plugins/example-plugin.ts'), join(dir, 'example-plugin.ts'));
writeFileSync(join(dir, 'no-version.ts'), `import { z } from 'zod';
export default { name: 'no-version', tools: [{ name: 'nv.tool', version: '1.0.0', description: 'x', input: z.object({}), output: z.object({}), sideEffect: 'read', execute: async () => ({ output: {} }) }] };
`);
writeFileSync(join(dir, 'throws.ts'), `throw new Error('boom at import');\n`);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('plugins at start-up (PLUGINS_DIR)', () => {
  const p = usePlatform({ adapter: 'in-process', tools: { pluginsDir: dir } });

  it('loads the valid plugin, reports each broken one with its reason, and the platform serves on', async () => {
    const { key } = await p.current.tenant();
    const res = await p.current.call(key, { method: 'GET', url: '/v2/tools/plugins' });
    expect(res.statusCode).toBe(200);
    const items = (res.json() as { items: Array<{ name: string; status: string; tools: string[]; error: string | null }> }).items;
    const byStatus = (s: string) => items.filter((i) => i.status === s);
    expect(byStatus('loaded').map((i) => i.tools).flat()).toContain('text.word_count@1.0.0');
    const failed = byStatus('failed');
    expect(failed).toHaveLength(2);
    expect(failed.find((f) => f.name === 'no-version')?.error).toMatch(/version/);
    expect(failed.find((f) => /throws/.test(f.name))?.error).toMatch(/boom at import/);

    const tools = await p.current.call(key, { method: 'GET', url: '/v2/tools?name=text.word_count' });
    expect((tools.json() as { items: unknown[] }).items).toHaveLength(1);
    expect(p.current.logLines.some((l) => l.level === 40 && /plugin/i.test(String(l.msg)))).toBe(true);
    const metrics = await p.current.app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toContain('vmp_tool_circuit_state');
  });
});
