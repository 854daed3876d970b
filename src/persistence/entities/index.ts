import { ApiKeySchema } from './api-key.entity.js';
import { ArtifactSchema, ArtifactVersionSchema } from './artifact.entity.js';
import { AuditEventSchema } from './audit-event.entity.js';
import { BrandSchema, BrandVersionSchema } from './brand.entity.js';
import { CampaignSchema, CampaignVersionSchema } from './campaign.entity.js';
import { ContextSnapshotSchema } from './context-snapshot.entity.js';
import { TaskSchema, TaskVersionSchema } from './task.entity.js';
import { ProjectSchema, TenantSchema } from './tenant.entity.js';
import { CommandRecordSchema, RunEventSchema, RunHostSchema, StageResultSchema } from './run-records.entity.js';
import { StageRunSchema, WorkflowRunSchema } from './workflow-run.entity.js';
import { ToolCallSchema } from './tool-call.entity.js';
import { KnowledgeChunkSchema, KnowledgePolicySchema, LearningSchema } from './knowledge.entity.js';
import { ToolCredentialRefSchema, ToolPermissionSchema, ToolRateLimitSchema } from './tool-governance.entity.js';

export * from './api-key.entity.js';
export * from './artifact.entity.js';
export * from './audit-event.entity.js';
export * from './brand.entity.js';
export * from './campaign.entity.js';
export * from './context-snapshot.entity.js';
export * from './task.entity.js';
export * from './tenant-scope.js';
export * from './tenant.entity.js';
export * from './versioned.js';
export * from './run-records.entity.js';
export * from './workflow-run.entity.js';
export * from './tool-call.entity.js';
export * from './tool-governance.entity.js';
export * from './knowledge.entity.js';

/** Every entity schema, in the order MikroORM should discover them. */
export const ENTITIES = [
  TenantSchema, ProjectSchema, ApiKeySchema,
  BrandSchema, BrandVersionSchema, CampaignSchema, CampaignVersionSchema, TaskSchema, TaskVersionSchema,
  ContextSnapshotSchema, AuditEventSchema,
  WorkflowRunSchema, StageRunSchema, StageResultSchema, RunEventSchema, CommandRecordSchema, RunHostSchema,
  ToolPermissionSchema, ToolRateLimitSchema, ToolCredentialRefSchema, ToolCallSchema,
  ArtifactSchema, ArtifactVersionSchema,
  KnowledgeChunkSchema, LearningSchema, KnowledgePolicySchema,
];
