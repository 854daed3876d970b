import { z } from 'zod';

/** Where a version came from. */
export const ArtifactLineageResource = z.object({
  runId: z.uuid(),
  stageId: z.string(),
  contextSnapshotId: z.string(),
  contextHash: z.string(),
  template: z.object({ id: z.string(), version: z.number().int() }),
  providers: z.array(z.object({ provider: z.string(), model: z.string() })),
  tools: z.array(z.string()),
  offline: z.boolean(),
  sources: z.array(z.object({ stageId: z.string(), key: z.string() })),
});

/** One immutable version of an artifact. */
export const ArtifactVersionResource = z.object({
  artifactId: z.uuid(),
  version: z.number().int(),
  runId: z.uuid(),
  sha256: z.string(),
  size: z.number().int(),
  contentType: z.string(),
  lineage: ArtifactLineageResource,
  createdAt: z.string(),
  /** GET this to download the version's content. */
  contentUrl: z.string(),
});

/** A deliverable of a task (one per slot), versioned. */
export const ArtifactResource = z.object({
  id: z.uuid(),
  projectId: z.uuid(),
  brandId: z.uuid(),
  campaignId: z.uuid(),
  taskId: z.uuid(),
  slot: z.string(),
  kind: z.string(),
  channel: z.string().nullable(),
  latestVersion: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

/** GET /v2/runs/:id/artifacts: each artifact with the version this run wrote. */
export const RunArtifactsResource = z.object({
  runId: z.uuid(),
  items: z.array(ArtifactResource.extend({ version: ArtifactVersionResource })),
});

/** GET /v2/artifacts/:id/versions */
export const ArtifactVersionsResource = z.object({ artifactId: z.uuid(), items: z.array(ArtifactVersionResource) });

/** GET /v2/artifacts/:id/content?version=N (default: latest). */
export const ArtifactContentQuery = z.strictObject({
  version: z.coerce.number({ message: 'version must be a positive integer' }).int('version must be a positive integer').min(1, 'version must be a positive integer').max(1_000_000).optional(),
});
