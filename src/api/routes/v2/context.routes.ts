import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { ContextSnapshotResource, ResolvedContextResource } from '../../../contracts/http/catalog.js';
import { COMMON_ERRORS, IdParams } from '../../../contracts/http/common.js';
import { getContextSnapshot, resolveTaskContext, snapshotTaskContext } from '../../../persistence/repositories/context.repository.js';
import { presentSnapshot } from '../../presenters.js';

/** Resolved task context (inheritance + provenance + hash) and immutable context snapshots. */
export async function contextRoutes(app: FastifyInstance): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['context'];

  r.get('/tasks/:id/context', {
    schema: {
      tags, summary: "Resolve a task's context: Brand -> Campaign -> Task, with the provenance of every field and a content hash",
      params: IdParams, response: { 200: ResolvedContextResource, ...COMMON_ERRORS },
    },
  }, async (request) => resolveTaskContext(request.scope, request.params.id));

  r.post('/tasks/:id/context-snapshots', {
    config: { role: 'operator' },
    schema: {
      tags, summary: "Store the task's resolved context as an immutable snapshot (deduplicated by hash)",
      description: 'Answers 201 with a new snapshot, or 200 with the existing one when the resolved content is unchanged.',
      params: IdParams, response: { 200: ContextSnapshotResource, 201: ContextSnapshotResource, ...COMMON_ERRORS },
    },
  }, async (request, reply) => {
    const { snapshot, created } = await snapshotTaskContext(request.scope, request.params.id);
    return reply.code(created ? 201 : 200).send(presentSnapshot(snapshot));
  });

  r.get('/context-snapshots/:id', {
    schema: { tags, summary: 'Get a stored context snapshot', params: IdParams, response: { 200: ContextSnapshotResource, ...COMMON_ERRORS } },
  }, async (request) => presentSnapshot(await getContextSnapshot(request.scope, request.params.id)));
}
