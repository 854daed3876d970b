import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { COMMON_ERRORS, IdParams } from '../../../contracts/http/common.js';
import {
  ArtifactContentQuery, ArtifactResource, ArtifactVersionsResource, RunArtifactsResource,
} from '../../../contracts/http/artifacts.js';
import { notFound } from '../../../domain/errors.js';
import { WorkflowRun } from '../../../persistence/entities/workflow-run.entity.js';
import {
  getArtifact, getArtifactVersion, listArtifactVersions, listRunArtifacts,
} from '../../../persistence/repositories/artifact.repository.js';
import type { ArtifactStore } from '../../../storage/artifact-store.js';
import { presentArtifact, presentArtifactVersion } from '../../artifact-presenters.js';

/**
 * Artifacts: what a run produced, an artifact with its versions and lineage, and the content of a
 * version (streamed from the artifact store, with its content type and SHA-256 as the ETag).
 */
export async function artifactRoutes(app: FastifyInstance, opts: { store: ArtifactStore }): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['artifacts'];

  r.get('/runs/:id/artifacts', {
    schema: { tags, summary: "A run's artifacts, each with the version the run wrote", params: IdParams, response: { 200: RunArtifactsResource, ...COMMON_ERRORS } },
  }, async (request) => {
    const run = await request.scope.em.findOne(WorkflowRun, { id: request.params.id }, { fields: ['id'] });
    if (!run) throw notFound('run', request.params.id);
    const rows = await listRunArtifacts(request.scope, request.params.id);
    return { runId: request.params.id, items: rows.map(({ artifact, version }) => ({ ...presentArtifact(artifact), version: presentArtifactVersion(artifact.id, version) })) };
  });

  r.get('/artifacts/:id', {
    schema: { tags, summary: 'An artifact', params: IdParams, response: { 200: ArtifactResource, ...COMMON_ERRORS } },
  }, async (request) => presentArtifact(await getArtifact(request.scope, request.params.id)));

  r.get('/artifacts/:id/versions', {
    schema: { tags, summary: "An artifact's versions with their lineage, newest first", params: IdParams, response: { 200: ArtifactVersionsResource, ...COMMON_ERRORS } },
  }, async (request) => {
    const { artifact, versions } = await listArtifactVersions(request.scope, request.params.id);
    return { artifactId: artifact.id, items: versions.map((v) => presentArtifactVersion(artifact.id, v)) };
  });

  r.get('/artifacts/:id/content', {
    schema: {
      tags, summary: "Download a version's content (default: the latest)", params: IdParams, querystring: ArtifactContentQuery,
      description: 'The body is the stored bytes with their content type; the ETag is the SHA-256 of the content.',
      response: { ...COMMON_ERRORS },
    },
  }, async (request, typedReply) => {
    // Content is a byte stream (never serialized): the reply's schema-typed send does not apply.
    const reply = typedReply as unknown as FastifyReply;
    const { artifact, version } = await getArtifactVersion(request.scope, request.params.id, request.query.version);
    const etag = `"${version.sha256}"`;
    reply.header('etag', etag).header('x-artifact-version', String(version.version));
    if (request.headers['if-none-match'] === etag) return reply.code(304).send();
    const { body } = await opts.store.stream(version.storageKey);
    const ext = version.contentType.startsWith('text/markdown') ? 'md' : version.contentType.startsWith('application/json') ? 'json' : 'txt';
    return reply
      .header('content-type', version.contentType)
      .header('content-length', String(version.size))
      .header('content-disposition', `attachment; filename="${artifact.slot.replace(/[^A-Za-z0-9._-]/g, '_')}-v${version.version}.${ext}"`)
      .send(body);
  });
}
