/**
 * The wire types the Studio reads, derived from the platform's contracts (src/contracts), so a
 * change of a resource shape is a type error here.
 */
import type { z } from 'zod';
import type { AuditEventResource } from '@contracts/http/admin.js';
import type { ArtifactResource, ArtifactVersionResource, ArtifactVersionsResource, RunArtifactsResource } from '@contracts/http/artifacts.js';
import type { BrandResource, CampaignResource, ProjectResource, ResolvedContextResource, TaskResource } from '@contracts/http/catalog.js';
import type { VersionSummary } from '@contracts/http/common.js';
import type { KnowledgeSearchResponse, KnowledgeStatsResource } from '@contracts/http/knowledge.js';
import type { RunResource, RunSummaryResource, StageRunResource, TemplateResource, TimelineEntry } from '@contracts/http/runs.js';
import type {
  ToolCredentialResource, ToolPermissionResource, ToolRateLimitResource, ToolResource, ToolSourcesResource, ToolUsageResource,
} from '@contracts/http/tools.js';

/** A page of a list route. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export type Run = z.output<typeof RunResource>;
export type RunSummary = z.output<typeof RunSummaryResource>;
export type StageRun = z.output<typeof StageRunResource>;
export type Timeline = z.output<typeof TimelineEntry>;
export type Template = z.output<typeof TemplateResource>;
export type Brand = z.output<typeof BrandResource>;
export type Campaign = z.output<typeof CampaignResource>;
export type Task = z.output<typeof TaskResource>;
export type Project = z.output<typeof ProjectResource>;
export type ResolvedContext = z.output<typeof ResolvedContextResource>;
export type Version = z.output<typeof VersionSummary>;
export type AuditEvent = z.output<typeof AuditEventResource>;
export type Artifact = z.output<typeof ArtifactResource>;
export type ArtifactVersion = z.output<typeof ArtifactVersionResource>;
export type ArtifactVersions = z.output<typeof ArtifactVersionsResource>;
export type RunArtifacts = z.output<typeof RunArtifactsResource>;
export type Tool = z.output<typeof ToolResource>;
export type ToolSources = z.output<typeof ToolSourcesResource>;
export type ToolPermission = z.output<typeof ToolPermissionResource>;
export type ToolRateLimit = z.output<typeof ToolRateLimitResource>;
export type ToolCredential = z.output<typeof ToolCredentialResource>;
export type ToolUsage = z.output<typeof ToolUsageResource>;
export type KnowledgeSearch = z.output<typeof KnowledgeSearchResponse>;
export type KnowledgeHit = KnowledgeSearch['results'][number];
export type KnowledgeStats = z.output<typeof KnowledgeStatsResource>;

/** GET /v2/runs/:id/outputs (the route defines it next to itself). */
export interface RunOutputs {
  runId: string;
  items: Array<{ stageId: string; round: number; attempt: number; kind: string; costUsd: number; output: unknown; finishedAt: string }>;
}
