import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { createOrm, migrate } from '../../src/persistence/orm.js';
import { createScratchDatabase } from '../../src/persistence/scratch-database.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** URL of the Postgres server's maintenance database (used to create and drop test databases). */
    pgAdminUrl: string;
    /** A database migrated once for this run; each test file clones it. */
    pgTemplate: string;
  }
}

/** Test databases older than this are leftovers of killed runs and are dropped. */
const STALE_MS = 6 * 60 * 60 * 1000;

async function dropStaleDatabases(adminUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ datname: string }>("select datname from pg_database where datname ~ '^vmp_(test|tpl)_'");
    for (const { datname } of rows) {
      const stamp = parseInt(datname.split('_')[2] ?? '', 36);
      if (Number.isFinite(stamp) && Date.now() - stamp > STALE_MS) await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    }
  } finally {
    await client.end();
  }
}

/**
 * Integration-test setup: checks Postgres is reachable (with a message saying what to do if not),
 * migrates one template database for the whole run and provides its name to the test files.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const adminUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  try {
    const probe = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5000 });
    await probe.connect();
    await probe.end();
  } catch (err) {
    throw new Error(
      `Integration tests need Postgres at ${adminUrl} (set TEST_DATABASE_URL to use another server): ${(err as Error).message}`,
      { cause: err },
    );
  }
  await dropStaleDatabases(adminUrl);
  const template = await createScratchDatabase(adminUrl, { prefix: 'vmp_tpl' });
  const orm = await createOrm({ target: { kind: 'postgres', url: template.url, poolMax: 2 } });
  try {
    await migrate(orm);
  } finally {
    await orm.close();
  }
  project.provide('pgAdminUrl', adminUrl);
  project.provide('pgTemplate', template.name);
  return async () => {
    await template.drop();
  };
}
