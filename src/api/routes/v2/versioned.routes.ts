import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import { COMMON_ERRORS, ErrorBody, IdParams, PageQuery, VersionParams, VersionSummary, pageOf } from '../../../contracts/http/common.js';
import type { VersionedHead } from '../../../persistence/entities/versioned.js';
import type { Page, PageRequest } from '../../../persistence/pagination.js';
import type { Scope } from '../../../persistence/scope.js';
import type { Versioned, VersionedStore } from '../../../persistence/repositories/versioned-store.js';
import { expectedVersion, setVersionTag } from '../../if-match.js';
import { presentPage, presentVersionSummary } from '../../presenters.js';

/** How one versioned record kind (brand, campaign, task) is exposed over HTTP. */
export interface VersionedRoutes<H extends VersionedHead, D, C extends z.ZodType, F extends z.ZodObject> {
  /** Collection path under /v2, e.g. `/brands`. */
  path: string;
  /** OpenAPI tag. */
  tag: string;
  store: VersionedStore<H, D>;
  resource: z.ZodType;
  present: (r: Versioned<H, D>) => unknown;
  createBody: C;
  create: (scope: Scope, body: z.output<C>) => Promise<Versioned<H, D>>;
  listQuery: F;
  list: (scope: Scope, filter: z.output<F>, page: PageRequest) => Promise<Page<Versioned<H, D>>>;
  patchBody: z.ZodType;
  patch: (scope: Scope, id: string, expected: number, patch: Record<string, unknown>) => Promise<Versioned<H, D>>;
}

/**
 * Registers the six routes of a versioned record: create, list, get, patch (JSON merge patch with
 * `If-Match`, creating a new version), the version history and one past version. GET answers carry
 * `ETag: "<version>"`.
 */
export function registerVersionedRoutes<H extends VersionedHead, D, C extends z.ZodType, F extends z.ZodObject>(
  app: FastifyInstance,
  def: VersionedRoutes<H, D, C, F>,
): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const kind = def.store.kind;
  const tags = [def.tag];
  const Query = def.listQuery.extend(PageQuery.shape);

  r.post(def.path, {
    config: { role: 'operator' },
    schema: { tags, summary: `Create a ${kind} (version 1)`, body: def.createBody, response: { 201: def.resource, ...COMMON_ERRORS, 409: ErrorBody, 422: ErrorBody } },
  }, async (request, reply) => {
    const record = await def.create(request.scope, request.body as z.output<C>);
    setVersionTag(reply, record.version.version);
    return reply.code(201).header('location', `/v2${def.path}/${record.head.id}`).send(def.present(record));
  });

  r.get(def.path, {
    schema: { tags, summary: `List ${kind}s at their current versions`, querystring: Query, response: { 200: pageOf(def.resource), ...COMMON_ERRORS } },
  }, async (request) => {
    const { limit, cursor, ...filter } = request.query as z.output<typeof Query> & { limit: number; cursor?: string };
    const page = await def.list(request.scope, filter as z.output<F>, { limit, cursor });
    return presentPage(page, def.present);
  });

  r.get(`${def.path}/:id`, {
    schema: { tags, summary: `Get a ${kind} at its current version`, params: IdParams, response: { 200: def.resource, ...COMMON_ERRORS } },
  }, async (request, reply) => {
    const record = await def.store.get(request.scope, request.params.id);
    setVersionTag(reply, record.version.version);
    return def.present(record);
  });

  r.patch(`${def.path}/:id`, {
    config: { role: 'operator' },
    schema: {
      tags, summary: `Change a ${kind}: a JSON merge patch, stored as a new version`,
      description: 'Send `If-Match: "<version>"` with the version you read. `null` removes an optional field. The result must satisfy the full schema.',
      params: IdParams, body: def.patchBody,
      response: { 200: def.resource, ...COMMON_ERRORS, 409: ErrorBody, 422: ErrorBody, 428: ErrorBody },
    },
  }, async (request, reply) => {
    const expected = expectedVersion(request);
    const record = await def.patch(request.scope, request.params.id, expected, request.body as Record<string, unknown>);
    setVersionTag(reply, record.version.version);
    return def.present(record);
  });

  r.get(`${def.path}/:id/versions`, {
    schema: { tags, summary: `List a ${kind}'s versions, newest first`, params: IdParams, querystring: PageQuery, response: { 200: pageOf(VersionSummary), ...COMMON_ERRORS } },
  }, async (request) => presentPage(await def.store.versions(request.scope, request.params.id, request.query), presentVersionSummary));

  r.get(`${def.path}/:id/versions/:n`, {
    schema: { tags, summary: `Get a ${kind} at version n`, params: VersionParams, response: { 200: def.resource, ...COMMON_ERRORS } },
  }, async (request, reply) => {
    const record = await def.store.atVersion(request.scope, request.params.id, request.params.n);
    setVersionTag(reply, record.version.version);
    return def.present(record);
  });
}
