import { describe, expect, it } from 'vitest';
import { brandBody, useApiSuite } from '../../helpers/test-api.js';

const suite = useApiSuite();

const post = (url: string, payload: unknown, key = suite.tenant.adminKey) => suite.api.call(key, { method: 'POST', url, payload: payload as object });
const get = (url: string, key = suite.tenant.adminKey) => suite.api.call(key, { method: 'GET', url });
const patch = (url: string, payload: unknown, version: number | string, key = suite.tenant.adminKey) =>
  suite.api.call(key, { method: 'PATCH', url, payload: payload as object, headers: { 'if-match': `"${version}"` } });

async function createChain() {
  const brand = (await post('/v2/brands', brandBody())).json();
  const campaign = (await post('/v2/campaigns', {
    brandId: brand.id, name: 'Spring launch', objectives: ['Grow signups'], channels: ['instagram', 'email'],
    segments: [{ name: 'Makers' }], overrides: { 'voice.tone': 'playful' },
  })).json();
  const task = (await post('/v2/tasks', {
    campaignId: campaign.id, name: 'Launch post', deliverableType: 'social_post',
    specs: { lengthWords: { max: 80 } }, overrides: { channels: ['instagram'] },
  })).json();
  return { brand, campaign, task };
}

describe('brands, campaigns and tasks', () => {
  it('creates a brand at version 1 with defaults filled and an ETag', async () => {
    const res = await post('/v2/brands', brandBody('Globex'));
    expect(res.statusCode).toBe(201);
    expect(res.headers.etag).toBe('"1"');
    const brand = res.json();
    expect(res.headers.location).toBe(`/v2/brands/${brand.id}`);
    expect(brand).toMatchObject({ version: 1, identity: { name: 'Globex' }, overridePolicy: { campaign: ['voice.tone', 'positioning.audience'] } });
    expect(brand.hash).toMatch(/^sha256:/);
    const again = await get(`/v2/brands/${brand.id}`);
    expect(again.json()).toEqual(brand);
  });

  it('PATCH appends a version; history lists every version and each stays retrievable', async () => {
    const brand = (await post('/v2/brands', brandBody('Initech'))).json();
    const v2 = await patch(`/v2/brands/${brand.id}`, { voice: { tone: 'bold' }, locale: null }, 1);
    expect(v2.statusCode).toBe(200);
    expect(v2.headers.etag).toBe('"2"');
    expect(v2.json()).toMatchObject({ version: 2, voice: { tone: 'bold', personality: ['friendly'] } });
    expect(v2.json().locale).toBeUndefined();
    const v3 = await patch(`/v2/brands/${brand.id}`, { positioning: { category: 'tools' } }, 2);
    expect(v3.json().version).toBe(3);

    const history = (await get(`/v2/brands/${brand.id}/versions`)).json();
    expect(history.items.map((v: { version: number }) => v.version)).toEqual([3, 2, 1]);
    const first = (await get(`/v2/brands/${brand.id}/versions/1`)).json();
    expect(first).toMatchObject({ version: 1, voice: { tone: 'warm' }, locale: 'en' });
    const missing = await get(`/v2/brands/${brand.id}/versions/9`);
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe('NOT_FOUND');
  });

  it('pages through versions with the cursor', async () => {
    const brand = (await post('/v2/brands', brandBody('Paged'))).json();
    for (let v = 1; v <= 4; v++) await patch(`/v2/brands/${brand.id}`, { voice: { tone: `tone ${v}` } }, v);
    const p1 = (await get(`/v2/brands/${brand.id}/versions?limit=2`)).json();
    expect(p1.items.map((v: { version: number }) => v.version)).toEqual([5, 4]);
    const p2 = (await get(`/v2/brands/${brand.id}/versions?limit=2&cursor=${p1.nextCursor}`)).json();
    expect(p2.items.map((v: { version: number }) => v.version)).toEqual([3, 2]);
    const p3 = (await get(`/v2/brands/${brand.id}/versions?limit=2&cursor=${p2.nextCursor}`)).json();
    expect(p3).toMatchObject({ items: [{ version: 1 }], nextCursor: null });
  });

  it('a PATCH based on an old version is refused with 409 and writes nothing', async () => {
    const brand = (await post('/v2/brands', brandBody('Stale'))).json();
    await patch(`/v2/brands/${brand.id}`, { voice: { tone: 'a' } }, 1);
    const stale = await patch(`/v2/brands/${brand.id}`, { voice: { tone: 'b' } }, 1);
    expect(stale.statusCode).toBe(409);
    expect(stale.json().error).toMatchObject({ code: 'VERSION_CONFLICT', details: { currentVersion: 2, expectedVersion: 1 } });
    expect((await get(`/v2/brands/${brand.id}`)).json()).toMatchObject({ version: 2, voice: { tone: 'a' } });
  });

  it('two concurrent PATCHes on the same version: exactly one wins, the other gets 409', async () => {
    const brand = (await post('/v2/brands', brandBody('Race'))).json();
    const results = await Promise.all(['x', 'y', 'z'].map((tone) => patch(`/v2/brands/${brand.id}`, { voice: { tone } }, 1)));
    expect(results.map((r) => r.statusCode).sort()).toEqual([200, 409, 409]);
    const history = (await get(`/v2/brands/${brand.id}/versions`)).json();
    expect(history.items).toHaveLength(2);
  });

  it('PATCH without If-Match is 428; a malformed If-Match is 400', async () => {
    const brand = (await post('/v2/brands', brandBody('NoMatch'))).json();
    const none = await suite.api.call(suite.tenant.adminKey, { method: 'PATCH', url: `/v2/brands/${brand.id}`, payload: { locale: 'fr' } });
    expect(none.statusCode).toBe(428);
    expect(none.json().error.code).toBe('PRECONDITION_REQUIRED');
    const bad = await patch(`/v2/brands/${brand.id}`, { locale: 'fr' }, 'latest');
    expect(bad.statusCode).toBe(400);
  });

  it('brand identity is immutable once set: setting the logo first time works, changing the name is 422', async () => {
    const brand = (await post('/v2/brands', brandBody('Ident'))).json();
    const logo = await patch(`/v2/brands/${brand.id}`, { identity: { logo: { url: 'https://cdn.example.com/logo.svg' } } }, 1);
    expect(logo.statusCode).toBe(200);
    const rename = await patch(`/v2/brands/${brand.id}`, { identity: { name: 'Other' } }, 2);
    expect(rename.statusCode).toBe(422);
    expect(rename.json().error).toMatchObject({ code: 'IDENTITY_IMMUTABLE', details: { field: 'identity.name' } });
    const dropPalette = await patch(`/v2/brands/${brand.id}`, { identity: { palette: null } }, 2);
    expect(dropPalette.json().error).toMatchObject({ code: 'IDENTITY_IMMUTABLE', details: { field: 'identity.palette' } });
  });

  it('an override of a field the brand locks is refused with 422 naming the field and the locking level', async () => {
    const brand = (await post('/v2/brands', brandBody('Locky'))).json();
    const res = await post('/v2/campaigns', { brandId: brand.id, name: 'C', overrides: { 'rules.bannedTerms': [] } });
    expect(res.statusCode).toBe(422);
    expect(res.json().error).toMatchObject({
      code: 'FIELD_LOCKED',
      details: { field: 'rules.bannedTerms', lockedBy: { level: 'brand', id: brand.id, version: 1 } },
    });
    expect(res.json().error.message).toContain('rules.bannedTerms');
    const identity = await post('/v2/campaigns', { brandId: brand.id, name: 'C', overrides: { 'identity.name': 'X' } });
    expect(identity.json().error).toMatchObject({ code: 'FIELD_LOCKED', details: { lockedBy: { level: 'brand', reason: 'identity' } } });
  });

  it('a task override locked by its campaign is refused naming the campaign', async () => {
    const brand = (await post('/v2/brands', brandBody('CampLock'))).json();
    const campaign = (await post('/v2/campaigns', { brandId: brand.id, name: 'C', channels: ['email'], lockedFields: ['channels'] })).json();
    const res = await post('/v2/tasks', { campaignId: campaign.id, name: 'T', deliverableType: 'email', overrides: { channels: ['sms'] } });
    expect(res.statusCode).toBe(422);
    expect(res.json().error.details).toMatchObject({ field: 'channels', lockedBy: { level: 'campaign', id: campaign.id } });
  });

  it('resolves a task context with inheritance, provenance of every field and a stable hash', async () => {
    const { brand, campaign, task } = await createChain();
    const res = await get(`/v2/tasks/${task.id}/context`);
    expect(res.statusCode).toBe(200);
    const ctx = res.json();
    expect(ctx.refs).toEqual({ brandId: brand.id, campaignId: campaign.id, taskId: task.id });
    expect(ctx.versions).toEqual({ brand: 1, campaign: 1, task: 1 });
    expect(ctx.context).toMatchObject({
      identity: { name: 'Acme' },
      voice: { tone: 'playful', personality: ['friendly'] },
      channels: ['instagram'],
      objectives: ['Grow signups'],
      deliverableType: 'social_post',
    });
    expect(ctx.provenance['voice.tone']).toEqual({ level: 'campaign', id: campaign.id, version: 1, overrode: { level: 'brand', id: brand.id, version: 1 } });
    expect(ctx.provenance['voice.personality']).toEqual({ level: 'brand', id: brand.id, version: 1 });
    expect(ctx.provenance.channels).toMatchObject({ level: 'task', id: task.id, overrode: { level: 'campaign' } });
    expect(ctx.conflicts).toEqual([]);
    expect((await get(`/v2/tasks/${task.id}/context`)).json().hash).toBe(ctx.hash);
  });

  it('a brand policy change later reports the now-locked override as a conflict and the brand value wins', async () => {
    const { brand, task } = await createChain();
    const res = await patch(`/v2/brands/${brand.id}`, { overridePolicy: { campaign: [], task: ['channels'] } }, 1);
    expect(res.statusCode).toBe(200);
    const ctx = (await get(`/v2/tasks/${task.id}/context`)).json();
    expect(ctx.context.voice.tone).toBe('warm');
    expect(ctx.conflicts).toEqual([expect.objectContaining({ level: 'campaign', field: 'voice.tone', code: 'FIELD_LOCKED' })]);
  });

  it('snapshots are immutable and deduplicated by content hash', async () => {
    const { task } = await createChain();
    const first = await post(`/v2/tasks/${task.id}/context-snapshots`, undefined);
    expect(first.statusCode).toBe(201);
    const again = await post(`/v2/tasks/${task.id}/context-snapshots`, undefined);
    expect(again.statusCode).toBe(200);
    expect(again.json().id).toBe(first.json().id);
    await patch(`/v2/tasks/${task.id}`, { specs: { callToAction: 'Sign up' } }, 1);
    const changed = await post(`/v2/tasks/${task.id}/context-snapshots`, undefined);
    expect(changed.statusCode).toBe(201);
    expect(changed.json().hash).not.toBe(first.json().hash);
    const stored = (await get(`/v2/context-snapshots/${first.json().id}`)).json();
    expect(stored).toMatchObject({ id: first.json().id, hash: first.json().hash, versions: { task: 1 } });
  });

  it('task dependencies must exist and must not form a cycle', async () => {
    const { campaign } = await createChain();
    const a = (await post('/v2/tasks', { campaignId: campaign.id, name: 'A', deliverableType: 'article' })).json();
    const b = (await post('/v2/tasks', { campaignId: campaign.id, name: 'B', deliverableType: 'email', dependsOn: [a.id] })).json();
    const unknown = await post('/v2/tasks', { campaignId: campaign.id, name: 'C', deliverableType: 'ad', dependsOn: ['0190a0b0-0000-7000-8000-000000000000'] });
    expect(unknown.statusCode).toBe(422);
    expect(unknown.json().error.code).toBe('INVALID_REFERENCE');
    const cycle = await patch(`/v2/tasks/${a.id}`, { dependsOn: [b.id] }, 1);
    expect(cycle.statusCode).toBe(422);
    expect(cycle.json().error).toMatchObject({ code: 'DEPENDENCY_CYCLE', details: { cycle: [a.id, b.id, a.id] } });
  });

  it('lists paginate with limit and cursor and filter by parent', async () => {
    const brand = (await post('/v2/brands', brandBody('Lister'))).json();
    for (const name of ['c1', 'c2', 'c3']) await post('/v2/campaigns', { brandId: brand.id, name });
    const p1 = (await get(`/v2/campaigns?brandId=${brand.id}&limit=2`)).json();
    expect(p1.items.map((c: { name: string }) => c.name)).toEqual(['c1', 'c2']);
    const p2 = (await get(`/v2/campaigns?brandId=${brand.id}&limit=2&cursor=${p1.nextCursor}`)).json();
    expect(p2).toMatchObject({ items: [{ name: 'c3' }], nextCursor: null });
  });

  it('projects group brands; an unknown project is 404', async () => {
    const project = await post('/v2/projects', { name: 'Retail' });
    expect(project.statusCode).toBe(201);
    const brand = (await post('/v2/brands', { ...brandBody('InProject'), projectId: project.json().id })).json();
    expect(brand.projectId).toBe(project.json().id);
    const listed = (await get(`/v2/brands?projectId=${project.json().id}`)).json();
    expect(listed.items.map((b: { id: string }) => b.id)).toEqual([brand.id]);
    const dup = await post('/v2/projects', { name: 'Retail' });
    expect(dup.statusCode).toBe(409);
    const missing = await post('/v2/brands', { ...brandBody('X'), projectId: '0190a0b0-0000-7000-8000-000000000000' });
    expect(missing.statusCode).toBe(404);
  });
});
