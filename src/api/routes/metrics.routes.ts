import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';

/**
 * GET /metrics in the Prometheus text format: runs by status, stage durations, transitions,
 * queue depth, outbox lag, commit batch sizes, process metrics. Unauthenticated, like /healthz:
 * expose the port to the scraper only.
 */
export async function metricsRoutes(app: FastifyInstance, opts: { registry: Registry; beforeScrape?: () => Promise<void> }): Promise<void> {
  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    await opts.beforeScrape?.();
    return reply.type(opts.registry.contentType).send(await opts.registry.metrics());
  });
}
