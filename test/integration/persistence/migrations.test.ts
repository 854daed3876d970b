import { readdirSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../../migrations/index.js';
import { createOrm, migrate, pendingMigrations, type Orm } from '../../../src/persistence/orm.js';
import { createEmptyDatabase } from '../../helpers/test-db.js';

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function freshOrm(): Promise<Orm> {
  const db = await createEmptyDatabase();
  const orm = await createOrm({ target: { kind: 'postgres', url: db.url, poolMax: 2 } });
  cleanups.push(async () => {
    await orm.close();
    await db.drop();
  });
  return orm;
}

describe('migrations on real Postgres', () => {
  it('apply to an empty database, in order, and a second run applies nothing', async () => {
    const orm = await freshOrm();
    expect(await pendingMigrations(orm)).toEqual(MIGRATIONS.map((m) => m.name));
    expect(await migrate(orm)).toEqual(MIGRATIONS.map((m) => m.name));
    expect(await migrate(orm)).toEqual([]);
  });

  it('produce exactly the schema the entities describe (no drift)', async () => {
    const orm = await freshOrm();
    await migrate(orm);
    const diff = await orm.getSchemaGenerator().getUpdateSchemaSQL({ wrap: false });
    expect(diff.trim()).toBe('');
  });

  it('every migration file is listed in migrations/index.ts', () => {
    const files = readdirSync(new URL('../../../migrations/', import.meta.url)).filter((f) => /^Migration\d+\.ts$/.test(f));
    const listed = MIGRATIONS.map((m) => (m.class as { name: string }).name);
    expect(files.map((f) => f.replace(/\.ts$/, '')).sort()).toEqual([...listed].sort());
  });
});
