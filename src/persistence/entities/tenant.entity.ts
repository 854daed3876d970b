import { EntitySchema, type Ref } from '@mikro-orm/core';
import { tenantFilter } from './tenant-scope.js';

/** A customer account. Every other row belongs to exactly one tenant. */
export class Tenant {
  id!: string;
  name!: string;
  createdAt!: Date;
}

export const TenantSchema = new EntitySchema<Tenant>({
  class: Tenant,
  tableName: 'tenant',
  properties: {
    id: { type: 'uuid', primary: true },
    name: { type: 'text', unique: true },
    createdAt: { type: 'datetime', onCreate: () => new Date() },
  },
});

/** A project inside a tenant; brands belong to one project. */
export class Project {
  id!: string;
  tenant!: Ref<Tenant>;
  name!: string;
  description?: string | null;
  createdAt!: Date;
}

export const ProjectSchema = new EntitySchema<Project>({
  class: Project,
  tableName: 'project',
  filters: tenantFilter,
  uniques: [{ properties: ['tenant', 'name'] }],
  properties: {
    id: { type: 'uuid', primary: true },
    tenant: { kind: 'm:1', entity: () => Tenant, ref: true, deleteRule: 'cascade' },
    name: { type: 'text' },
    description: { type: 'text', nullable: true },
    createdAt: { type: 'datetime', onCreate: () => new Date() },
  },
});
