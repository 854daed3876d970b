import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../../src/observability/logger.js';
import type { Orm } from '../../../src/persistence/orm.js';
import { deleteBrand } from '../../../src/persistence/repositories/brand.repository.js';
import { createScope } from '../../../src/persistence/scope.js';
import { tenantsWithRetentionWork } from '../../../src/rag/retention/knowledge-retention.js';
import { RetentionSweep } from '../../../src/rag/retention/retention-sweep.js';
import { issueRoleKey, seedAgencyTask, type AgencySeed } from '../../helpers/agency-seed.js';
import { LEARNING_SOCIAL_POST, useLearningStack, type LearningStack } from '../../helpers/learning-stack.js';
import { startRun, waitForRun } from '../../helpers/test-engine.js';

/**
 * Deleting a brand and applying retention remove knowledge everywhere it lives: the knowledge_chunk
 * rows, the vectors in the (embedded) vector store and the learning records; stats follow.
 */
const s = useLearningStack();
const DAY = 86_400_000;

const count = async (orm: Orm, table: 'knowledge_chunk' | 'learning' | 'knowledge_policy', tenantId: string, brandId: string) =>
  Number((await orm.em.fork().getConnection().execute<Array<{ n: string }>>(`select count(*)::text as n from ${table} where tenant_id = ? and brand_id = ?`, [tenantId, brandId]))[0]?.n);

/** Every vector id of a brand in the store, positives and negatives. */
async function vectorCount(st: LearningStack, tenantId: string, brandId: string): Promise<number> {
  const probe = new Float32Array(st.vectors.dimension).fill(1 / Math.sqrt(st.vectors.dimension));
  const q = { tenantId, brandId, vector: probe, k: 1000 };
  return (await st.vectors.search(q)).length + (await st.vectors.search({ ...q, filter: { negative: true } })).length;
}

/** A brand whose approved autopilot run has learned (chunks, vectors and learnings exist). */
async function learnedBrand(key: string): Promise<AgencySeed> {
  const p = s.current.platform;
  const seed = await seedAgencyTask(p, key, { channels: ['linkedin'] });
  const runId = await startRun(p, key, { taskId: seed.taskId, mode: 'autopilot', template: LEARNING_SOCIAL_POST.name });
  await waitForRun(p, key, runId, (r) => r.status === 'completed', 30_000);
  return seed;
}

async function expectKnowledge(tenantId: string, brandId: string, present: boolean) {
  const orm = s.current.db.orm;
  const [chunks, learnings, vectors] = [await count(orm, 'knowledge_chunk', tenantId, brandId), await count(orm, 'learning', tenantId, brandId), await vectorCount(s.current, tenantId, brandId)];
  if (present) {
    expect(chunks).toBeGreaterThan(0);
    expect(learnings).toBeGreaterThan(0);
    expect(vectors).toBe(chunks);
  } else {
    expect({ chunks, learnings, vectors }).toEqual({ chunks: 0, learnings: 0, vectors: 0 });
  }
}

type Stats = { brands: Array<{ brandId: string; chunks: number; sources: Record<string, number>; learnings: { indexed: number; notIndexed: number } }>; vectors: number | null };

async function stats(key: string): Promise<Stats> {
  const res = await s.current.callKnowledge(key, { method: 'GET', url: '/v2/knowledge/stats' });
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as Stats;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('DELETE /v2/brands/:id', () => {
  it('needs admin and If-Match, is 404 for foreign and unknown brands, and changes nothing when refused', async () => {
    const { id: tenantId, key } = await s.current.platform.tenant();
    const seed = await learnedBrand(key);
    const other = await s.current.platform.tenant();
    const operator = await issueRoleKey(s.current.platform, tenantId, 'operator');
    const del = (k: string, id: string, headers: Record<string, string> = { 'if-match': '"1"' }) => s.current.callKnowledge(k, { method: 'DELETE', url: `/v2/brands/${id}`, headers });
    expect((await del(operator, seed.brandId)).statusCode).toBe(403);
    expect((await del(key, seed.brandId, {})).statusCode).toBe(428);
    expect((await del(key, seed.brandId, { 'if-match': '"2"' })).statusCode).toBe(409);
    expect((await del(other.key, seed.brandId)).statusCode).toBe(404);
    expect((await del(key, '0190a0b0-0000-7000-8000-000000000000')).statusCode).toBe(404);
    await expectKnowledge(tenantId, seed.brandId, true);
    expect((await s.current.callKnowledge(key, { method: 'GET', url: `/v2/brands/${seed.brandId}` })).statusCode).toBe(200);
  });

  it('removes the brand from the API, refuses new work under it, and purges its chunks, vectors, learnings and policy', async () => {
    const p = s.current.platform;
    const { id: tenantId, key } = await p.tenant();
    const gone = await learnedBrand(key);
    const kept = await learnedBrand(key);
    expect((await s.current.callKnowledge(key, { method: 'PUT', url: `/v2/brands/${gone.brandId}/knowledge-policy`, payload: { retentionDays: 10 } })).statusCode).toBe(201);
    await expectKnowledge(tenantId, gone.brandId, true);
    const statsBefore = await stats(key);
    expect(statsBefore.brands.map((b) => b.brandId).sort()).toEqual([gone.brandId, kept.brandId].sort());
    const goneBefore = statsBefore.brands.find((b) => b.brandId === gone.brandId);
    expect(goneBefore?.sources.artifact).toBeGreaterThan(0);
    expect(goneBefore?.sources.brand_rules).toBeGreaterThan(0);

    const res = await s.current.callKnowledge(key, { method: 'DELETE', url: `/v2/brands/${gone.brandId}`, headers: { 'if-match': '"1"' } });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json() as { brandId: string; version: number; knowledge: { chunks: number; vectors: number; learnings: number; policy: boolean } };
    expect(body).toMatchObject({ brandId: gone.brandId, version: 1, knowledge: { policy: true } });
    expect(body.knowledge.chunks).toBeGreaterThan(0);
    expect(body.knowledge.vectors).toBe(body.knowledge.chunks);
    expect(body.knowledge.learnings).toBeGreaterThan(0);

    await expectKnowledge(tenantId, gone.brandId, false);
    expect(await count(s.current.db.orm, 'knowledge_policy', tenantId, gone.brandId)).toBe(0);
    await expectKnowledge(tenantId, kept.brandId, true);
    const statsAfter = await stats(key);
    expect(statsAfter.brands.map((b) => b.brandId)).toEqual([kept.brandId]);
    expect(statsAfter.vectors).toBe(Number(statsBefore.vectors) - body.knowledge.vectors);

    // Gone from reads and lists; work under it is refused with a clear error.
    expect((await p.call(key, { method: 'GET', url: `/v2/brands/${gone.brandId}` })).statusCode).toBe(404);
    expect((await p.call(key, { method: 'GET', url: `/v2/brands/${gone.brandId}/versions` })).statusCode).toBe(404);
    expect((await p.call(key, { method: 'PATCH', url: `/v2/brands/${gone.brandId}`, headers: { 'if-match': '"1"' }, payload: { voice: { tone: 'x' } } })).statusCode).toBe(404);
    const list = (await p.call(key, { method: 'GET', url: '/v2/brands?limit=100' })).json() as { items: Array<{ id: string }> };
    expect(list.items.map((b) => b.id)).toEqual([kept.brandId]);
    const campaign = await p.call(key, { method: 'POST', url: '/v2/campaigns', payload: { brandId: gone.brandId, name: 'After' } });
    expect(campaign.statusCode).toBe(410);
    expect(campaign.json()).toMatchObject({ error: { code: 'BRAND_DELETED' } });
    const run = await p.call(key, { method: 'POST', url: '/v2/runs', payload: { taskId: gone.taskId, mode: 'autopilot' }, headers: { 'idempotency-key': 'after-delete' } });
    expect(run.statusCode).toBe(410);
    expect((run.json() as { error: { message: string } }).error.message).toMatch(/was deleted/);
    expect((await p.call(key, { method: 'POST', url: '/v2/tasks', payload: { campaignId: gone.campaignId, name: 'x', deliverableType: 'email' } })).statusCode).toBe(410);
    expect((await s.current.callKnowledge(key, { method: 'DELETE', url: `/v2/brands/${gone.brandId}`, headers: { 'if-match': '"1"' } })).statusCode).toBe(404);

    const audit = (await p.call(key, { method: 'GET', url: `/v2/audit?targetId=${gone.brandId}&limit=20` })).json() as { items: Array<{ action: string; details: Record<string, unknown> }> };
    expect(audit.items.map((a) => a.action).slice(0, 2)).toEqual(['brand.knowledge_purge', 'brand.delete']);
    expect(audit.items[0]?.details).toMatchObject({ chunks: body.knowledge.chunks, vectors: body.knowledge.vectors });
  });
});

describe('retention', () => {
  it('POST /v2/knowledge/retention/apply removes what is older than the retention in force per brand, rows and vectors', async () => {
    const { id: tenantId, key } = await s.current.platform.tenant();
    const shortLived = await learnedBrand(key);
    const longLived = await learnedBrand(key);
    const forever = await s.current.platform.tenant();
    const foreverBrand = await learnedBrand(forever.key);
    expect((await s.current.callKnowledge(key, { method: 'PUT', url: '/v2/knowledge/policy', payload: { retentionDays: 30 } })).statusCode).toBe(201);
    expect((await s.current.callKnowledge(key, { method: 'PUT', url: `/v2/brands/${longLived.brandId}/knowledge-policy`, payload: { retentionDays: 365 } })).statusCode).toBe(201);
    const viewer = await issueRoleKey(s.current.platform, tenantId, 'viewer');
    expect((await s.current.callKnowledge(viewer, { method: 'POST', url: '/v2/knowledge/retention/apply' })).statusCode).toBe(403);

    // Nothing is old yet: nothing goes, and the request is still audited.
    const now = await s.current.callKnowledge(key, { method: 'POST', url: '/v2/knowledge/retention/apply' });
    expect(now.statusCode, now.body).toBe(200);
    expect(now.json()).toMatchObject({ tenantId, totals: { chunks: 0, vectors: 0, learnings: 0 } });
    await expectKnowledge(tenantId, shortLived.brandId, true);

    // 60 days later: the tenant's 30 days apply to one brand, the other keeps a year.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 60 * DAY);
    const later = await s.current.callKnowledge(key, { method: 'POST', url: '/v2/knowledge/retention/apply' });
    vi.useRealTimers();
    expect(later.statusCode, later.body).toBe(200);
    const result = later.json() as { totals: { chunks: number; vectors: number; learnings: number }; brands: Array<{ brandId: string; retentionDays: number; chunks: number; vectors: number }> };
    const short = result.brands.find((b) => b.brandId === shortLived.brandId);
    expect(short).toMatchObject({ retentionDays: 30 });
    expect(short?.chunks).toBeGreaterThan(0);
    expect(short?.vectors).toBe(short?.chunks);
    expect(result.brands.find((b) => b.brandId === longLived.brandId)).toMatchObject({ retentionDays: 365, chunks: 0, vectors: 0 });
    await expectKnowledge(tenantId, shortLived.brandId, false);
    await expectKnowledge(tenantId, longLived.brandId, true);
    await expectKnowledge(forever.id, foreverBrand.brandId, true);
    const after = await stats(key);
    expect(after.brands.map((b) => b.brandId)).toEqual([longLived.brandId]);
    expect(after.vectors).toBe(await vectorCount(s.current, tenantId, longLived.brandId));

    const audit = (await s.current.callKnowledge(key, { method: 'GET', url: '/v2/audit?action=knowledge.retention_apply&limit=10' })).json() as { items: Array<{ details: Record<string, unknown> }> };
    expect(audit.items.length).toBe(2);
    expect(audit.items[0]?.details).toMatchObject({ totals: result.totals });
  });

  it('the periodic sweep applies every tenant retention and purges what a deleted brand left behind', async () => {
    const { id: tenantId, key } = await s.current.platform.tenant();
    const aged = await learnedBrand(key);
    const orphaned = await learnedBrand(key);
    expect((await s.current.callKnowledge(key, { method: 'PUT', url: '/v2/knowledge/policy', payload: { retentionDays: 7 } })).statusCode).toBe(201);
    // A brand deletion whose purge never ran (the process died after the commit).
    await deleteBrand(createScope(s.current.db.orm, tenantId, { type: 'system', id: null, role: 'admin' }), orphaned.brandId, 1);
    expect(await count(s.current.db.orm, 'knowledge_chunk', tenantId, orphaned.brandId)).toBeGreaterThan(0);
    expect(await vectorCount(s.current, tenantId, orphaned.brandId)).toBeGreaterThan(0);

    const sweep = new RetentionSweep({ orm: s.current.db.orm, purger: s.current.indexer, logger: createLogger({ level: 'silent' }) });
    const results = await sweep.sweep(new Date(Date.now() + 8 * DAY));
    const mine = results.find((r) => r.tenantId === tenantId);
    expect(mine?.brands.find((b) => b.brandId === orphaned.brandId)).toMatchObject({ deletedBrand: true });
    expect(mine?.brands.find((b) => b.brandId === aged.brandId)).toMatchObject({ deletedBrand: false, retentionDays: 7 });
    await expectKnowledge(tenantId, aged.brandId, false);
    await expectKnowledge(tenantId, orphaned.brandId, false);
    // A second sweep finds nothing left to do for this tenant.
    const again = (await sweep.sweep(new Date(Date.now() + 8 * DAY))).find((r) => r.tenantId === tenantId);
    expect(again?.totals ?? { chunks: 0, vectors: 0, learnings: 0 }).toEqual({ chunks: 0, vectors: 0, learnings: 0 });
    await sweep.stop();
  });

  it('finds a tenant without any retention policy when a deleted brand left knowledge behind, and not before', async () => {
    const { id: tenantId, key } = await s.current.platform.tenant();
    const brand = await learnedBrand(key);
    expect(await tenantsWithRetentionWork(s.current.db.orm)).not.toContain(tenantId);
    await deleteBrand(createScope(s.current.db.orm, tenantId, { type: 'system', id: null, role: 'admin' }), brand.brandId, 1);
    expect(await tenantsWithRetentionWork(s.current.db.orm)).toContain(tenantId);
  });

  it('runs on an unref\'d timer that stop() cancels', async () => {
    const sweep = new RetentionSweep({ orm: s.current.db.orm, purger: s.current.indexer, logger: createLogger({ level: 'silent' }), firstDelayMs: 10, intervalMs: 20 });
    const spy = vi.spyOn(sweep, 'sweep');
    sweep.start();
    await new Promise((r) => setTimeout(r, 150));
    await sweep.stop();
    const calls = spy.mock.calls.length;
    expect(calls).toBeGreaterThanOrEqual(2);
    await new Promise((r) => setTimeout(r, 80));
    expect(spy.mock.calls.length).toBe(calls);
  });
});
