import { applyMergePatch } from '../../domain/merge-patch.js';
import { BrandData, DEFAULT_OVERRIDE_POLICY, assertIdentityPreserved, overridePolicyChanged } from '../../domain/brand.js';
import { canonicalJson } from '../../domain/canonical-json.js';
import { PlatformError } from '../../domain/errors.js';
import { assertValidOverridePolicy } from '../../domain/override-policy.js';
import { roleAllows } from '../../domain/roles.js';
import { parseOrThrow } from '../../domain/validation.js';
import { Brand, BrandVersion } from '../entities/brand.entity.js';
import type { Page, PageRequest } from '../pagination.js';
import type { Scope } from '../scope.js';
import { recordAudit } from './audit.repository.js';
import { getDefaultProject, getProject } from './project.repository.js';
import { VersionedStore, type Versioned } from './versioned-store.js';

/** A brand at one version. */
export type BrandRecord = Versioned<Brand, BrandData>;

/** The append-only store of brands. */
export const brandStore = new VersionedStore<Brand, BrandData>('brand', Brand, BrandVersion, 'brand');

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

/** A brand at its current version; 404 when unknown in this tenant. */
export function getBrand(scope: Scope, id: string): Promise<BrandRecord> {
  return brandStore.get(scope, id);
}

/** The tenant's brands at their current versions, optionally within one project. */
export function listBrands(scope: Scope, filter: { projectId?: string | undefined }, page: PageRequest): Promise<Page<BrandRecord>> {
  return brandStore.list(scope, filter.projectId ? { project: filter.projectId } : {}, page);
}
