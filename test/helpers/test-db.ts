import { inject } from 'vitest';
import { createOrm, type Orm } from '../../src/persistence/orm.js';
import { createScratchDatabase } from '../../src/persistence/scratch-database.js';

/** A migrated database of its own for one test file, and how to get rid of it. */
export interface TestDatabase {
  orm: Orm;
  url: string;
  name: string;
  close: () => Promise<void>;
}

/** Clones the run's migrated template into a new database and connects the ORM to it. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const db = await createScratchDatabase(inject('pgAdminUrl'), { prefix: 'vmp_test', template: inject('pgTemplate') });
  const orm = await createOrm({ target: { kind: 'postgres', url: db.url, poolMax: 5 } });
  return {
    orm, url: db.url, name: db.name,
    close: async () => {
      await orm.close();
      await db.drop();
    },
  };
}

/** Creates an empty (unmigrated) database, for migration tests. */
export async function createEmptyDatabase() {
  return createScratchDatabase(inject('pgAdminUrl'), { prefix: 'vmp_test' });
}

/** The tables whose row counts prove that a refused request wrote nothing. */
export const ALL_TABLES = [
  'tenant', 'project', 'api_key', 'brand', 'brand_version', 'campaign', 'campaign_version', 'task', 'task_version',
  'context_snapshot', 'audit_event', 'workflow_run', 'stage_run', 'stage_result', 'run_event', 'run_outbox', 'command_record',
] as const;

/** Row counts of every table, to compare before and after a request. */
export async function rowCounts(orm: Orm): Promise<Record<string, number>> {
  const conn = orm.em.fork().getConnection();
  const out: Record<string, number> = {};
  for (const table of ALL_TABLES) {
    const rows = await conn.execute<{ n: string }[]>(`select count(*)::text as n from "${table}"`);
    out[table] = Number(rows[0]?.n ?? -1);
  }
  return out;
}
