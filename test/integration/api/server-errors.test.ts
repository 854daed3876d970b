import { describe, expect, it } from 'vitest';
import { useApiSuite } from '../../helpers/test-api.js';

const suite = useApiSuite();

describe('server-side failures', () => {
  it('a 5xx carries the catalog code and the request id, never internals; readyz reports the database down', async () => {
    // Take the database away under the running API.
    await suite.db.orm.close();
    const res = await suite.api.call(suite.tenant.adminKey, { method: 'GET', url: '/v2/brands', headers: { 'x-request-id': 'boom-1' } });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual({
      error: { code: 'INTERNAL', message: 'internal error; quote request id boom-1 to the operators', requestId: 'boom-1' },
    });
    expect(res.body).not.toMatch(/pool|knex|select|stack|at /i);
    const logged = suite.api.logLines.find((l) => l.reqId === 'boom-1' && l.msg === 'request failed');
    expect(logged?.err).toBeDefined();

    const ready = await suite.api.app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json().error.code).toBe('SERVICE_UNAVAILABLE');
    expect((await suite.api.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });
});
