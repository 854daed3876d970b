import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { CreateProjectBody, ProjectResource } from '../../../contracts/http/catalog.js';
import { COMMON_ERRORS, ErrorBody, IdParams, PageQuery, pageOf } from '../../../contracts/http/common.js';
import { createProject, getProject, listProjects } from '../../../persistence/repositories/project.repository.js';
import { presentPage, presentProject } from '../../presenters.js';

/** Projects group a tenant's brands. Every tenant starts with a project named "Default". */
export async function projectRoutes(app: FastifyInstance): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['projects'];
  r.post('/projects', {
    config: { role: 'operator' },
    schema: { tags, summary: 'Create a project', body: CreateProjectBody, response: { 201: ProjectResource, ...COMMON_ERRORS, 409: ErrorBody } },
  }, async (request, reply) => reply.code(201).send(presentProject(await createProject(request.scope, request.body))));
  r.get('/projects', {
    schema: { tags, summary: 'List projects', querystring: PageQuery, response: { 200: pageOf(ProjectResource), ...COMMON_ERRORS } },
  }, async (request) => presentPage(await listProjects(request.scope, request.query), presentProject));
  r.get('/projects/:id', {
    schema: { tags, summary: 'Get a project', params: IdParams, response: { 200: ProjectResource, ...COMMON_ERRORS } },
  }, async (request) => presentProject(await getProject(request.scope, request.params.id)));
}
