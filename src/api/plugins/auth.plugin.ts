import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { PlatformError } from '../../domain/errors.js';
import { roleAllows, type Role } from '../../domain/roles.js';
import type { Orm } from '../../persistence/orm.js';
import { apiKeyFromAuthorization, authenticateApiKey } from '../../persistence/repositories/api-key.repository.js';
import { createScope } from '../../persistence/scope.js';

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
      const auth = await authenticateApiKey(opts.orm.em.fork(), apiKeyFromAuthorization(request.headers.authorization));
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

