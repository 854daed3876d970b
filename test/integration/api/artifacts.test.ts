import { createHash } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { beforeAll, describe, expect, it } from 'vitest';
import { seedAgencyTask, type AgencySeed } from '../../helpers/agency-seed.js';
import { command, startRun, usePlatform, waitForRun } from '../../helpers/test-engine.js';

/**
 * Artifacts of the agency templates through the API: a supervised social_post run on LinkedIn and
 * X, approved, consolidates two versioned artifacts with their lineage; their content downloads
 * with its SHA-256 as the ETag; a second approved run of the task makes version 2 of each; the
 * run's outputs show the gate report. Everything is tenant-scoped.
 */

const p = usePlatform({ adapter: 'in-process', tools: {} });

interface Version {
  artifactId: string; version: number; runId: string; sha256: string; size: number; contentType: string; createdAt: string; contentUrl: string;
  lineage: { runId: string; stageId: string; contextSnapshotId: string; contextHash: string; template: { id: string; version: number }; providers: Array<{ provider: string; model: string }>; tools: string[]; offline: boolean; sources: Array<{ stageId: string; key: string }> };
}
interface Artifact { id: string; projectId: string; brandId: string; campaignId: string; taskId: string; slot: string; kind: string; channel: string | null; latestVersion: number; createdAt: string; updatedAt: string }
type RunArtifact = Artifact & { version: Version };

const UNKNOWN_ID = '0190a0b0-0000-7000-8000-000000000000';
const sha256 = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');

let key: string;
let otherKey: string;
let seed: AgencySeed;
let run1: string;
let run1Artifacts: RunArtifact[];

const get = (url: string, headers: Record<string, string> = {}, as = key) => p.current.call(as, { method: 'GET', url, headers });

function expectError(res: LightMyRequestResponse, status: number, code: string, says?: RegExp) {
  expect(res.statusCode, res.body).toBe(status);
  const { error } = res.json() as { error: { code: string; message: string } };
  expect(error.code).toBe(code);
  if (says) expect(error.message).toMatch(says);
}

/** Runs the task supervised: it waits for approval after the gates, is approved and completes. */
async function approvedRun(taskId: string): Promise<string> {
  const runId = await startRun(p.current, key, { taskId, mode: 'supervised' });
  const waiting = await waitForRun(p.current, key, runId, (r) => r.status !== 'queued' && r.status !== 'running');
  expect(waiting.status, JSON.stringify(waiting).slice(0, 2000)).toBe('waiting_approval');
  const approved = await command(p.current, key, runId, 'approve');
  expect(approved.statusCode, approved.body).toBe(202);
  const done = await waitForRun(p.current, key, runId, (r) => r.status !== 'waiting_approval' && r.status !== 'running');
  expect(done.status, JSON.stringify(done).slice(0, 2000)).toBe('completed');
  return runId;
}

async function runArtifacts(runId: string): Promise<RunArtifact[]> {
  const res = await get(`/v2/runs/${runId}/artifacts`);
  expect(res.statusCode, res.body).toBe(200);
  const body = res.json() as { runId: string; items: RunArtifact[] };
  expect(body.runId).toBe(runId);
  return [...body.items].sort((a, b) => a.slot.localeCompare(b.slot));
}

beforeAll(async () => {
  const t = await p.current.tenant();
  key = t.key;
  otherKey = (await p.current.tenant()).key;
  seed = await seedAgencyTask(p.current, key, { channels: ['linkedin', 'x'] });
  run1 = await approvedRun(seed.taskId);
  run1Artifacts = await runArtifacts(run1);
});

describe('artifacts of an approved social_post run', () => {
  it('lists one artifact per channel, at version 1, with its lineage', () => {
    expect(run1Artifacts.map((a) => [a.slot, a.kind, a.channel, a.latestVersion])).toEqual([
      ['social_post/linkedin', 'social_post', 'linkedin', 1],
      ['social_post/x', 'social_post', 'x', 1],
    ]);
    for (const a of run1Artifacts) {
      expect(a).toMatchObject({ brandId: seed.brandId, campaignId: seed.campaignId, taskId: seed.taskId });
      expect(a.version).toMatchObject({
        artifactId: a.id, version: 1, runId: run1, sha256: expect.stringMatching(/^[0-9a-f]{64}$/), size: expect.any(Number),
        contentType: expect.stringMatching(/^text\/markdown/), contentUrl: `/v2/artifacts/${a.id}/content?version=1`,
      });
      const { lineage } = a.version;
      expect(lineage).toMatchObject({
        runId: run1, stageId: `edit-${a.channel}`, template: { id: 'social_post', version: 1 }, offline: true,
        contextHash: expect.stringMatching(/^sha256:[0-9a-f]{64}$/), contextSnapshotId: expect.any(String),
      });
      expect(lineage.providers.map((pr) => pr.provider)).toContain('offline');
      expect(lineage.tools).toContain('llm.complete@1.0.0');
      expect(lineage.sources.map((s) => s.stageId)).toEqual(expect.arrayContaining(['strategy', 'research', 'audience', `copy-${a.channel}`, `edit-${a.channel}`]));
    }
  });

  it('records the context snapshot and hash the run worked from', async () => {
    const run = (await get(`/v2/runs/${run1}`)).json() as { contextSnapshot: { id: string; hash: string } };
    for (const a of run1Artifacts) expect(a.version.lineage).toMatchObject({ contextSnapshotId: run.contextSnapshot.id, contextHash: run.contextSnapshot.hash });
  });

  it('GET /v2/artifacts/:id answers the artifact, /versions its versions with lineage', async () => {
    for (const a of run1Artifacts) {
      const { version, ...artifact } = a;
      const one = await get(`/v2/artifacts/${a.id}`);
      expect(one.statusCode, one.body).toBe(200);
      expect(one.json()).toEqual(artifact);
      const versions = await get(`/v2/artifacts/${a.id}/versions`);
      expect(versions.statusCode, versions.body).toBe(200);
      expect(versions.json()).toEqual({ artifactId: a.id, items: [version] });
    }
  });

  it('downloads the content: Markdown with the disclaimer, the ETag is its SHA-256, as an attachment', async () => {
    for (const a of run1Artifacts) {
      const res = await get(`/v2/artifacts/${a.id}/content`);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/markdown/);
      expect(res.body).toContain(seed.disclaimer);
      expect(res.body).toContain('[offline draft]');
      expect(res.body).toMatch(new RegExp(`^# .*\\(${a.channel}\\)`));
      expect(res.headers.etag).toBe(`"${a.version.sha256}"`);
      expect(sha256(res.rawPayload)).toBe(a.version.sha256);
      expect(Number(res.headers['content-length'])).toBe(a.version.size);
      expect(res.rawPayload.length).toBe(a.version.size);
      expect(res.headers['content-disposition']).toBe(`attachment; filename="social_post_${a.channel}-v1.md"`);
      expect(res.headers['x-artifact-version']).toBe('1');

      const explicit = await get(`/v2/artifacts/${a.id}/content?version=1`);
      expect(explicit.statusCode).toBe(200);
      expect(explicit.body).toBe(res.body);
    }
  });

  it('answers 304 without a body to If-None-Match with the ETag, 200 to another one', async () => {
    const a = run1Artifacts[0]!;
    const etag = `"${a.version.sha256}"`;
    const cached = await get(`/v2/artifacts/${a.id}/content`, { 'if-none-match': etag });
    expect(cached.statusCode).toBe(304);
    expect(cached.body).toBe('');
    expect(cached.headers.etag).toBe(etag);
    const stale = await get(`/v2/artifacts/${a.id}/content`, { 'if-none-match': `"${'0'.repeat(64)}"` });
    expect(stale.statusCode).toBe(200);
    expect(sha256(stale.rawPayload)).toBe(a.version.sha256);
  });

  it('refuses a version that does not exist (404) or is not a positive integer (400)', async () => {
    const a = run1Artifacts[0]!;
    expectError(await get(`/v2/artifacts/${a.id}/content?version=2`), 404, 'NOT_FOUND', /was not found/);
    for (const bad of ['abc', '0', '-1', '1.5']) {
      expectError(await get(`/v2/artifacts/${a.id}/content?version=${bad}`), 400, 'VALIDATION_FAILED', /version/);
    }
    expectError(await get(`/v2/artifacts/${a.id}/content?v=1`), 400, 'VALIDATION_FAILED', /\bv\b/);
  });

  it("answers 404 for unknown ids and for another tenant's artifacts and runs, 400 for malformed ids", async () => {
    const a = run1Artifacts[0]!;
    for (const url of [`/v2/artifacts/${UNKNOWN_ID}`, `/v2/artifacts/${UNKNOWN_ID}/versions`, `/v2/artifacts/${UNKNOWN_ID}/content`, `/v2/runs/${UNKNOWN_ID}/artifacts`, `/v2/runs/${UNKNOWN_ID}/outputs`]) {
      expectError(await get(url), 404, 'NOT_FOUND', /was not found/);
    }
    for (const url of [`/v2/artifacts/${a.id}`, `/v2/artifacts/${a.id}/versions`, `/v2/artifacts/${a.id}/content`, `/v2/artifacts/${a.id}/content?version=1`, `/v2/runs/${run1}/artifacts`, `/v2/runs/${run1}/outputs`]) {
      const res = await get(url, {}, otherKey);
      expectError(res, 404, 'NOT_FOUND');
      expect(res.body).not.toContain(seed.disclaimer);
    }
    expectError(await get(`/v2/artifacts/${a.id}/content`, { 'if-none-match': `"${a.version.sha256}"` }, otherKey), 404, 'NOT_FOUND');
    expectError(await get('/v2/artifacts/not-an-id'), 400, 'VALIDATION_FAILED', /params\.id/);
    expectError(await get('/v2/runs/not-an-id/artifacts'), 400, 'VALIDATION_FAILED', /params\.id/);
  });

  it('shows the run outputs: the drafts and the $review gate report, passed', async () => {
    const res = await get(`/v2/runs/${run1}/outputs`);
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json() as { runId: string; items: Array<{ stageId: string; kind: string; round: number; output: Record<string, unknown> }> };
    expect(body.runId).toBe(run1);
    const byStage = new Map(body.items.map((i) => [i.stageId, i]));
    expect([...byStage.keys()]).toEqual(expect.arrayContaining(['strategy', 'research', 'audience', 'copy-linkedin', 'edit-linkedin', 'copy-x', 'edit-x', '$review']));
    expect([...byStage.keys()].some((s) => /-(instagram|facebook|tiktok|social)$/.test(s))).toBe(false);
    for (const ch of ['linkedin', 'x']) {
      expect(byStage.get(`edit-${ch}`)).toMatchObject({ kind: 'agent.editor', output: { channel: ch, deliverable: true, offline: true, content: expect.stringContaining(seed.disclaimer) } });
    }
    const review = byStage.get('$review')!;
    expect(review).toMatchObject({ kind: 'review.gates', output: { passed: true, threshold: expect.any(Number) } });
    const drafts = (review.output as { drafts: Array<{ stageId: string; channel: string; passed: boolean; score: number; issues: Array<{ severity: string }> }> }).drafts;
    expect(drafts.map((d) => [d.stageId, d.channel, d.passed]).sort()).toEqual([['edit-linkedin', 'linkedin', true], ['edit-x', 'x', true]]);
    for (const d of drafts) expect(d.issues.filter((i) => i.severity === 'error')).toEqual([]);
  });
});

describe('a second approved run of the task', () => {
  let run2: string;
  let run2Artifacts: RunArtifact[];

  beforeAll(async () => {
    run2 = await approvedRun(seed.taskId);
    run2Artifacts = await runArtifacts(run2);
  });

  it('makes version 2 of each artifact (same artifacts, lineage of the second run)', () => {
    expect(run2Artifacts.map((a) => [a.id, a.slot, a.latestVersion, a.version.version, a.version.runId, a.version.lineage.runId])).toEqual(
      run1Artifacts.map((a) => [a.id, a.slot, 2, 2, run2, run2]),
    );
  });

  it("lists versions newest first; the first run's artifacts still show version 1", async () => {
    for (const [i, a] of run2Artifacts.entries()) {
      const versions = (await get(`/v2/artifacts/${a.id}/versions`)).json() as { items: Version[] };
      expect(versions.items.map((v) => [v.version, v.runId])).toEqual([[2, run2], [1, run1]]);
      expect(versions.items[1]).toEqual(run1Artifacts[i]!.version);
    }
    const again = await runArtifacts(run1);
    expect(again.map((a) => [a.slot, a.version.version, a.version.runId, a.latestVersion])).toEqual([
      ['social_post/linkedin', 1, run1, 2], ['social_post/x', 1, run1, 2],
    ]);
  });

  it('downloads the latest version by default and any version on request', async () => {
    for (const [i, a] of run2Artifacts.entries()) {
      const latest = await get(`/v2/artifacts/${a.id}/content`);
      expect(latest.headers.etag).toBe(`"${a.version.sha256}"`);
      expect(latest.headers['x-artifact-version']).toBe('2');
      expect(latest.headers['content-disposition']).toBe(`attachment; filename="social_post_${a.channel}-v2.md"`);
      expect(sha256(latest.rawPayload)).toBe(a.version.sha256);
      const first = await get(`/v2/artifacts/${a.id}/content?version=1`);
      expect(first.headers.etag).toBe(`"${run1Artifacts[i]!.version.sha256}"`);
      expect(first.headers['x-artifact-version']).toBe('1');
      expect(sha256(first.rawPayload)).toBe(run1Artifacts[i]!.version.sha256);
      expectError(await get(`/v2/artifacts/${a.id}/content?version=3`), 404, 'NOT_FOUND');
    }
  });
});
