/** The domain core: pure, isomorphic, imports nothing else in src. */
export * from './brand.js';
export * from './campaign.js';
export * from './canonical-json.js';
export * from './context-fields.js';
export * from './context-resolver.js';
export * from './errors.js';
export * from './ids.js';
export * from './merge-patch.js';
export * from './override-policy.js';
export * from './roles.js';
export * from './task.js';
export * from './tenant.js';
export * from './values.js';
export * from './versioning.js';
export * from './validation.js';
export * from './run.js';
