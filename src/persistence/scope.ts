import type { ActorType } from './entities/audit-event.entity.js';
import { TENANT_FILTER, type TenantFilterArgs } from './entities/tenant-scope.js';
import type { Em, Orm } from './orm.js';
import type { Role } from '../domain/roles.js';

/** Who is acting: recorded on every version row and audit event. */
export interface Actor {
  type: ActorType;
  /** The API key id, or null for the CLI and the platform itself. */
  id: string | null;
  /** The role the actor acts with; the CLI and the platform act as admin. */
  role: Role;
}

/**
 * Everything a tenant-scoped operation needs: an entity manager whose tenant filter is set, the
 * tenant, the actor and the request id (for the audit trail).
 */
export interface Scope {
  em: Em;
  tenantId: string;
  actor: Actor;
  requestId?: string;
}

/** A fresh entity manager (own identity map) scoped to one tenant by the tenant filter. */
export function tenantEm(orm: Orm, tenantId: string): Em {
  const em = orm.em.fork();
  em.setFilterParams(TENANT_FILTER, { tenantId } satisfies TenantFilterArgs);
  return em;
}

/** Builds a {@link Scope} on a fresh tenant-scoped entity manager. */
export function createScope(orm: Orm, tenantId: string, actor: Actor, requestId?: string): Scope {
  return { em: tenantEm(orm, tenantId), tenantId, actor, ...(requestId ? { requestId } : {}) };
}

/** The label stored in `created_by` columns: `key:<id>`, `cli` or `system`. */
export function actorLabel(actor: Actor): string {
  return actor.type === 'api_key' ? `key:${actor.id}` : actor.type;
}
