import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { uuidv7 } from '../domain/ids.js';
import { authPlugin } from './plugins/auth.plugin.js';
import { errorHandlerPlugin } from './plugins/error-handler.plugin.js';
import { requestLogPlugin } from './plugins/request-log.plugin.js';
import { healthRoutes } from './routes/health.routes.js';
import { adminRoutes } from './routes/v2/admin.routes.js';
import { catalogRoutes } from './routes/v2/catalog.routes.js';
import { knowledgePolicyRoutes } from './routes/v2/knowledge-policy.routes.js';
import { knowledgeRoutes } from './routes/v2/knowledge.routes.js';
import { DEFAULT_MIN_QUALITY_SCORE } from '../rag/learning/learning-signals.js';
import { rowsOnlyPurger } from '../rag/retention/knowledge-retention.js';
import { contextRoutes } from './routes/v2/context.routes.js';
import { projectRoutes } from './routes/v2/projects.routes.js';
import { runRoutes } from './routes/v2/runs.routes.js';
import { artifactRoutes } from './routes/v2/artifacts.routes.js';
import { toolRoutes } from './routes/v2/tools.routes.js';
import { mcpRoutes } from './routes/mcp.routes.js';
import { runOutputRoutes } from './routes/v2/run-outputs.routes.js';
import { machineRoutes } from './routes/v2/machines.routes.js';
import { metricsRoutes } from './routes/metrics.routes.js';
import { studioRoutes } from './routes/studio.routes.js';
import type { ApiDeps } from './types.js';
import './types.js';

/** The request body limit: 1 MiB. */
export const BODY_LIMIT = 1024 * 1024;

const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/**
 * Builds the HTTP API as a plugin tree: error handling and request logs for everything; /healthz and
 * /readyz; OpenAPI at /openapi.json and docs at /docs; and /v2, where every route is authenticated,
 * tenant-scoped and validated with zod (unknown fields refused, strings and lists bounded).
 */
export async function buildApi(deps: ApiDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    // Our request-log plugin writes the one line per request; Fastify's own two lines are off.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: BODY_LIMIT,
    // A caller's X-Request-Id is kept when it is short and safe to log; otherwise we mint one.
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && SAFE_REQUEST_ID.test(given) ? given : uuidv7();
    },
    ajv: { customOptions: { removeAdditional: false } },
  });
  // An empty body with a JSON content type (curl -X POST -H 'content-type: application/json') means
  // "no body", not a syntax error; routes that need a body still refuse it through their schema.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') done(null, undefined);
    else void parseJson(request, text, done);
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  await app.register(errorHandlerPlugin);
  await app.register(requestLogPlugin);
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'VM Platform API', version: deps.version, description: 'Brands, campaigns and tasks of a virtual agency. Authenticate with `Authorization: Bearer <API key>`.' },
      components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'An API key (vmp_…)' } } },
      security: [{ apiKey: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  await app.register(healthRoutes, { orm: deps.orm, version: deps.version });
  if (deps.metrics) await app.register(metricsRoutes, deps.metrics);
  if (deps.mcp && deps.tools) {
    await app.register(mcpRoutes, { orm: deps.orm, registry: deps.tools.registry, executor: deps.mcp.executor, governance: deps.tools.governance, version: deps.version });
  }

  await app.register(
    async (v2) => {
      await v2.register(authPlugin, { orm: deps.orm });
      await v2.register(projectRoutes);
      const purger = deps.knowledge?.indexer ?? rowsOnlyPurger(deps.orm);
      await v2.register(catalogRoutes, { orm: deps.orm, purger });
      await v2.register(knowledgePolicyRoutes, { orm: deps.orm, purger, defaultMinQualityScore: deps.knowledge?.minQualityScore ?? DEFAULT_MIN_QUALITY_SCORE });
      if (deps.knowledge?.retriever && deps.knowledge.store) {
        await v2.register(knowledgeRoutes, { retriever: deps.knowledge.retriever, indexer: deps.knowledge.indexer, store: deps.knowledge.store, llmReranker: deps.knowledge.llmReranker });
      }
      await v2.register(contextRoutes);
      await v2.register(adminRoutes);
      if (deps.runs) {
        await v2.register(runRoutes, { runs: deps.runs.service, templates: deps.runs.templates });
        await v2.register(runOutputRoutes);
      }
      await v2.register(machineRoutes);
      if (deps.tools) await v2.register(toolRoutes, { ...deps.tools, orm: deps.orm });
      if (deps.artifacts) await v2.register(artifactRoutes, { store: deps.artifacts });
    },
    { prefix: '/v2' },
  );
  if (deps.studio) await app.register(studioRoutes, { source: deps.studio });
  return app;
}

