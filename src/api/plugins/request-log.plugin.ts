import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/**
 * One JSON log line per request, when the answer is sent: request id, tenant, method, route
 * pattern, status and duration. (Fastify's own per-request lines are turned off in app.ts.)
 */
export const requestLogPlugin = fp(
  async (app: FastifyInstance) => {
    app.addHook('onSend', async (request, reply) => {
      reply.header('x-request-id', request.id);
    });
    app.addHook('onResponse', async (request, reply) => {
      request.log.info(
        {
          tenantId: request.auth?.tenantId ?? null,
          keyId: request.auth?.keyId ?? null,
          method: request.method,
          route: request.routeOptions.url ?? null,
          url: request.url,
          status: reply.statusCode,
          durationMs: Math.round(reply.elapsedTime * 100) / 100,
        },
        'request',
      );
    });
  },
  { name: 'request-log' },
);
