import { EntitySchema, type Ref } from '@mikro-orm/core';
import type { Role } from '../../domain/roles.js';
import { tenantFilter } from './tenant-scope.js';
import { Tenant } from './tenant.entity.js';

/**
 * An API key. Only the SHA-256 of the secret is stored; the key itself is shown once at creation.
 * `prefix` (the non-secret start of the key) lets people recognise a key in lists and logs.
 */
export class ApiKey {
  id!: string;
  tenant!: Ref<Tenant>;
  name!: string;
  role!: Role;
  prefix!: string;
  keyHash!: string;
  createdBy?: string | null;
  createdAt!: Date;
  revokedAt?: Date | null;
}

export const ApiKeySchema = new EntitySchema<ApiKey>({
  class: ApiKey,
  indexes: [{ properties: ['tenant', 'id'] }],
  tableName: 'api_key',
  filters: tenantFilter,
  properties: {
    id: { type: 'uuid', primary: true },
    tenant: { kind: 'm:1', entity: () => Tenant, ref: true, deleteRule: 'cascade' },
    name: { type: 'text' },
    role: { type: 'text' },
    prefix: { type: 'text' },
    keyHash: { type: 'text', unique: true },
    createdBy: { type: 'text', nullable: true },
    createdAt: { type: 'datetime', onCreate: () => new Date() },
    revokedAt: { type: 'datetime', nullable: true },
  },
});
