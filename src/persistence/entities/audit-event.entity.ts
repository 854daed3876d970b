import { EntitySchema, type Ref } from '@mikro-orm/core';
import { tenantFilter } from './tenant-scope.js';
import { Tenant } from './tenant.entity.js';

/** Who did something: an API key, the CLI, or the platform itself. */
export type ActorType = 'api_key' | 'cli' | 'system';

/**
 * One entry of the governance trail: who did what to which record, at which version, with hashes
 * of the content before and after. Append-only in the database.
 */
export class AuditEvent {
  id!: string;
  tenant!: Ref<Tenant>;
  actorType!: ActorType;
  actorId?: string | null;
  action!: string;
  targetType!: string;
  targetId!: string;
  version?: number | null;
  beforeHash?: string | null;
  afterHash?: string | null;
  details?: Record<string, unknown> | null;
  requestId?: string | null;
  createdAt!: Date;
}

export const AuditEventSchema = new EntitySchema<AuditEvent>({
  class: AuditEvent,
  tableName: 'audit_event',
  filters: tenantFilter,
  indexes: [{ properties: ['tenant', 'createdAt'] }, { properties: ['tenant', 'targetType', 'targetId'] }],
  properties: {
    id: { type: 'uuid', primary: true },
    tenant: { kind: 'm:1', entity: () => Tenant, ref: true, deleteRule: 'cascade' },
    actorType: { type: 'text' },
    actorId: { type: 'text', nullable: true },
    action: { type: 'text' },
    targetType: { type: 'text' },
    targetId: { type: 'text' },
    version: { type: 'integer', nullable: true },
    beforeHash: { type: 'text', nullable: true },
    afterHash: { type: 'text', nullable: true },
    details: { type: 'json', nullable: true },
    requestId: { type: 'text', nullable: true },
    createdAt: { type: 'datetime', onCreate: () => new Date() },
  },
});
