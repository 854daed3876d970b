import type { RunService } from '../actors/run-service.js';
import type { Role } from '../domain/roles.js';
import type { PlatformMetrics } from '../observability/metrics.js';
import type { TemplateRegistry } from '../planner/template-registry.js';
import type { Orm } from '../persistence/orm.js';
import type { Scope } from '../persistence/scope.js';
import type { Logger } from '../observability/logger.js';

/** What the API needs from the composition root. */
export interface ApiDeps {
  orm: Orm;
  logger: Logger;
  /** The platform version, shown in OpenAPI and /healthz. */
  version: string;
  /** The run engine's commands and templates; without it the run routes are not served. */
  runs?: { service: RunService; templates: TemplateRegistry };
  /** Served at GET /metrics (Prometheus text format) when present. */
  metrics?: { registry: PlatformMetrics['registry']; beforeScrape?: () => Promise<void> };
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
