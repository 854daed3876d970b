// @ts-check
/**
 * ESLint rule `vmp/layer-boundaries`: the dependency rule of ARCHITECTURE.md section 3, checked on
 * every relative import inside src/. Imports point inward:
 *   main -> {api, queue, realtime} -> actors -> machines -> contracts -> domain
 *   tools -> {providers, rag, storage} -> persistence -> domain; observability and config are leaves.
 * A folder of src/ that is not in LAYERS is itself an error, so a new folder must take a place here.
 * The web Studio (studio/) may import nothing of the platform but src/contracts (relative or through
 * its `@contracts` alias).
 */
import path from 'node:path';

/** For each top-level folder of src/, the other folders it may import. */
export const LAYERS = {
  domain: [],
  config: [],
  observability: [],
  contracts: ['domain'],
  machines: ['contracts', 'domain'],
  planner: ['contracts', 'domain'],
  persistence: ['domain', 'contracts', 'observability'],
  storage: ['persistence', 'domain', 'contracts', 'observability'],
  providers: ['persistence', 'domain', 'contracts', 'observability'],
  rag: ['providers', 'storage', 'persistence', 'domain', 'contracts', 'observability'],
  tools: ['providers', 'rag', 'storage', 'persistence', 'domain', 'contracts', 'observability'],
  actors: ['machines', 'planner', 'tools', 'persistence', 'domain', 'contracts', 'observability'],
  queue: ['actors', 'tools', 'persistence', 'domain', 'contracts', 'observability'],
  realtime: ['actors', 'persistence', 'domain', 'contracts', 'observability'],
  api: ['actors', 'queue', 'realtime', 'tools', 'rag', 'storage', 'persistence', 'planner', 'machines', 'domain', 'contracts', 'observability'],
  main: ['*'],
};

/** Folders that must stay pure and isomorphic: no Node built-ins. */
const PURE = new Set(['domain', 'contracts', 'machines', 'planner']);

/**
 * The Studio's rule: a relative import that leaves studio/ must land in src/contracts.
 * @param {import('eslint').Rule.RuleContext} context @param {string} file
 * @returns {import('eslint').Rule.RuleListener}
 */
function studioImports(context, file) {
  const root = path.resolve(context.cwd);
  const studioDir = path.join(root, 'studio');
  const contractsDir = path.join(root, 'src', 'contracts');
  /** @param {import('estree').Node} node @param {unknown} source */
  const check = (node, source) => {
    if (typeof source !== 'string' || !source.startsWith('.')) return;
    const target = path.resolve(path.dirname(file), source);
    const inside = (/** @type {string} */ dir) => target === dir || target.startsWith(dir + path.sep);
    if (inside(studioDir) || inside(contractsDir)) return;
    context.report({ node, messageId: 'studio', data: { target: path.relative(root, target) } });
  };
  return {
    ImportDeclaration: (node) => check(node, node.source.value),
    ExportAllDeclaration: (node) => check(node, node.source.value),
    ExportNamedDeclaration: (node) => node.source && check(node, node.source.value),
    ImportExpression: (node) => node.source.type === 'Literal' && check(node, node.source.value),
  };
}

/** @type {import('eslint').Rule.RuleModule} */
export const layerBoundaries = {
  meta: {
    type: 'problem',
    docs: { description: 'Enforce the import direction between the folders of src/ (ARCHITECTURE.md section 3)' },
    schema: [],
    messages: {
      forbidden: 'src/{{from}} may not import src/{{to}}: imports point inward (ARCHITECTURE.md section 3; allowed: {{allowed}}).',
      unknownLayer: 'src/{{from}} is not a known layer: add it to LAYERS in tools/eslint/layer-boundaries.js with the folders it may import.',
      nodeBuiltin: 'src/{{from}} must stay pure and isomorphic: it may not import {{source}}.',
      studio: 'studio/ may import only src/contracts of the platform (use @contracts/…), not {{target}}.',
    },
  },
  create(context) {
    const srcDir = path.resolve(context.cwd, 'src');
    const file = context.filename;
    const studioRel = path.relative(path.resolve(context.cwd, 'studio'), file);
    if (!studioRel.startsWith('..') && !path.isAbsolute(studioRel)) return studioImports(context, file);
    const rel = path.relative(srcDir, file);
    if (rel.startsWith('..') || path.isAbsolute(rel)) return {};
    const from = rel.split(path.sep)[0] ?? '';
    if (!rel.includes(path.sep)) return {};
    /** @type {string[] | undefined} */
    const allowed = /** @type {Record<string, string[]>} */ (LAYERS)[from];
    /** @param {import('estree').Node} node @param {unknown} source */
    const check = (node, source) => {
      if (typeof source !== 'string') return;
      if (!allowed) {
        context.report({ node, messageId: 'unknownLayer', data: { from } });
        return;
      }
      if (PURE.has(from) && (source.startsWith('node:') || ['fs', 'path', 'crypto', 'os', 'child_process'].includes(source))) {
        context.report({ node, messageId: 'nodeBuiltin', data: { from, source } });
        return;
      }
      if (!source.startsWith('.') || allowed.includes('*')) return;
      const targetRel = path.relative(srcDir, path.resolve(path.dirname(file), source));
      if (targetRel.startsWith('..')) return;
      const to = targetRel.split(path.sep)[0] ?? '';
      if (to !== from && !allowed.includes(to)) {
        context.report({ node, messageId: 'forbidden', data: { from, to, allowed: allowed.join(', ') || 'nothing else in src' } });
      }
    };
    return {
      ImportDeclaration: (node) => check(node, node.source.value),
      ExportAllDeclaration: (node) => check(node, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(node, node.source.value),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node, node.source.value),
    };
  },
};
