/**
 * Writes a new migration into migrations/ with the SQL that brings a database migrated to the
 * current list up to the entity definitions. Runs against a scratch database on the Postgres server
 * of TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres), dropped afterwards.
 * Then list the new class in migrations/index.ts. Usage: npm run db:migration:create [-- --initial]
 */
import { createOrm, migrate } from '../src/persistence/orm.js';
import { createScratchDatabase } from '../src/persistence/scratch-database.js';

const adminUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const db = await createScratchDatabase(adminUrl, { prefix: 'vmp_migration_create' });
const orm = await createOrm({ target: { kind: 'postgres', url: db.url } });
try {
  await migrate(orm);
  const result = await orm.getMigrator().createMigration('migrations', false, process.argv.includes('--initial'));
  if (!result.fileName) console.log('No schema changes: nothing to write.');
  else console.log(`Wrote migrations/${result.fileName}\nNow add it to migrations/index.ts.\n\n${result.diff.up.join('\n')}`);
} finally {
  await orm.close();
  await db.drop();
}
