import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brandBody, createTestApi, type TestApi } from '../../helpers/test-api.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/test-db.js';

let db: TestDatabase;
let api: TestApi;
let client: pg.Client;
const APPEND_ONLY = ['brand_version', 'campaign_version', 'task_version', 'context_snapshot', 'audit_event'];

beforeAll(async () => {
  db = await createTestDatabase();
  api = await createTestApi(db.orm);
  const t = await api.tenant();
  const call = (url: string, payload?: object) => api.call(t.adminKey, { method: 'POST', url, ...(payload ? { payload } : {}) });
  const brand = (await call('/v2/brands', brandBody())).json();
  const campaign = (await call('/v2/campaigns', { brandId: brand.id, name: 'C' })).json();
  const task = (await call('/v2/tasks', { campaignId: campaign.id, name: 'T', deliverableType: 'email' })).json();
  await call(`/v2/tasks/${task.id}/context-snapshots`);
  // A raw connection, as any client with table privileges would have: the guard must hold anyway.
  client = new pg.Client({ connectionString: db.url });
  await client.connect();
});
afterAll(async () => {
  await client?.end();
  await api?.app.close();
  await db?.close();
});

describe('append-only tables are enforced by the database itself', () => {
  it.each(APPEND_ONLY)('%s refuses UPDATE', async (table) => {
    await expect(client.query(`update "${table}" set created_at = now()`)).rejects.toThrow(`append-only: UPDATE on table ${table}`);
  });

  it.each(APPEND_ONLY)('%s refuses DELETE', async (table) => {
    await expect(client.query(`delete from "${table}"`)).rejects.toThrow(`append-only: DELETE on table ${table}`);
  });

  it.each(APPEND_ONLY)('%s refuses TRUNCATE', async (table) => {
    await expect(client.query(`truncate "${table}" cascade`)).rejects.toThrow('append-only: TRUNCATE');
  });

  it('every table kept its rows', async () => {
    for (const table of APPEND_ONLY) {
      const { rows } = await client.query<{ n: string }>(`select count(*) as n from "${table}"`);
      expect(Number(rows[0]?.n), table).toBeGreaterThan(0);
    }
  });

  it('a retention purge may DELETE inside its own transaction, but may still never UPDATE', async () => {
    await client.query('begin');
    await client.query("set local vmp.retention_purge = 'on'");
    await expect(client.query('update brand_version set hash = hash')).rejects.toThrow('append-only');
    await client.query('rollback');

    await client.query('begin');
    await client.query("set local vmp.retention_purge = 'on'");
    const res = await client.query('delete from audit_event');
    expect(res.rowCount).toBeGreaterThan(0);
    await client.query('rollback');
    // The setting was local to the rolled-back transaction: the guard is back.
    await expect(client.query('delete from audit_event')).rejects.toThrow('append-only');
  });
});
