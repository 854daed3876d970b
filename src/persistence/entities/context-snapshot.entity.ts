import { EntitySchema, type Ref } from '@mikro-orm/core';
import type { ContextConflict, FieldProvenance, ResolvedContext } from '../../domain/context-resolver.js';
import { Task } from './task.entity.js';
import { tenantFilter } from './tenant-scope.js';
import { Tenant } from './tenant.entity.js';

/**
 * An immutable resolved context, deduplicated per tenant by its content hash. Runs reference one,
 * so a run can be reproduced from exactly the context it was planned with. Append-only in the
 * database.
 */
export class ContextSnapshot {
  id!: string;
  tenant!: Ref<Tenant>;
  task!: Ref<Task>;
  hash!: string;
  refs!: ResolvedContext['refs'];
  context!: Record<string, unknown>;
  provenance!: Record<string, FieldProvenance>;
  conflicts!: ContextConflict[];
  versions!: ResolvedContext['versions'];
  createdAt!: Date;
}

export const ContextSnapshotSchema = new EntitySchema<ContextSnapshot>({
  class: ContextSnapshot,
  indexes: [{ properties: ['task'] }],
  tableName: 'context_snapshot',
  filters: tenantFilter,
  uniques: [{ properties: ['tenant', 'hash'] }],
  properties: {
    id: { type: 'uuid', primary: true },
    tenant: { kind: 'm:1', entity: () => Tenant, ref: true, deleteRule: 'cascade' },
    task: { kind: 'm:1', entity: () => Task, ref: true },
    hash: { type: 'text' },
    refs: { type: 'json' },
    context: { type: 'json' },
    provenance: { type: 'json' },
    conflicts: { type: 'json' },
    versions: { type: 'json' },
    createdAt: { type: 'datetime', onCreate: () => new Date() },
  },
});
