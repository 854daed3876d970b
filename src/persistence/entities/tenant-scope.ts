import type { EntitySchemaMetadata } from '@mikro-orm/core';

/** The name of the MikroORM filter that scopes every tenant-owned query. */
export const TENANT_FILTER = 'tenant';

/** The arguments of the tenant filter: `em.setFilterParams(TENANT_FILTER, { tenantId })`. */
export interface TenantFilterArgs {
  tenantId: string;
}

/**
 * The tenant filter, on by default for every tenant-owned entity: a query on an entity manager that
 * was not given a tenant throws instead of returning every tenant's rows (fail closed). System code
 * that must cross tenants (key lookup, CLI) disables it explicitly with `filters: { tenant: false }`.
 */
export const tenantFilter: NonNullable<EntitySchemaMetadata<unknown>['filters']> = {
  [TENANT_FILTER]: {
    name: TENANT_FILTER,
    default: true,
    cond: (args: TenantFilterArgs) => {
      if (typeof args?.tenantId !== 'string' || args.tenantId.length === 0) {
        throw new Error('tenant filter: no tenantId in the entity manager context');
      }
      return { tenant: args.tenantId };
    },
  },
};
