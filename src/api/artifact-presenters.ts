import type { z } from 'zod';
import type { ArtifactResource, ArtifactVersionResource } from '../contracts/http/artifacts.js';
import type { Artifact, ArtifactVersion } from '../persistence/entities/artifact.entity.js';

/** An artifact as the API shows it. */
export function presentArtifact(a: Artifact): z.input<typeof ArtifactResource> {
  return {
    id: a.id, projectId: a.projectId, brandId: a.brandId, campaignId: a.campaignId, taskId: a.taskId, slot: a.slot, kind: a.kind,
    channel: a.channel ?? null, latestVersion: a.latestVersion, createdAt: a.createdAt.toISOString(), updatedAt: a.updatedAt.toISOString(),
  };
}

/** A version as the API shows it, with the URL of its content. */
export function presentArtifactVersion(artifactId: string, v: ArtifactVersion): z.input<typeof ArtifactVersionResource> {
  return {
    artifactId, version: v.version, runId: v.runId, sha256: v.sha256, size: v.size, contentType: v.contentType, lineage: v.lineage,
    createdAt: v.createdAt.toISOString(), contentUrl: `/v2/artifacts/${artifactId}/content?version=${v.version}`,
  };
}
