import type { ApiKey } from '../persistence/entities/api-key.entity.js';
import type { AuditEvent } from '../persistence/entities/audit-event.entity.js';
import type { ContextSnapshot } from '../persistence/entities/context-snapshot.entity.js';
import type { Project } from '../persistence/entities/tenant.entity.js';
import type { VersionedHead } from '../persistence/entities/versioned.js';
import type { BrandRecord } from '../persistence/repositories/brand.repository.js';
import type { CampaignRecord } from '../persistence/repositories/campaign.repository.js';
import type { TaskRecord } from '../persistence/repositories/task.repository.js';
import type { Versioned, VersionSummary } from '../persistence/repositories/versioned-store.js';

/** Maps stored records onto the wire resources of src/contracts. */

function meta<D>(r: Versioned<VersionedHead, D>) {
  return {
    id: r.head.id,
    version: r.version.version,
    hash: r.version.hash,
    createdAt: r.head.createdAt.toISOString(),
    updatedAt: r.head.updatedAt.toISOString(),
    versionCreatedBy: r.version.createdBy,
    versionCreatedAt: r.version.createdAt.toISOString(),
  };
}

export const presentBrand = (r: BrandRecord) => ({ ...meta(r), projectId: r.head.project.id, ...r.version.data });
export const presentCampaign = (r: CampaignRecord) => ({ ...meta(r), brandId: r.head.brand.id, ...r.version.data });
export const presentTask = (r: TaskRecord) => ({ ...meta(r), campaignId: r.head.campaign.id, brandId: r.head.brand.id, ...r.version.data });

export const presentVersionSummary = (v: VersionSummary) => ({
  version: v.version, hash: v.hash, createdBy: v.createdBy, createdAt: v.createdAt.toISOString(),
});

export const presentProject = (p: Project) => ({
  id: p.id, name: p.name, description: p.description ?? null, createdAt: p.createdAt.toISOString(),
});

export const presentApiKey = (k: ApiKey) => ({
  id: k.id, name: k.name, role: k.role, prefix: k.prefix, createdAt: k.createdAt.toISOString(),
  createdBy: k.createdBy ?? null, revokedAt: k.revokedAt ? k.revokedAt.toISOString() : null,
});

export const presentAuditEvent = (e: AuditEvent) => ({
  id: e.id, action: e.action, actorType: e.actorType, actorId: e.actorId ?? null, targetType: e.targetType,
  targetId: e.targetId, version: e.version ?? null, beforeHash: e.beforeHash ?? null, afterHash: e.afterHash ?? null,
  details: e.details ?? null, requestId: e.requestId ?? null, createdAt: e.createdAt.toISOString(),
});

export const presentSnapshot = (s: ContextSnapshot) => ({
  id: s.id, taskId: s.task.id, hash: s.hash, refs: s.refs, versions: s.versions, context: s.context,
  provenance: s.provenance, conflicts: s.conflicts, createdAt: s.createdAt.toISOString(),
});

/** Maps the items of a page, keeping its cursor. */
export function presentPage<T, R>(page: { items: T[]; nextCursor: string | null }, fn: (item: T) => R) {
  return { items: page.items.map(fn), nextCursor: page.nextCursor };
}
