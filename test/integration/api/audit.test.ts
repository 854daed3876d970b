import { describe, expect, it } from 'vitest';
import { contentHash } from '../../../src/domain/canonical-json.js';
import { brandBody, useApiSuite } from '../../helpers/test-api.js';

const suite = useApiSuite();

type Ev = { action: string; targetType: string; targetId: string; version: number | null; actorType: string; actorId: string | null; beforeHash: string | null; afterHash: string | null; requestId: string | null };

async function audit(query = ''): Promise<{ items: Ev[]; nextCursor: string | null }> {
  const res = await suite.api.call(suite.tenant.adminKey, { method: 'GET', url: `/v2/audit${query}` });
  expect(res.statusCode).toBe(200);
  return res.json();
}

describe('audit trail', () => {
  it('records create and update of brands, campaigns and tasks with actor, version and content hashes', async () => {
    const created = await suite.api.call(suite.tenant.adminKey, { method: 'POST', url: '/v2/brands', payload: brandBody('Audited'), headers: { 'x-request-id': 'req-audit-1' } });
    const brand = created.json();
    const updated = (await suite.api.call(suite.tenant.adminKey, { method: 'PATCH', url: `/v2/brands/${brand.id}`, headers: { 'if-match': '"1"' }, payload: { locale: 'fr' } })).json();
    const campaign = (await suite.api.call(suite.tenant.adminKey, { method: 'POST', url: '/v2/campaigns', payload: { brandId: brand.id, name: 'C' } })).json();
    await suite.api.call(suite.tenant.adminKey, { method: 'PATCH', url: `/v2/campaigns/${campaign.id}`, headers: { 'if-match': '"1"' }, payload: { objectives: ['Reach'] } });
    const task = (await suite.api.call(suite.tenant.adminKey, { method: 'POST', url: '/v2/tasks', payload: { campaignId: campaign.id, name: 'T', deliverableType: 'ad' } })).json();
    await suite.api.call(suite.tenant.adminKey, { method: 'PATCH', url: `/v2/tasks/${task.id}`, headers: { 'if-match': '"1"' }, payload: { name: 'T2' } });

    const brandEvents = (await audit(`?targetType=brand&targetId=${brand.id}`)).items;
    expect(brandEvents.map((e) => e.action)).toEqual(['brand.update', 'override_policy.create', 'brand.create']);
    const create = brandEvents.find((e) => e.action === 'brand.create')!;
    expect(create).toMatchObject({ version: 1, actorType: 'api_key', beforeHash: null, afterHash: brand.hash, requestId: 'req-audit-1' });
    expect(create.actorId).toMatch(/^[0-9a-f-]{36}$/);
    const update = brandEvents.find((e) => e.action === 'brand.update')!;
    expect(update).toMatchObject({ version: 2, beforeHash: brand.hash, afterHash: updated.hash });

    for (const [type, id] of [['campaign', campaign.id], ['task', task.id]] as const) {
      const actions = (await audit(`?targetType=${type}&targetId=${id}`)).items.map((e) => `${e.action}@${e.version}`);
      expect(actions).toEqual([`${type}.update@2`, `${type}.create@1`]);
    }
  });

  it('records an override policy change with before and after', async () => {
    const brand = (await suite.api.call(suite.tenant.adminKey, { method: 'POST', url: '/v2/brands', payload: brandBody('Policy') })).json();
    const policy = { campaign: ['voice.tone'], task: [] };
    await suite.api.call(suite.tenant.adminKey, { method: 'PATCH', url: `/v2/brands/${brand.id}`, headers: { 'if-match': '"1"' }, payload: { overridePolicy: policy } });
    const [event] = (await audit(`?action=override_policy.update&targetId=${brand.id}`)).items;
    expect(event).toMatchObject({ targetType: 'brand', version: 2, afterHash: contentHash(policy), beforeHash: contentHash(brand.overridePolicy) });
  });

  it('records API key creation and revocation, never the key itself', async () => {
    const res = await suite.api.call(suite.tenant.adminKey, { method: 'POST', url: '/v2/api-keys', payload: { name: 'ci', role: 'operator' } });
    const { id, key } = res.json();
    await suite.api.call(suite.tenant.adminKey, { method: 'POST', url: `/v2/api-keys/${id}/revoke` });
    const events = (await audit(`?targetType=api_key&targetId=${id}`)).items;
    expect(events.map((e) => e.action)).toEqual(['api_key.revoke', 'api_key.create']);
    const everything = await suite.api.call(suite.tenant.adminKey, { method: 'GET', url: '/v2/audit?limit=100' });
    expect(everything.body).not.toContain(key);
    const keys = await suite.api.call(suite.tenant.adminKey, { method: 'GET', url: '/v2/api-keys' });
    expect(keys.body).not.toContain(key);
  });

  it('a refused change leaves no audit event', async () => {
    const before = (await audit('?limit=100')).items.length;
    await suite.api.call(suite.tenant.adminKey, { method: 'POST', url: '/v2/brands', payload: { identity: { name: '' } } });
    const brand = (await suite.api.call(suite.tenant.adminKey, { method: 'GET', url: '/v2/brands?limit=1' })).json().items[0];
    await suite.api.call(suite.tenant.adminKey, { method: 'PATCH', url: `/v2/brands/${brand.id}`, headers: { 'if-match': '"99"' }, payload: { locale: 'it' } });
    expect((await audit('?limit=100')).items.length).toBe(before);
  });

  it('a PATCH that changes nothing writes no version and no audit event', async () => {
    const brand = (await suite.api.call(suite.tenant.adminKey, { method: 'POST', url: '/v2/brands', payload: brandBody('Same') })).json();
    const res = await suite.api.call(suite.tenant.adminKey, { method: 'PATCH', url: `/v2/brands/${brand.id}`, headers: { 'if-match': '"1"' }, payload: { locale: 'en' } });
    expect(res.statusCode).toBe(200);
    expect(res.json().version).toBe(1);
    expect((await audit(`?targetId=${brand.id}&action=brand.update`)).items).toEqual([]);
  });

  it('filters by time and pages newest first', async () => {
    const all = (await audit('?limit=100')).items;
    const p1 = await audit('?limit=3');
    const p2 = await audit(`?limit=3&cursor=${p1.nextCursor}`);
    expect([...p1.items, ...p2.items]).toEqual(all.slice(0, 6));
    const future = await audit(`?from=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`);
    expect(future.items).toEqual([]);
    const past = await audit(`?to=${encodeURIComponent('2000-01-01T00:00:00Z')}`);
    expect(past.items).toEqual([]);
  });
});

describe('request logging', () => {
  it('writes one JSON line per request with request id, tenant, route, status and duration', async () => {
    suite.api.logLines.length = 0;
    const res = await suite.api.call(suite.tenant.adminKey, { method: 'GET', url: '/v2/brands?limit=1', headers: { 'x-request-id': 'log-check-1' } });
    const lines = suite.api.logLines.filter((l) => l.msg === 'request');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ reqId: 'log-check-1', tenantId: suite.tenant.id, method: 'GET', route: '/v2/brands', status: res.statusCode });
    expect(typeof lines[0]?.durationMs).toBe('number');
    expect(JSON.stringify(suite.api.logLines)).not.toContain(suite.tenant.adminKey);
  });
});
