import type { FastifyInstance } from 'fastify';
import {
  BrandListQuery, BrandResource, CampaignListQuery, CampaignResource, CreateBrandBody, CreateCampaignBody, CreateTaskBody,
  PatchBrandBody, PatchCampaignBody, PatchTaskBody, TaskListQuery, TaskResource,
} from '../../../contracts/http/catalog.js';
import { brandStore, createBrand, listBrands, patchBrand } from '../../../persistence/repositories/brand.repository.js';
import { campaignStore, createCampaign, listCampaigns, patchCampaign } from '../../../persistence/repositories/campaign.repository.js';
import { createTask, listTasks, patchTask, taskStore } from '../../../persistence/repositories/task.repository.js';
import { presentBrand, presentCampaign, presentTask } from '../../presenters.js';
import { registerVersionedRoutes } from './versioned.routes.js';

/** Brands, campaigns and tasks: the versioned catalog the runs are planned from. */
export async function catalogRoutes(app: FastifyInstance): Promise<void> {
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
}
