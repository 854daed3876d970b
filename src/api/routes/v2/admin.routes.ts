import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { ApiKeyResource, AuditEventResource, AuditQuery, CreateApiKeyBody, CreatedApiKeyResource } from '../../../contracts/http/admin.js';
import { COMMON_ERRORS, IdParams, PageQuery, pageOf } from '../../../contracts/http/common.js';
import { issueApiKey, listApiKeys, revokeApiKey } from '../../../persistence/repositories/api-key.repository.js';
import { listAudit } from '../../../persistence/repositories/audit.repository.js';
import { presentApiKey, presentAuditEvent, presentPage } from '../../presenters.js';

/** Admin-only: API keys and the audit log of the caller's tenant. */
export async function adminRoutes(app: FastifyInstance): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const config = { role: 'admin' as const };

  r.post('/api-keys', {
    config,
    schema: {
      tags: ['api-keys'], summary: 'Issue an API key (the key is shown in this answer only)',
      body: CreateApiKeyBody, response: { 201: CreatedApiKeyResource, ...COMMON_ERRORS },
    },
  }, async (request, reply) => {
    const { key, record } = await issueApiKey(request.scope, request.body);
    return reply.code(201).send({ ...presentApiKey(record), key });
  });
  r.get('/api-keys', {
    config,
    schema: { tags: ['api-keys'], summary: 'List API keys (never their secrets)', querystring: PageQuery, response: { 200: pageOf(ApiKeyResource), ...COMMON_ERRORS } },
  }, async (request) => presentPage(await listApiKeys(request.scope, request.query), presentApiKey));
  r.post('/api-keys/:id/revoke', {
    config,
    schema: { tags: ['api-keys'], summary: 'Revoke an API key (idempotent)', params: IdParams, response: { 200: ApiKeyResource, ...COMMON_ERRORS } },
  }, async (request) => presentApiKey(await revokeApiKey(request.scope, request.params.id)));

  const Query = AuditQuery.extend(PageQuery.shape);
  r.get('/audit', {
    config,
    schema: {
      tags: ['audit'], summary: 'The audit log, newest first', description: '`from` is inclusive, `to` exclusive (ISO 8601 with offset).',
      querystring: Query, response: { 200: pageOf(AuditEventResource), ...COMMON_ERRORS },
    },
  }, async (request) => {
    const q = request.query;
    return presentPage(
      await listAudit(request.scope, { ...q, from: q.from ? new Date(q.from) : undefined, to: q.to ? new Date(q.to) : undefined }),
      presentAuditEvent,
    );
  });
}
