import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { PlatformError } from '../../domain/errors.js';
import { uuidv7 } from '../../domain/ids.js';
import { DEFAULT_PROJECT_NAME, TenantName } from '../../domain/tenant.js';
import { Project, Tenant } from '../entities/tenant.entity.js';
import type { Em } from '../orm.js';
import type { Actor } from '../scope.js';
import { recordAudit } from './audit.repository.js';

/** Options that turn the tenant filter off: only for platform-level code that must cross tenants. */
export const ACROSS_TENANTS = { filters: { tenant: false } } as const;

/**
 * Creates a tenant with its default project, audited as `tenant.create`. The name is validated here
 * too (the CLI calls this directly). Refuses a taken name with 409.
 */
export async function createTenant(em: Em, name: string, actor: Actor): Promise<{ tenant: Tenant; project: Project }> {
  const parsed = TenantName.safeParse(name);
  if (!parsed.success) {
    throw new PlatformError('VALIDATION_FAILED', `tenant name ${JSON.stringify(name)}: ${parsed.error.issues[0]?.message}`);
  }
  try {
    return await em.transactional(async (tem) => {
      const tenant = tem.create(Tenant, { id: uuidv7(), name: parsed.data, createdAt: new Date() });
      const project = tem.create(Project, { id: uuidv7(), tenant, name: DEFAULT_PROJECT_NAME, createdAt: new Date() });
      recordAudit({ em: tem, tenantId: tenant.id, actor }, { action: 'tenant.create', targetType: 'tenant', targetId: tenant.id, after: { name: tenant.name } });
      return { tenant, project };
    });
  } catch (err) {
    if (err instanceof UniqueConstraintViolationException) {
      throw new PlatformError('ALREADY_EXISTS', `a tenant named ${parsed.data} already exists`, { name: parsed.data });
    }
    throw err;
  }
}

/** A tenant by id or by name (CLI convenience), or null. */
export async function findTenant(em: Em, idOrName: string): Promise<Tenant | null> {
  const byId = /^[0-9a-f-]{36}$/i.test(idOrName);
  return em.findOne(Tenant, byId ? { id: idOrName } : { name: idOrName });
}

/** Every tenant, oldest first. */
export async function listTenants(em: Em): Promise<Tenant[]> {
  return em.find(Tenant, {}, { orderBy: { id: 'asc' } });
}

/** How many tenants exist. */
export async function countTenants(em: Em): Promise<number> {
  return em.count(Tenant, {});
}
