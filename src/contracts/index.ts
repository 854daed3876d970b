/** Wire contracts: HTTP bodies and resources. Isomorphic: the Studio imports this. */
export * from './http/admin.js';
export * from './http/catalog.js';
export * from './http/common.js';
export * from './http/merge-patch-schema.js';
export * from './execution.js';
export * from './http/runs.js';
export * from './http/machines.js';
export * from './http/artifacts.js';
export * from './http/tools.js';
export * from './realtime.js';
export * from './http/knowledge-policy.js';
export * from './http/knowledge.js';
