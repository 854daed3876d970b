import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { PlatformError } from '../../domain/errors.js';
import { roleAllows, type Role } from '../../domain/roles.js';
import type { Orm } from '../../persistence/orm.js';
import { findActiveApiKey } from '../../persistence/repositories/api-key.repository.js';
import { createScope } from '../../persistence/scope.js';

const BEARER = /^Bearer\s+(\S{1,200})$/i;

/** Reads the API key from `Authorization: Bearer <key>`; 401 with what to fix when absent or malformed. */
function bearerKey(request: FastifyRequest): string {
  const header = request.headers.authorization;
  if (!header) throw new PlatformError('UNAUTHENTICATED', 'missing API key: send Authorization: Bearer <key>');
  const m = BEARER.exec(header);
  if (!m?.[1]) throw new PlatformError('UNAUTHENTICATED', 'malformed Authorization header: expected "Bearer <key>"');
  return m[1];
}

/**
 * Authenticates every route of the scope it is registered in: the key's hash is looked up across
 * tenants, then the request gets a unit of work scoped to the key's tenant (the tenant filter), so a
 * route can never read another tenant's rows by mistake. A route's `config.role` sets the least
 * role it needs (403 otherwise); the default is viewer.
 */
export const authPlugin = fp(
  async (app: FastifyInstance, opts: { orm: Orm }) => {
    app.decorateRequest('auth', null);
    app.decorateRequest('scope', null as never);
    app.addHook('onRequest', async (request) => {
      const key = bearerKey(request);
      const record = await findActiveApiKey(opts.orm.em.fork(), key);
      if (!record) throw new PlatformError('UNAUTHENTICATED', 'unknown or revoked API key');
      const auth = { tenantId: record.tenant.id, keyId: record.id, role: record.role };
      request.auth = auth;
      request.scope = createScope(opts.orm, auth.tenantId, { type: 'api_key', id: auth.keyId, role: auth.role }, request.id);
      const need: Role = request.routeOptions.config.role ?? 'viewer';
      if (!roleAllows(auth.role, need)) {
        throw new PlatformError('FORBIDDEN', `this action needs the ${need} role; the key has ${auth.role}`, { requiredRole: need, role: auth.role });
      }
    });
  },
  { name: 'auth' },
);

