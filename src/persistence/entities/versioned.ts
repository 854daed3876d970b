import type { Ref } from '@mikro-orm/core';
import { Tenant } from './tenant.entity.js';

/**
 * The two-table shape of every versioned record (brand, campaign, task):
 * - a head row: identity, parent links, and `currentVersion` (MikroORM's optimistic-lock column:
 *   an update only succeeds when the row is still at the version that was read);
 * - version rows: the full content of each version, append-only (a database trigger refuses UPDATE
 *   and DELETE), unique per (head, version).
 */
export abstract class VersionedHead {
  id!: string;
  tenant!: Ref<Tenant>;
  currentVersion!: number;
  createdAt!: Date;
  updatedAt!: Date;
}

/** One immutable version of a record. `hash` is the content hash of `data`. */
export abstract class VersionRow<TData> {
  id!: string;
  tenant!: Ref<Tenant>;
  version!: number;
  data!: TData;
  hash!: string;
  createdBy!: string;
  createdAt!: Date;
}

/** The column definitions shared by every head table. */
export function headProperties() {
  return {
    id: { type: 'uuid', primary: true },
    tenant: { kind: 'm:1', entity: () => Tenant, ref: true, deleteRule: 'cascade' },
    currentVersion: { type: 'integer', version: true },
    createdAt: { type: 'datetime', onCreate: () => new Date() },
    updatedAt: { type: 'datetime', onCreate: () => new Date(), onUpdate: () => new Date() },
  } as const;
}

/** The column definitions shared by every version table. */
export function versionProperties() {
  return {
    id: { type: 'uuid', primary: true },
    tenant: { kind: 'm:1', entity: () => Tenant, ref: true, deleteRule: 'cascade' },
    version: { type: 'integer' },
    data: { type: 'json' },
    hash: { type: 'text' },
    createdBy: { type: 'text' },
    createdAt: { type: 'datetime', onCreate: () => new Date() },
  } as const;
}
