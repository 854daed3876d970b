import type { FastifyInstance } from 'fastify';
import type { Orm } from '../../persistence/orm.js';

/** Liveness and readiness probes (no authentication). */
export async function healthRoutes(app: FastifyInstance, opts: { orm: Orm; version: string }): Promise<void> {
  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok', version: opts.version }));
  app.get('/readyz', { schema: { hide: true } }, async (request, reply) => {
    try {
      await opts.orm.em.fork().getConnection().execute('select 1', [], 'get');
      return { status: 'ready', database: 'ok' };
    } catch (err) {
      request.log.warn({ err }, 'readiness check: database unreachable');
      return reply.code(503).send({ error: { code: 'SERVICE_UNAVAILABLE', message: 'database is not reachable', requestId: request.id } });
    }
  });
}
