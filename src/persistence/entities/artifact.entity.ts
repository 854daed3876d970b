import { EntitySchema, type Ref } from '@mikro-orm/core';
import { tenantFilter } from './tenant-scope.js';
import { Tenant } from './tenant.entity.js';

/**
 * A deliverable of a task (one per slot, e.g. `social_post/linkedin`): each approved run that
 * consolidates it adds a version. The content of every version is in the artifact store.
 */
export class Artifact {
  id!: string;
  tenant!: Ref<Tenant>;
  projectId!: string;
  brandId!: string;
  campaignId!: string;
  taskId!: string;
  slot!: string;
  kind!: string;
  channel?: string | null;
  latestVersion!: number;
  createdAt!: Date;
  updatedAt!: Date;
}

export const ArtifactSchema = new EntitySchema<Artifact>({
  class: Artifact,
  tableName: 'artifact',
  filters: tenantFilter,
  uniques: [{ properties: ['tenant', 'taskId', 'slot'] }],
  properties: {
    id: { type: 'uuid', primary: true },
    tenant: { kind: 'm:1', entity: () => Tenant, ref: true, deleteRule: 'cascade' },
    projectId: { type: 'uuid' },
    brandId: { type: 'uuid' },
    campaignId: { type: 'uuid' },
    taskId: { type: 'uuid' },
    slot: { type: 'text' },
    kind: { type: 'text' },
    channel: { type: 'text', nullable: true },
    latestVersion: { type: 'integer' },
    createdAt: { type: 'datetime', onCreate: () => new Date() },
    updatedAt: { type: 'datetime', onCreate: () => new Date(), onUpdate: () => new Date() },
  },
});

/** Where a version came from. */
export interface ArtifactLineage {
  runId: string;
  stageId: string;
  contextSnapshotId: string;
  contextHash: string;
  template: { id: string; version: number };
  providers: Array<{ provider: string; model: string }>;
  tools: string[];
  offline: boolean;
  sources: Array<{ stageId: string; key: string }>;
}

/**
 * One immutable version of an artifact: the content's key in the store, its hash and its lineage.
 * `sourceKey` (the consolidating attempt and slot) makes a repeated consolidation write nothing new.
 * Append-only.
 */
export class ArtifactVersion {
  id!: string;
  tenant!: Ref<Tenant>;
  artifact!: Ref<Artifact>;
  version!: number;
  runId!: string;
  sourceKey!: string;
  storageKey!: string;
  sha256!: string;
  size!: number;
  contentType!: string;
  lineage!: ArtifactLineage;
  createdAt!: Date;
}

export const ArtifactVersionSchema = new EntitySchema<ArtifactVersion>({
  class: ArtifactVersion,
  tableName: 'artifact_version',
  filters: tenantFilter,
  uniques: [{ properties: ['artifact', 'version'] }, { properties: ['tenant', 'sourceKey'] }],
  indexes: [{ properties: ['runId'] }],
  properties: {
    id: { type: 'uuid', primary: true },
    tenant: { kind: 'm:1', entity: () => Tenant, ref: true, deleteRule: 'cascade' },
    artifact: { kind: 'm:1', entity: () => Artifact, ref: true, deleteRule: 'cascade' },
    version: { type: 'integer' },
    runId: { type: 'uuid' },
    sourceKey: { type: 'text' },
    storageKey: { type: 'text' },
    sha256: { type: 'text' },
    size: { type: 'integer' },
    contentType: { type: 'text' },
    lineage: { type: 'json' },
    createdAt: { type: 'datetime', onCreate: () => new Date() },
  },
});
