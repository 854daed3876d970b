import type { Role } from '../domain/roles.js';
import type { Orm } from '../persistence/orm.js';
import type { Scope } from '../persistence/scope.js';
import type { Logger } from '../observability/logger.js';

/** What the API needs from the composition root. */
export interface ApiDeps {
  orm: Orm;
  logger: Logger;
  /** The platform version, shown in OpenAPI and /healthz. */
  version: string;
}

/** The authenticated caller of a request. */
export interface AuthContext {
  tenantId: string;
  keyId: string;
  role: Role;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the auth plugin on /v2 routes; null before authentication. */
    auth: AuthContext | null;
    /** The tenant-scoped unit of work of this request (set with `auth`). */
    scope: Scope;
  }
  interface FastifyContextConfig {
    /** The least role a key needs for this route (default: viewer). */
    role?: Role;
  }
}
