import type { LightMyRequestResponse } from 'fastify';
import { beforeAll, describe, expect, it } from 'vitest';
import { brandBody, useApiSuite } from '../../helpers/test-api.js';

/**
 * The knowledge policy API: the tenant's minimum quality score and retention (GET/PUT
 * /v2/knowledge/policy) and a brand's override (GET/PUT/DELETE /v2/brands/:id/knowledge-policy):
 * admin-only changes, audited, versioned with ETag/If-Match; bad input is refused with a 4xx and
 * changes nothing.
 */
const suite = useApiSuite();

type Json = Record<string, unknown>;
type Policy = { scope: string; brandId: string | null; minQualityScore: number | null; retentionDays: number | null; version: number; effective: Json };

let admin: string;
let operator: string;
let viewer: string;
let brandId: string;
let otherBrandId: string;
let otherAdmin: string;

const call = (key: string, method: 'GET' | 'PUT' | 'DELETE', url: string, payload?: unknown, headers: Record<string, string> = {}) =>
  suite.api.call(key, { method, url, headers, ...(payload === undefined ? {} : { payload: payload as Json }) });

function expectError(res: LightMyRequestResponse, status: number, code: string, says?: RegExp) {
  expect(res.statusCode, res.body).toBe(status);
  const { error } = res.json() as { error: { code: string; message: string } };
  expect(error.code).toBe(code);
  if (says) expect(error.message).toMatch(says);
}

async function audits(action: string): Promise<Array<{ targetId: string; version: number | null; details: Json }>> {
  const res = await call(admin, 'GET', `/v2/audit?limit=100&action=${action}`);
  return (res.json() as { items: Array<{ targetId: string; version: number | null; details: Json }> }).items;
}

async function createBrand(key: string, name: string): Promise<string> {
  const created = await suite.api.call(key, { method: 'POST', url: '/v2/brands', payload: brandBody(name) });
  expect(created.statusCode, created.body).toBe(201);
  return (created.json() as { id: string }).id;
}

beforeAll(async () => {
  admin = suite.tenant.adminKey;
  operator = await suite.tenant.key('operator');
  viewer = await suite.tenant.key('viewer');
  brandId = await createBrand(admin, 'Policy Brand');
  const other = await suite.api.tenant();
  otherAdmin = other.adminKey;
  otherBrandId = await createBrand(otherAdmin, 'Foreign Brand');
});

describe("the tenant's knowledge policy", () => {
  it('starts unset: version 0, the platform default threshold, knowledge kept forever', async () => {
    const res = await call(viewer, 'GET', '/v2/knowledge/policy');
    expect(res.statusCode).toBe(200);
    expect(res.headers.etag).toBeUndefined();
    expect(res.json()).toMatchObject({
      scope: 'tenant', brandId: null, minQualityScore: null, retentionDays: null, version: 0, updatedAt: null,
      effective: { minQualityScore: 0.7, minQualityScoreFrom: 'default', retentionDays: null, retentionDaysFrom: 'default' },
    });
  });

  it('refuses bad input with 400 naming the field, and non-admins with 403, changing nothing', async () => {
    const bad: Array<[unknown, RegExp]> = [
      [{ minQualityScore: 1.5 }, /at most 1/],
      [{ minQualityScore: -0.1 }, /at least 0/],
      [{ minQualityScore: '0.8' }, /minQualityScore/],
      [{ retentionDays: 0 }, /at least 1/],
      [{ retentionDays: 3651 }, /at most 3650/],
      [{ retentionDays: 2.5 }, /whole number/],
      [{ minQualityScore: 0.8, keepForever: true }, /keepForever|unrecognized|Unrecognized/],
    ];
    for (const [payload, says] of bad) {
      const res = await call(admin, 'PUT', '/v2/knowledge/policy', payload);
      expectError(res, 400, 'VALIDATION_FAILED');
      expect(JSON.stringify(res.json()), JSON.stringify(payload)).toMatch(says);
    }
    expectError(await call(operator, 'PUT', '/v2/knowledge/policy', { minQualityScore: 0.8 }), 403, 'FORBIDDEN');
    expectError(await call(viewer, 'PUT', '/v2/knowledge/policy', { minQualityScore: 0.8 }), 403, 'FORBIDDEN');
    expect((await call(viewer, 'GET', '/v2/knowledge/policy')).json()).toMatchObject({ version: 0, minQualityScore: null });
    expect(await audits('knowledge_policy.set')).toEqual([]);
  });

  it('is set by an admin (201, audited), then changed only with the current version in If-Match', async () => {
    const created = await call(admin, 'PUT', '/v2/knowledge/policy', { minQualityScore: 0.8, retentionDays: 90 });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.headers.etag).toBe('"1"');
    expect(created.json()).toMatchObject({ minQualityScore: 0.8, retentionDays: 90, version: 1, effective: { minQualityScore: 0.8, minQualityScoreFrom: 'tenant', retentionDays: 90, retentionDaysFrom: 'tenant' } });

    expectError(await call(admin, 'PUT', '/v2/knowledge/policy', { minQualityScore: 0.9 }), 428, 'PRECONDITION_REQUIRED', /If-Match: "1"/);
    expectError(await call(admin, 'PUT', '/v2/knowledge/policy', { minQualityScore: 0.9 }, { 'if-match': '"7"' }), 409, 'VERSION_CONFLICT', /version 1, not 7/);
    expectError(await call(admin, 'PUT', '/v2/knowledge/policy', { minQualityScore: 0.9 }, { 'if-match': 'latest' }), 400, 'VALIDATION_FAILED');

    const changed = await call(admin, 'PUT', '/v2/knowledge/policy', { minQualityScore: 0.9 }, { 'if-match': '"1"' });
    expect(changed.statusCode, changed.body).toBe(200);
    // PUT replaces: the omitted retention is no longer set.
    expect(changed.json()).toMatchObject({ minQualityScore: 0.9, retentionDays: null, version: 2, effective: { retentionDaysFrom: 'default' } });

    const same = await call(admin, 'PUT', '/v2/knowledge/policy', { minQualityScore: 0.9, retentionDays: null }, { 'if-match': '"2"' });
    expect(same.statusCode).toBe(200);
    expect((same.json() as Policy).version).toBe(2);

    const events = await audits('knowledge_policy.set');
    expect(events.map((e) => e.version)).toEqual([2, 1]);
    expect(events[0]?.details).toMatchObject({ scope: 'tenant', before: { minQualityScore: 0.8, retentionDays: 90, version: 1 }, after: { minQualityScore: 0.9, retentionDays: null, version: 2 } });
  });

  it("is another tenant's own business", async () => {
    const res = await call(otherAdmin, 'GET', '/v2/knowledge/policy');
    expect(res.json()).toMatchObject({ version: 0, minQualityScore: null });
  });
});

describe("a brand's override", () => {
  it('overrides the tenant field by field, is removed with If-Match, and then the tenant policy applies again', async () => {
    const url = `/v2/brands/${brandId}/knowledge-policy`;
    expect((await call(viewer, 'GET', url)).json()).toMatchObject({ scope: 'brand', brandId, version: 0, effective: { minQualityScore: 0.9, minQualityScoreFrom: 'tenant' } });

    const set = await call(admin, 'PUT', url, { retentionDays: 30 });
    expect(set.statusCode, set.body).toBe(201);
    expect(set.headers.etag).toBe('"1"');
    expect(set.json()).toMatchObject({
      minQualityScore: null, retentionDays: 30, version: 1,
      effective: { minQualityScore: 0.9, minQualityScoreFrom: 'tenant', retentionDays: 30, retentionDaysFrom: 'brand' },
    });
    const set2 = await call(admin, 'PUT', url, { minQualityScore: 0.5, retentionDays: 30 }, { 'if-match': '"1"' });
    expect(set2.json()).toMatchObject({ version: 2, effective: { minQualityScore: 0.5, minQualityScoreFrom: 'brand' } });
    // The tenant's own policy is untouched.
    expect((await call(viewer, 'GET', '/v2/knowledge/policy')).json()).toMatchObject({ minQualityScore: 0.9, version: 2 });

    expectError(await call(operator, 'DELETE', url, undefined, { 'if-match': '"2"' }), 403, 'FORBIDDEN');
    expectError(await call(admin, 'DELETE', url), 428, 'PRECONDITION_REQUIRED');
    expectError(await call(admin, 'DELETE', url, undefined, { 'if-match': '"1"' }), 409, 'VERSION_CONFLICT');
    const removed = await call(admin, 'DELETE', url, undefined, { 'if-match': '"2"' });
    expect(removed.statusCode, removed.body).toBe(204);
    expect((await call(viewer, 'GET', url)).json()).toMatchObject({ version: 0, effective: { minQualityScore: 0.9, minQualityScoreFrom: 'tenant', retentionDaysFrom: 'default' } });
    expectError(await call(admin, 'DELETE', url, undefined, { 'if-match': '"2"' }), 404, 'NOT_FOUND', /no knowledge policy of its own/);

    const deletes = await audits('knowledge_policy.delete');
    expect(deletes.length).toBe(1);
    expect(deletes[0]?.details).toMatchObject({ scope: 'brand', brandId });
  });

  it('is 404 for a foreign or unknown brand and 400 for a malformed id, writing nothing', async () => {
    const before = (await audits('knowledge_policy.set')).length;
    for (const id of [otherBrandId, '0190a0b0-0000-7000-8000-000000000000']) {
      expectError(await call(admin, 'GET', `/v2/brands/${id}/knowledge-policy`), 404, 'NOT_FOUND');
      expectError(await call(admin, 'PUT', `/v2/brands/${id}/knowledge-policy`, { minQualityScore: 0.5 }), 404, 'NOT_FOUND');
      expectError(await call(admin, 'DELETE', `/v2/brands/${id}/knowledge-policy`, undefined, { 'if-match': '"1"' }), 404, 'NOT_FOUND');
    }
    expectError(await call(admin, 'PUT', '/v2/brands/not-a-uuid/knowledge-policy', { minQualityScore: 0.5 }), 400, 'VALIDATION_FAILED');
    expectError(await call(admin, 'PUT', `/v2/brands/${brandId}/knowledge-policy`, { minQualityScore: 2 }), 400, 'VALIDATION_FAILED');
    expect((await audits('knowledge_policy.set')).length).toBe(before);
    const foreign = await call(otherAdmin, 'GET', `/v2/brands/${otherBrandId}/knowledge-policy`);
    expect(foreign.json()).toMatchObject({ version: 0 });
  });
});
