import { LockMode } from '@mikro-orm/core';
import { notFound } from '../../domain/errors.js';
import { uuidv7 } from '../../domain/ids.js';
import { Artifact, ArtifactVersion, type ArtifactLineage } from '../entities/artifact.entity.js';
import type { Orm } from '../orm.js';
import { tenantEm, type Scope } from '../scope.js';

/** A version to record for a task's deliverable slot. */
export interface ArtifactVersionInput {
  tenantId: string;
  projectId: string;
  brandId: string;
  campaignId: string;
  taskId: string;
  slot: string;
  kind: string;
  channel: string | null;
  runId: string;
  /** The consolidating attempt's key and the slot: a repeat of it writes nothing new. */
  sourceKey: string;
  stored: { key: string; sha256: string; size: number; contentType: string };
  lineage: ArtifactLineage;
}

/**
 * Records a new version of the slot's artifact (creating the artifact on its first version), in one
 * transaction with the artifact row locked so concurrent runs of one task number versions without
 * gaps or duplicates. A `sourceKey` already recorded returns that version (idempotent).
 */
export async function saveArtifactVersion(orm: Orm, input: ArtifactVersionInput): Promise<{ artifact: Artifact; version: ArtifactVersion; created: boolean }> {
  return tenantEm(orm, input.tenantId).transactional(async (em) => {
    const existing = await em.findOne(ArtifactVersion, { sourceKey: input.sourceKey }, { populate: ['artifact'] });
    if (existing) return { artifact: existing.artifact.getEntity(), version: existing, created: false };
    await em.getConnection().execute(
      `insert into artifact (id, tenant_id, project_id, brand_id, campaign_id, task_id, slot, kind, channel, latest_version, created_at, updated_at)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, now(), now()) on conflict (tenant_id, task_id, slot) do nothing`,
      [uuidv7(), input.tenantId, input.projectId, input.brandId, input.campaignId, input.taskId, input.slot, input.kind, input.channel],
      'run', em.getTransactionContext(),
    );
    const artifact = await em.findOneOrFail(Artifact, { taskId: input.taskId, slot: input.slot }, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
    artifact.latestVersion += 1;
    artifact.kind = input.kind;
    artifact.channel = input.channel;
    const version = em.create(ArtifactVersion, {
      id: uuidv7(), tenant: input.tenantId, artifact, version: artifact.latestVersion, runId: input.runId, sourceKey: input.sourceKey,
      storageKey: input.stored.key, sha256: input.stored.sha256, size: input.stored.size, contentType: input.stored.contentType,
      lineage: input.lineage, createdAt: new Date(),
    });
    await em.flush();
    return { artifact, version, created: true };
  });
}

/** The artifacts a run produced, each with the version the run wrote. */
export async function listRunArtifacts(scope: Scope, runId: string): Promise<Array<{ artifact: Artifact; version: ArtifactVersion }>> {
  const versions = await scope.em.find(ArtifactVersion, { runId }, { populate: ['artifact'], orderBy: { createdAt: 'asc', id: 'asc' } });
  return versions.map((v) => ({ artifact: v.artifact.getEntity(), version: v }));
}

/** An artifact of the scope's tenant; 404 when unknown. */
export async function getArtifact(scope: Scope, id: string): Promise<Artifact> {
  const artifact = await scope.em.findOne(Artifact, { id });
  if (!artifact) throw notFound('artifact', id);
  return artifact;
}

/** Every version of an artifact, newest first; 404 when the artifact is unknown. */
export async function listArtifactVersions(scope: Scope, id: string): Promise<{ artifact: Artifact; versions: ArtifactVersion[] }> {
  const artifact = await getArtifact(scope, id);
  const versions = await scope.em.find(ArtifactVersion, { artifact: id }, { orderBy: { version: 'desc' } });
  return { artifact, versions };
}

/** One version of an artifact (the latest by default); 404 when either is unknown. */
export async function getArtifactVersion(scope: Scope, id: string, version?: number): Promise<{ artifact: Artifact; version: ArtifactVersion }> {
  const artifact = await getArtifact(scope, id);
  const wanted = version ?? artifact.latestVersion;
  const row = await scope.em.findOne(ArtifactVersion, { artifact: id, version: wanted });
  if (!row) throw notFound('artifact version', `${id}@${wanted}`);
  return { artifact, version: row };
}
