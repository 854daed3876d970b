import { z } from 'zod';
import { BrandData } from '../../domain/brand.js';
import { CampaignData } from '../../domain/campaign.js';
import { TaskData } from '../../domain/task.js';
import { ProjectData } from '../../domain/tenant.js';
import { mergePatchOf } from './merge-patch-schema.js';

const Meta = {
  id: z.uuid(),
  /** The current version number; send it back as `If-Match` to change the record. */
  version: z.number().int(),
  /** Content hash of this version's data. */
  hash: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  /** Who wrote this version: `key:<id>`, `cli` or `system`. */
  versionCreatedBy: z.string(),
  versionCreatedAt: z.string(),
};

/** POST /v2/projects */
export const CreateProjectBody = ProjectData;
/** A project. */
export const ProjectResource = z.object({ id: z.uuid(), name: z.string(), description: z.string().nullable(), createdAt: z.string() });

/** POST /v2/brands: the brand's content plus, optionally, the project (default: the tenant's default project). */
export const CreateBrandBody = BrandData.extend({ projectId: z.uuid().optional() });
/** PATCH /v2/brands/:id: a JSON merge patch of the brand's content. */
export const PatchBrandBody = mergePatchOf(BrandData);
/** A brand at one version. */
export const BrandResource = z.object({ ...Meta, projectId: z.uuid(), ...BrandData.shape });

/** POST /v2/campaigns */
export const CreateCampaignBody = CampaignData.extend({ brandId: z.uuid() });
/** PATCH /v2/campaigns/:id: a JSON merge patch of the campaign's content. */
export const PatchCampaignBody = mergePatchOf(CampaignData);
/** A campaign at one version. */
export const CampaignResource = z.object({ ...Meta, brandId: z.uuid(), ...CampaignData.shape });

/** POST /v2/tasks */
export const CreateTaskBody = TaskData.extend({ campaignId: z.uuid() });
/** PATCH /v2/tasks/:id: a JSON merge patch of the task's content. */
export const PatchTaskBody = mergePatchOf(TaskData);
/** A task at one version. */
export const TaskResource = z.object({ ...Meta, campaignId: z.uuid(), brandId: z.uuid(), ...TaskData.shape });

/** List filters. */
export const BrandListQuery = z.strictObject({ projectId: z.uuid().optional() });
export const CampaignListQuery = z.strictObject({ brandId: z.uuid().optional() });
export const TaskListQuery = z.strictObject({ campaignId: z.uuid().optional() });

const VersionRef = z.object({ level: z.enum(['brand', 'campaign', 'task']), id: z.string(), version: z.number().int() });

/** GET /v2/tasks/:id/context: the resolved context with the provenance of every field. */
export const ResolvedContextResource = z.object({
  hash: z.string(),
  refs: z.object({ brandId: z.uuid(), campaignId: z.uuid(), taskId: z.uuid() }),
  versions: z.object({ brand: z.number().int(), campaign: z.number().int(), task: z.number().int() }),
  context: z.record(z.string(), z.unknown()),
  provenance: z.record(z.string(), VersionRef.extend({ overrode: VersionRef.optional() })),
  conflicts: z.array(z.object({ level: z.string(), field: z.string(), code: z.string(), message: z.string(), lockedBy: z.unknown().optional() })),
});

/** A stored, immutable context snapshot. */
export const ContextSnapshotResource = ResolvedContextResource.extend({ id: z.uuid(), taskId: z.uuid(), createdAt: z.string() });
