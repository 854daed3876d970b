import { EntitySchema, type Ref } from '@mikro-orm/core';
import { tenantFilter } from './tenant-scope.js';
import { Tenant } from './tenant.entity.js';

/** Allow or deny. */
export type PermissionEffect = 'allow' | 'deny';

/**
 * Constraints on one argument of a permitted call: the value must be one of `oneOf`, match
 * `pattern`, be at most `maxLength` long, or lie within `min`..`max`.
 */
export interface ArgumentConstraint {
  oneOf?: Array<string | number | boolean>;
  pattern?: string;
  maxLength?: number;
  min?: number;
  max?: number;
}

/**
 * A rule saying whether a tool may be called, for a tenant, optionally narrowed to one project and
 * one agent. `tool` is a tool name or a prefix pattern ending in `*` (`web.*`, `*`). A deny that
 * matches wins over any allow; an allow may constrain the call's arguments.
 */
export class ToolPermission {
  id!: string;
  tenant!: Ref<Tenant>;
  projectId?: string | null;
  agent?: string | null;
  tool!: string;
  effect!: PermissionEffect;
  constraints?: Record<string, ArgumentConstraint> | null;
  description?: string | null;
  createdAt!: Date;
  updatedAt!: Date;
}

export const ToolPermissionSchema = new EntitySchema<ToolPermission>({
  class: ToolPermission,
  tableName: 'tool_permission',
  filters: tenantFilter,
  indexes: [{ properties: ['tenant', 'tool'] }],
  properties: {
    id: { type: 'uuid', primary: true },
    tenant: { kind: 'm:1', entity: () => Tenant, ref: true, deleteRule: 'cascade' },
    projectId: { type: 'uuid', nullable: true },
    agent: { type: 'text', nullable: true },
    tool: { type: 'text' },
    effect: { type: 'text' },
    constraints: { type: 'json', nullable: true },
    description: { type: 'text', nullable: true },
    createdAt: { type: 'datetime', onCreate: () => new Date() },
    updatedAt: { type: 'datetime', onCreate: () => new Date(), onUpdate: () => new Date() },
  },
});

/** What a call over the limit does: wait for the window (up to `maxWaitMs`) or fail at once. */
export type OnLimit = 'wait' | 'fail';

/**
 * A tenant's rate limit for a tool and action (`*` = every action of the tool): at most `limit`
 * calls per `windowMs`.
 */
export class ToolRateLimit {
  id!: string;
  tenant!: Ref<Tenant>;
  tool!: string;
  action!: string;
  limit!: number;
  windowMs!: number;
  onLimit!: OnLimit;
  maxWaitMs!: number;
  createdAt!: Date;
  updatedAt!: Date;
}

export const ToolRateLimitSchema = new EntitySchema<ToolRateLimit>({
  class: ToolRateLimit,
  tableName: 'tool_rate_limit',
  filters: tenantFilter,
  uniques: [{ properties: ['tenant', 'tool', 'action'] }],
  properties: {
    id: { type: 'uuid', primary: true },
    tenant: { kind: 'm:1', entity: () => Tenant, ref: true, deleteRule: 'cascade' },
    tool: { type: 'text' },
    action: { type: 'text' },
    limit: { type: 'integer' },
    windowMs: { type: 'integer' },
    onLimit: { type: 'text' },
    maxWaitMs: { type: 'integer' },
    createdAt: { type: 'datetime', onCreate: () => new Date() },
    updatedAt: { type: 'datetime', onCreate: () => new Date(), onUpdate: () => new Date() },
  },
});

/** Where a credential's secret lives: an environment variable or a file of the platform's host. */
export type CredentialProvider = 'env' | 'file';

/**
 * A named reference to a secret (never the secret): resolved when a tool asks for it, at call time.
 */
export class ToolCredentialRef {
  id!: string;
  tenant!: Ref<Tenant>;
  name!: string;
  provider!: CredentialProvider;
  /** The environment variable's name, or the file's path. */
  ref!: string;
  description?: string | null;
  createdAt!: Date;
  updatedAt!: Date;
}

export const ToolCredentialRefSchema = new EntitySchema<ToolCredentialRef>({
  class: ToolCredentialRef,
  tableName: 'tool_credential_ref',
  filters: tenantFilter,
  uniques: [{ properties: ['tenant', 'name'] }],
  properties: {
    id: { type: 'uuid', primary: true },
    tenant: { kind: 'm:1', entity: () => Tenant, ref: true, deleteRule: 'cascade' },
    name: { type: 'text' },
    provider: { type: 'text' },
    ref: { type: 'text' },
    description: { type: 'text', nullable: true },
    createdAt: { type: 'datetime', onCreate: () => new Date() },
    updatedAt: { type: 'datetime', onCreate: () => new Date(), onUpdate: () => new Date() },
  },
});
