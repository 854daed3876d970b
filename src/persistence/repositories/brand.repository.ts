import { applyMergePatch } from '../../domain/merge-patch.js';
import { BrandData, DEFAULT_OVERRIDE_POLICY, assertIdentityPreserved, overridePolicyChanged } from '../../domain/brand.js';
import { canonicalJson } from '../../domain/canonical-json.js';
import { PlatformError, notFound } from '../../domain/errors.js';
import { assertValidOverridePolicy } from '../../domain/override-policy.js';
import { roleAllows } from '../../domain/roles.js';
import { parseOrThrow } from '../../domain/validation.js';
import { nextVersion } from '../../domain/versioning.js';
import { Brand, BrandVersion } from '../entities/brand.entity.js';
import { KnowledgePolicy, Learning } from '../entities/knowledge.entity.js';
import type { Page, PageRequest } from '../pagination.js';
import type { Scope } from '../scope.js';
import { recordAudit } from './audit.repository.js';
import { getDefaultProject, getProject } from './project.repository.js';
import { VersionedStore, type Versioned } from './versioned-store.js';

/** A brand at one version. */
export type BrandRecord = Versioned<Brand, BrandData>;

/**
 * The versioned store of brands without the deleted ones: a deleted brand is unknown to reads,
 * lists, history and changes (404), like an id that never existed.
 */
class LiveBrandStore extends VersionedStore<Brand, BrandData> {
  override async find(scope: Scope, id: string): Promise<BrandRecord | null> {
    const found = await super.find(scope, id);
    return found && !found.head.deletedAt ? found : null;
  }

  override list(scope: Scope, where: Record<string, unknown>, page: PageRequest): Promise<Page<BrandRecord>> {
    return super.list(scope, { ...where, deletedAt: null }, page);
  }

  override async atVersion(scope: Scope, id: string, n: number): Promise<BrandRecord> {
    const found = await super.atVersion(scope, id, n);
    if (found.head.deletedAt) throw notFound('brand', id);
    return found;
  }
}

/** The append-only store of brands (deleted brands excluded). */
export const brandStore: VersionedStore<Brand, BrandData> = new LiveBrandStore('brand', Brand, BrandVersion, 'brand');

function assertMayChangePolicy(scope: Scope): void {
  if (!roleAllows(scope.actor.role, 'admin')) {
    throw new PlatformError('FORBIDDEN', 'changing a brand override policy needs the admin role', { requiredRole: 'admin' });
  }
}

/**
 * Creates a brand (version 1) in `projectId` or the tenant's default project, in one transaction with
 * its `brand.create` and `override_policy.create` audit events. A policy other than the default needs
 * the admin role.
 */
export async function createBrand(scope: Scope, input: { projectId?: string | undefined; data: BrandData }): Promise<BrandRecord> {
  assertValidOverridePolicy(input.data.overridePolicy);
  if (canonicalJson(input.data.overridePolicy) !== canonicalJson(DEFAULT_OVERRIDE_POLICY)) assertMayChangePolicy(scope);
  const project = input.projectId ? await getProject(scope, input.projectId) : await getDefaultProject(scope);
  return brandStore.create(scope, { project }, input.data, (record) => {
    recordAudit(scope, {
      action: 'override_policy.create', targetType: 'brand', targetId: record.head.id, version: 1,
      after: input.data.overridePolicy, details: { policy: input.data.overridePolicy },
    });
  });
}

/**
 * Applies a JSON merge patch to the brand's current version, as version `expected + 1`. Identity
 * fields already set may not change (422); a changed override policy needs admin and is audited as
 * `override_policy.update`.
 */
export async function patchBrand(scope: Scope, id: string, expected: number, patch: Record<string, unknown>): Promise<BrandRecord> {
  return brandStore.append(
    scope,
    id,
    expected,
    (current) => {
      const next = parseOrThrow(BrandData, applyMergePatch(current.version.data, patch), 'body');
      assertIdentityPreserved(current.version.data, next);
      if (overridePolicyChanged(current.version.data, next)) {
        assertMayChangePolicy(scope);
        assertValidOverridePolicy(next.overridePolicy);
      }
      return next;
    },
    (current, next) => {
      if (!overridePolicyChanged(current.version.data, next)) return;
      recordAudit(scope, {
        action: 'override_policy.update', targetType: 'brand', targetId: id, version: expected + 1,
        before: current.version.data.overridePolicy, after: next.overridePolicy,
        details: { before: current.version.data.overridePolicy, after: next.overridePolicy },
      });
    },
  );
}

/**
 * A brand at its current version, for work under it (campaigns, tasks, runs): 404 when unknown in
 * this tenant, 410 `BRAND_DELETED` when it was deleted.
 */
export async function getBrand(scope: Scope, id: string): Promise<BrandRecord> {
  const found = await brandStore.find(scope, id);
  if (found) return found;
  const head = await scope.em.findOne(Brand, { id });
  if (head?.deletedAt) {
    throw new PlatformError('BRAND_DELETED', `brand ${id} was deleted at ${head.deletedAt.toISOString()}: it takes no new campaigns, tasks or runs`, {
      kind: 'brand', id, deletedAt: head.deletedAt.toISOString(),
    });
  }
  throw notFound('brand', id);
}

/** What {@link deleteBrand} removed besides the brand itself. */
export interface BrandDeletion {
  brandId: string;
  version: number;
  deletedAt: Date;
  /** Learning records of the brand removed. */
  learnings: number;
  /** Whether the brand's own knowledge policy (override) was removed. */
  policy: boolean;
}

/**
 * Deletes a brand at version `expected` (409 when it changed, 404 when unknown or already deleted):
 * in one transaction it sets `deleted_at`, removes the brand's learning records and knowledge
 * policy override, and writes the `brand.delete` audit event. The brand's versions stay (they are
 * append-only and the history of past runs); its chunks and vectors are purged by the caller
 * (src/rag/retention/brand-deletion.ts).
 */
export async function deleteBrand(scope: Scope, id: string, expected: number): Promise<BrandDeletion> {
  const current = await brandStore.get(scope, id);
  nextVersion(current.head.currentVersion, expected, `brand ${id}`);
  const deletedAt = new Date();
  return scope.em.transactional(async (em) => {
    // Plain SQL: the head's version column must not move (it points at the current version row), and
    // MikroORM's update would bump it as the optimistic lock.
    const marked = await em.execute<Array<{ id: string }>>(
      'update brand set deleted_at = ? where id = ? and tenant_id = ? and current_version = ? and deleted_at is null returning id',
      [deletedAt, id, scope.tenantId, expected],
    );
    if (marked.length !== 1) {
      throw new PlatformError('VERSION_CONFLICT', `brand ${id} changed or was deleted meanwhile: re-read it`, { expectedVersion: expected });
    }
    const learnings = await em.nativeDelete(Learning, { tenant: scope.tenantId, brandId: id });
    const policy = await em.nativeDelete(KnowledgePolicy, { tenant: scope.tenantId, brandId: id });
    recordAudit({ ...scope, em }, {
      action: 'brand.delete', targetType: 'brand', targetId: id, version: expected, before: current.version.data,
      details: { deletedAt: deletedAt.toISOString(), learnings, policy: policy > 0 },
    });
    await em.flush();
    return { brandId: id, version: expected, deletedAt, learnings, policy: policy > 0 };
  });
}

/** The tenant's brands at their current versions, optionally within one project. */
export function listBrands(scope: Scope, filter: { projectId?: string | undefined }, page: PageRequest): Promise<Page<BrandRecord>> {
  return brandStore.list(scope, filter.projectId ? { project: filter.projectId } : {}, page);
}
