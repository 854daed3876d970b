import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi, type TestTenant } from '../../helpers/test-api.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/test-db.js';

let db: TestDatabase;
let api: TestApi;
let t: TestTenant;

beforeAll(async () => {
  db = await createTestDatabase();
  api = await createTestApi(db.orm);
  t = await api.tenant();
});
afterAll(async () => {
  await api?.app.close();
  await db?.close();
});

describe('server-side failures', () => {
  it('a 5xx carries the catalog code and the request id, never internals; readyz reports the database down', async () => {
    // Take the database away under the running API.
    await db.orm.close();
    const res = await api.call(t.adminKey, { method: 'GET', url: '/v2/brands', headers: { 'x-request-id': 'boom-1' } });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual({
      error: { code: 'INTERNAL', message: 'internal error; quote request id boom-1 to the operators', requestId: 'boom-1' },
    });
    expect(res.body).not.toMatch(/pool|knex|select|stack|at /i);
    const logged = api.logLines.find((l) => l.reqId === 'boom-1' && l.msg === 'request failed');
    expect(logged?.err).toBeDefined();

    const ready = await api.app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json().error.code).toBe('SERVICE_UNAVAILABLE');
    expect((await api.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });
});
