import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CATALOG } from '../../../src/domain/errors.js';
import { brandBody, createTestApi, type TestApi, type TestTenant } from '../../helpers/test-api.js';
import { createTestDatabase, rowCounts, type TestDatabase } from '../../helpers/test-db.js';

let db: TestDatabase;
let api: TestApi;
let t: TestTenant;
let brandId: string;
let campaignId: string;

beforeAll(async () => {
  db = await createTestDatabase();
  api = await createTestApi(db.orm);
  t = await api.tenant();
  brandId = (await api.call(t.adminKey, { method: 'POST', url: '/v2/brands', payload: brandBody() })).json().id;
  campaignId = (await api.call(t.adminKey, { method: 'POST', url: '/v2/campaigns', payload: { brandId, name: 'C' } })).json().id;
});
afterAll(async () => {
  await api?.app.close();
  await db?.close();
});

interface Case {
  name: string;
  key?: string | null;
  method: 'GET' | 'POST' | 'PATCH';
  url: () => string;
  /** The body; a function when it needs ids made in beforeAll. */
  payload?: unknown;
  headers?: Record<string, string>;
  status: number;
  code: keyof typeof ERROR_CATALOG;
  /** A fragment the message must contain, so it says what to fix. */
  says: string;
}

const long = 'x'.repeat(201);
const cases: Case[] = [
  { name: 'unknown top-level field', method: 'POST', url: () => '/v2/brands', payload: { ...brandBody(), colour: 'red' }, status: 400, code: 'VALIDATION_FAILED', says: 'colour' },
  { name: 'unknown nested field', method: 'POST', url: () => '/v2/brands', payload: brandBody('A', { voice: { tone: 'x', volume: 11 } }), status: 400, code: 'VALIDATION_FAILED', says: 'volume' },
  { name: 'wrong type', method: 'POST', url: () => '/v2/brands', payload: brandBody('A', { locale: 42 }), status: 400, code: 'VALIDATION_FAILED', says: 'body.locale' },
  { name: 'over-long string', method: 'POST', url: () => '/v2/brands', payload: { identity: { name: long } }, status: 400, code: 'VALIDATION_FAILED', says: 'body.identity.name' },
  { name: 'missing required field', method: 'POST', url: () => '/v2/tasks', payload: () => ({ campaignId, name: 'T' }), status: 400, code: 'VALIDATION_FAILED', says: 'deliverableType' },
  { name: 'bad enum value', method: 'POST', url: () => '/v2/tasks', payload: () => ({ campaignId, name: 'T', deliverableType: 'poem' }), status: 400, code: 'VALIDATION_FAILED', says: 'deliverableType' },
  { name: 'timeline ends before it starts', method: 'POST', url: () => '/v2/campaigns', payload: () => ({ brandId, name: 'C', timeline: { start: '2026-05-01', end: '2026-04-01' } }), status: 400, code: 'VALIDATION_FAILED', says: 'timeline' },
  { name: 'too many items in a list', method: 'POST', url: () => '/v2/campaigns', payload: () => ({ brandId, name: 'C', channels: Array.from({ length: 21 }, (_, i) => `c${i}`) }), status: 400, code: 'VALIDATION_FAILED', says: 'channels' },
  { name: 'malformed id in path', method: 'GET', url: () => '/v2/brands/not-a-uuid', status: 400, code: 'VALIDATION_FAILED', says: 'params.id' },
  { name: 'malformed id in body', method: 'POST', url: () => '/v2/campaigns', payload: { brandId: '123', name: 'C' }, status: 400, code: 'VALIDATION_FAILED', says: 'brandId' },
  { name: 'malformed cursor', method: 'GET', url: () => '/v2/brands?cursor=zzz', status: 400, code: 'VALIDATION_FAILED', says: 'cursor' },
  { name: 'limit out of range', method: 'GET', url: () => '/v2/brands?limit=1000', status: 400, code: 'VALIDATION_FAILED', says: 'limit' },
  { name: 'unknown query parameter', method: 'GET', url: () => '/v2/brands?color=red', status: 400, code: 'VALIDATION_FAILED', says: 'color' },
  { name: 'malformed JSON', method: 'POST', url: () => '/v2/brands', payload: '{"identity": ', headers: { 'content-type': 'application/json' }, status: 400, code: 'MALFORMED_JSON', says: 'JSON' },
  { name: 'not JSON', method: 'POST', url: () => '/v2/brands', payload: 'name=x', headers: { 'content-type': 'application/x-www-form-urlencoded' }, status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', says: 'application/x-www-form-urlencoded' },
  { name: 'body over 1 MiB', method: 'POST', url: () => '/v2/brands', payload: { identity: { name: 'A' }, voice: { sampleCopy: 'x'.repeat(1024 * 1024) } }, status: 413, code: 'PAYLOAD_TOO_LARGE', says: 'too large' },
  { name: 'missing key', key: null, method: 'GET', url: () => '/v2/brands', status: 401, code: 'UNAUTHENTICATED', says: 'Authorization: Bearer' },
  { name: 'wrong key', key: 'vmp_00000000_notarealkeynotarealkeynotarealkeynotarealke', method: 'GET', url: () => '/v2/brands', status: 401, code: 'UNAUTHENTICATED', says: 'unknown or revoked' },
  { name: 'not a bearer header', method: 'GET', url: () => '/v2/brands', headers: { authorization: 'Basic abc' }, status: 401, code: 'UNAUTHENTICATED', says: 'Bearer' },
  { name: 'unknown id', method: 'GET', url: () => '/v2/brands/0190a0b0-0000-7000-8000-000000000000', status: 404, code: 'NOT_FOUND', says: 'was not found' },
  { name: 'override of a locked field', method: 'POST', url: () => '/v2/campaigns', payload: () => ({ brandId, name: 'C', overrides: { positioning: 'x' } }), status: 422, code: 'UNKNOWN_FIELD', says: 'positioning' },
  { name: 'override with a wrong value type', method: 'POST', url: () => '/v2/campaigns', payload: () => ({ brandId, name: 'C', overrides: { 'voice.tone': 7 } }), status: 400, code: 'VALIDATION_FAILED', says: 'overrides.voice.tone' },
  { name: 'policy naming an identity field', method: 'PATCH', url: () => `/v2/brands/${brandId}`, headers: { 'if-match': '"1"' }, payload: { overridePolicy: { campaign: ['identity.name'], task: [] } }, status: 422, code: 'INVALID_OVERRIDE_POLICY', says: 'identity.name' },
  { name: 'PATCH on an old version', method: 'PATCH', url: () => `/v2/brands/${brandId}`, headers: { 'if-match': '"7"' }, payload: { locale: 'fr' }, status: 409, code: 'VERSION_CONFLICT', says: 'version 1' },
  { name: 'PATCH that tries to move a campaign', method: 'PATCH', url: () => `/v2/campaigns/${campaignId}`, headers: { 'if-match': '"1"' }, payload: () => ({ brandId }), status: 400, code: 'VALIDATION_FAILED', says: 'brandId' },
  { name: 'unknown route', method: 'GET', url: () => '/v2/brandz', status: 404, code: 'ROUTE_NOT_FOUND', says: '/v2/brandz' },
  { name: 'invalid API key role', method: 'POST', url: () => '/v2/api-keys', payload: { name: 'k', role: 'root' }, status: 400, code: 'VALIDATION_FAILED', says: 'role' },
];

describe('bad input gets a clear 4xx and writes nothing', () => {
  it.each(cases)('$name -> $status $code', async (c) => {
    const before = await rowCounts(db.orm);
    const res = await api.call(c.key === undefined ? t.adminKey : c.key, {
      method: c.method, url: c.url(),
      ...(c.payload === undefined ? {} : { payload: (typeof c.payload === 'function' ? c.payload() : c.payload) as string }),
      ...(c.headers ? { headers: c.headers } : {}),
    });
    expect(res.statusCode).toBe(c.status);
    const body = res.json();
    expect(body.error.code).toBe(c.code);
    expect(ERROR_CATALOG[body.error.code as keyof typeof ERROR_CATALOG].httpStatus).toBe(c.status);
    expect(body.error.message).toContain(c.says);
    expect(body.error.requestId).toBe(res.headers['x-request-id']);
    expect(await rowCounts(db.orm)).toEqual(before);
  });

  it('a validation error lists every problem with its path', async () => {
    const res = await api.call(t.adminKey, { method: 'POST', url: '/v2/brands', payload: { identity: { name: '' }, locale: 'english', extra: 1 } });
    const paths = (res.json().error.details.issues as Array<{ path: string }>).map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['body.identity.name', 'body.locale']));
  });
});

describe('empty bodies', () => {
  it('a POST with a JSON content type and no body is accepted where no body is needed', async () => {
    const task = (await api.call(t.adminKey, { method: 'POST', url: '/v2/tasks', payload: { campaignId, name: 'T', deliverableType: 'email' } })).json();
    const res = await api.call(t.adminKey, { method: 'POST', url: `/v2/tasks/${task.id}/context-snapshots`, headers: { 'content-type': 'application/json' }, payload: '' });
    expect(res.statusCode).toBe(201);
  });

  it('and refused with a clear message where a body is needed', async () => {
    const res = await api.call(t.adminKey, { method: 'POST', url: '/v2/brands', headers: { 'content-type': 'application/json' }, payload: '' });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(res.json().error.message).toContain('body');
  });
});
