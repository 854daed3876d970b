import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { COMMON_ERRORS, ErrorBody, IdParams } from '../../../contracts/http/common.js';
import { BrandDeletionResource } from '../../../contracts/http/knowledge-policy.js';
import type { Orm } from '../../../persistence/orm.js';
import { deleteBrandWithKnowledge } from '../../../rag/retention/brand-deletion.js';
import type { KnowledgePurger } from '../../../rag/retention/knowledge-retention.js';
import { expectedVersion } from '../../if-match.js';
import {
  BrandListQuery, BrandResource, CampaignListQuery, CampaignResource, CreateBrandBody, CreateCampaignBody, CreateTaskBody,
  PatchBrandBody, PatchCampaignBody, PatchTaskBody, TaskListQuery, TaskResource,
} from '../../../contracts/http/catalog.js';
import { brandStore, createBrand, listBrands, patchBrand } from '../../../persistence/repositories/brand.repository.js';
import { campaignStore, createCampaign, listCampaigns, patchCampaign } from '../../../persistence/repositories/campaign.repository.js';
import { createTask, listTasks, patchTask, taskStore } from '../../../persistence/repositories/task.repository.js';
import { presentBrand, presentCampaign, presentTask } from '../../presenters.js';
import { registerVersionedRoutes } from './versioned.routes.js';

/** What the catalog routes need besides the request scope: brand deletion purges the brand's knowledge. */
export interface CatalogRouteOptions {
  orm: Orm;
  purger: KnowledgePurger;
}

/**
 * Brands, campaigns and tasks: the versioned catalog the runs are planned from. `DELETE
 * /brands/:id` (admin, `If-Match` required) deletes a brand with its knowledge.
 */
export async function catalogRoutes(app: FastifyInstance, opts: CatalogRouteOptions): Promise<void> {
  registerVersionedRoutes(app, {
    path: '/brands', tag: 'brands', store: brandStore, resource: BrandResource, present: presentBrand,
    createBody: CreateBrandBody,
    create: (scope, { projectId, ...data }) => createBrand(scope, { projectId, data }),
    listQuery: BrandListQuery, list: listBrands,
    patchBody: PatchBrandBody, patch: patchBrand,
  });
  registerVersionedRoutes(app, {
    path: '/campaigns', tag: 'campaigns', store: campaignStore, resource: CampaignResource, present: presentCampaign,
    createBody: CreateCampaignBody,
    create: (scope, { brandId, ...data }) => createCampaign(scope, { brandId, data }),
    listQuery: CampaignListQuery, list: listCampaigns,
    patchBody: PatchCampaignBody, patch: patchCampaign,
  });
  registerVersionedRoutes(app, {
    path: '/tasks', tag: 'tasks', store: taskStore, resource: TaskResource, present: presentTask,
    createBody: CreateTaskBody,
    create: (scope, { campaignId, ...data }) => createTask(scope, { campaignId, data }),
    listQuery: TaskListQuery, list: listTasks,
    patchBody: PatchTaskBody, patch: patchTask,
  });

  app.withTypeProvider<ZodTypeProvider>().delete('/brands/:id', {
    config: { role: 'admin' },
    schema: {
      tags: ['brands'], summary: 'Delete a brand and its knowledge',
      description: 'Send `If-Match: "<version>"` with the version you read. The brand disappears from reads and lists (404), new campaigns, tasks and runs under it are refused (410 `BRAND_DELETED`), and its knowledge chunks, vectors, learnings and knowledge policy are removed. Its versions stay as the history of past runs.',
      params: IdParams, response: { 200: BrandDeletionResource, ...COMMON_ERRORS, 409: ErrorBody, 428: ErrorBody },
    },
  }, async (request) => deleteBrandWithKnowledge(opts.orm, request.scope, opts.purger, request.params.id, expectedVersion(request)));
}
