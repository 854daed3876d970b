import { LockMode, UniqueConstraintViolationException } from '@mikro-orm/core';
import { PlatformError } from '../../domain/errors.js';
import { uuidv7 } from '../../domain/ids.js';
import { KnowledgePolicy } from '../entities/knowledge.entity.js';
import type { Orm } from '../orm.js';
import { tenantEm, type Scope } from '../scope.js';
import { recordAudit } from './audit.repository.js';

/** What a policy sets; null leaves the field to the level above (brand -> tenant -> platform default). */
export interface KnowledgePolicyInput {
  minQualityScore: number | null;
  retentionDays: number | null;
}

/** The tenant's policy and, when asked for, a brand's override (null where none is set). */
export interface KnowledgePolicies {
  tenant: KnowledgePolicy | null;
  brand: KnowledgePolicy | null;
}

const view = (p: KnowledgePolicy | null) => (p ? { minQualityScore: p.minQualityScore ?? null, retentionDays: p.retentionDays ?? null, version: p.version } : null);
const what = (brandId: string | null) => (brandId ? `the knowledge policy of brand ${brandId}` : "the tenant's knowledge policy");

/** Reads the tenant's policy and (with `brandId`) the brand's override. */
export async function loadKnowledgePolicies(orm: Orm, tenantId: string, brandId?: string | null): Promise<KnowledgePolicies> {
  const rows = await tenantEm(orm, tenantId).find(KnowledgePolicy, brandId ? { $or: [{ brandId: null }, { brandId }] } : { brandId: null });
  return { tenant: rows.find((r) => !r.brandId) ?? null, brand: brandId ? (rows.find((r) => r.brandId === brandId) ?? null) : null };
}

/** Every brand override of the tenant. */
export function listBrandPolicies(orm: Orm, tenantId: string): Promise<KnowledgePolicy[]> {
  return tenantEm(orm, tenantId).find(KnowledgePolicy, { brandId: { $ne: null } }, { orderBy: { brandId: 'asc' } });
}

/**
 * Sets the tenant's policy (`brandId` null) or a brand's override, audited as
 * `knowledge_policy.set`. Optimistic concurrency: `expected` is the version the caller read; it is
 * required once the policy exists (428 without it, 409 when stale) and must be absent to create one
 * (409 if given, or when another request created it meanwhile). A change that sets what is already
 * set writes nothing.
 */
export async function setKnowledgePolicy(scope: Scope, brandId: string | null, input: KnowledgePolicyInput, expected: number | undefined): Promise<{ policy: KnowledgePolicy; created: boolean }> {
  try {
    return await scope.em.transactional(async (em) => {
      const tscope: Scope = { ...scope, em };
      const current = await em.findOne(KnowledgePolicy, { tenant: scope.tenantId, brandId }, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
      checkExpected(current, expected, brandId);
      const before = view(current);
      if (current && current.minQualityScore === input.minQualityScore && current.retentionDays === input.retentionDays) return { policy: current, created: false };
      const now = new Date();
      const policy = current ?? em.create(KnowledgePolicy, { id: uuidv7(), tenant: scope.tenantId, brandId, version: 0, updatedAt: now });
      policy.minQualityScore = input.minQualityScore;
      policy.retentionDays = input.retentionDays;
      policy.version = (current?.version ?? 0) + 1;
      policy.updatedAt = now;
      const after = view(policy);
      recordAudit(tscope, {
        action: 'knowledge_policy.set', targetType: 'knowledge_policy', targetId: policy.id, version: policy.version,
        ...(before ? { before } : {}), after, details: { scope: brandId ? 'brand' : 'tenant', brandId, before, after },
      });
      await em.flush();
      return { policy, created: current === null };
    });
  } catch (err) {
    if (err instanceof UniqueConstraintViolationException) {
      throw new PlatformError('VERSION_CONFLICT', `${what(brandId)} was created meanwhile: re-read it and send If-Match with its version`, { expectedVersion: expected ?? null });
    }
    throw err;
  }
}

/** Removes a brand's override (the tenant policy applies again), audited as `knowledge_policy.delete`; 404 when there is none. */
export async function deleteBrandKnowledgePolicy(scope: Scope, brandId: string, expected: number | undefined): Promise<void> {
  await scope.em.transactional(async (em) => {
    const current = await em.findOne(KnowledgePolicy, { tenant: scope.tenantId, brandId }, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
    if (!current) throw new PlatformError('NOT_FOUND', `brand ${brandId} has no knowledge policy of its own (the tenant's applies)`, { kind: 'knowledge_policy', brandId });
    checkExpected(current, expected, brandId);
    recordAudit({ ...scope, em }, {
      action: 'knowledge_policy.delete', targetType: 'knowledge_policy', targetId: current.id, version: current.version,
      before: view(current), details: { scope: 'brand', brandId, before: view(current) },
    });
    em.remove(current);
    await em.flush();
  });
}

function checkExpected(current: KnowledgePolicy | null, expected: number | undefined, brandId: string | null): void {
  if (current && expected === undefined) {
    throw new PlatformError('PRECONDITION_REQUIRED', `${what(brandId)} exists (version ${current.version}): send If-Match: "${current.version}" with the version you read`);
  }
  if (!current && expected !== undefined) {
    throw new PlatformError('VERSION_CONFLICT', `${what(brandId)} is not set yet: send the first one without If-Match`, { currentVersion: 0, expectedVersion: expected });
  }
  if (current && expected !== undefined && current.version !== expected) {
    throw new PlatformError('VERSION_CONFLICT', `${what(brandId)} is at version ${current.version}, not ${expected}: re-read it and apply your change again`, {
      currentVersion: current.version, expectedVersion: expected,
    });
  }
}
