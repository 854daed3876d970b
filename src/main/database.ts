import { join, resolve } from 'node:path';
import type { Config } from '../config/env.js';
import type { Logger } from '../observability/logger.js';
import { lockDataDir } from '../persistence/data-dir-lock.js';
import { createOrm, migrate, pendingMigrations, type Orm } from '../persistence/orm.js';

/** The opened database and how to close it (releasing the embedded lock). */
export interface Database {
  orm: Orm;
  embedded: boolean;
  close: () => Promise<void>;
}

/**
 * Opens the database the configuration names. Embedded (no DATABASE_URL): PGlite under
 * `$DATA_DIR/pg`, locked to this process, pending migrations applied. Postgres: migrations applied
 * only when `migrate` is true (MIGRATE_ON_START, or the migrate command); otherwise pending
 * migrations stop start-up with a message saying how to apply them.
 */
export async function openDatabase(config: Config, logger: Logger, opts: { migrate: boolean }): Promise<Database> {
  if (!config.DATABASE_URL) {
    const dir = resolve(join(config.DATA_DIR, 'pg'));
    const release = lockDataDir(dir);
    try {
      const orm = await createOrm({ target: { kind: 'embedded', dataDir: dir } });
      const applied = await migrate(orm);
      if (applied.length > 0) logger.info({ applied, dir }, 'embedded database: migrations applied');
      return { orm, embedded: true, close: async () => { await orm.close(); release(); } };
    } catch (err) {
      release();
      throw err;
    }
  }
  const orm = await createOrm({ target: { kind: 'postgres', url: config.DATABASE_URL, poolMax: config.DATABASE_POOL_MAX } });
  if (opts.migrate) {
    const applied = await migrate(orm);
    logger.info({ applied }, applied.length > 0 ? 'migrations applied' : 'database schema is current');
  } else {
    const pending = await pendingMigrations(orm);
    if (pending.length > 0) {
      await orm.close();
      throw new Error(`The database has ${pending.length} pending migration(s): ${pending.join(', ')}. Run "npm run db:migrate" or start with MIGRATE_ON_START=true.`);
    }
  }
  return { orm, embedded: false, close: () => orm.close() };
}
