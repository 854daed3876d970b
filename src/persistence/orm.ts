import { PGlite } from '@electric-sql/pglite';
import { Migrator } from '@mikro-orm/migrations';
import { MikroORM, type Options } from '@mikro-orm/core';
import { PostgreSqlDriver, type SqlEntityManager } from '@mikro-orm/postgresql';
import { PGliteDriver } from 'mikro-orm-pglite';
import { MIGRATIONS } from '../../migrations/index.js';
import { ENTITIES } from './entities/index.js';

/** Where the database lives. */
export type DatabaseTarget =
  /** A Postgres server (production, tests). */
  | { kind: 'postgres'; url: string; poolMax?: number }
  /** Embedded Postgres (PGlite) in `dataDir`, or in memory when `dataDir` is undefined. */
  | { kind: 'embedded'; dataDir?: string };

/** The ORM type used across the platform: MikroORM on the Postgres driver (PGlite extends it). */
export type Orm = MikroORM<PostgreSqlDriver, SqlEntityManager<PostgreSqlDriver>>;

/** The entity manager type used across the platform. */
export type Em = SqlEntityManager<PostgreSqlDriver>;

/** Options of {@link createOrm}. */
export interface OrmOptions {
  target: DatabaseTarget;
  /** Log every SQL statement through this function (debugging). */
  debugLog?: (message: string) => void;
}

function baseOptions(opts: OrmOptions): Options<PostgreSqlDriver, Em> {
  return {
    entities: ENTITIES,
    discovery: { disableDynamicFileAccess: true, requireEntitiesArray: true },
    extensions: [Migrator],
    migrations: {
      migrationsList: MIGRATIONS,
      path: 'migrations',
      pathTs: 'migrations',
      emit: 'ts',
      transactional: true,
      allOrNothing: true,
      snapshot: false,
      silent: true,
    },
    forceUtcTimezone: true,
    // Every unit of work must run on a fork (per request, per job): no shared global identity map.
    allowGlobalContext: false,
    debug: opts.debugLog !== undefined,
    ...(opts.debugLog ? { logger: opts.debugLog } : {}),
  };
}

/**
 * Connects the ORM to Postgres or to embedded Postgres. The same entities and the same migrations
 * serve both; PGlite is single-connection, so its pool is one connection and transactions queue.
 */
export async function createOrm(opts: OrmOptions): Promise<Orm> {
  const { target } = opts;
  if (target.kind === 'postgres') {
    return MikroORM.init<PostgreSqlDriver, SqlEntityManager<PostgreSqlDriver>>({
      ...baseOptions(opts),
      driver: PostgreSqlDriver,
      clientUrl: target.url,
      pool: { min: 0, max: target.poolMax ?? 10 },
    });
  }
  const pglite = new PGlite(target.dataDir === undefined ? {} : { dataDir: target.dataDir });
  await pglite.waitReady;
  const orm = await MikroORM.init({
    ...baseOptions(opts),
    driver: PGliteDriver,
    dbName: 'postgres',
    driverOptions: { connection: { pglite: () => pglite } },
  });
  // PGliteDriver is an AbstractSqlDriver on the Postgres platform: same SQL, same entity manager API;
  // only its connection class differs, so it is used through the Postgres driver's type.
  return orm as unknown as Orm;
}

/** Applies pending migrations; returns the names applied (empty when the schema is current). */
export async function migrate(orm: Orm): Promise<string[]> {
  const applied = await orm.getMigrator().up();
  return applied.map((m) => m.name);
}

/** Names of migrations not yet applied. */
export async function pendingMigrations(orm: Orm): Promise<string[]> {
  return (await orm.getMigrator().getPendingMigrations()).map((m) => m.name);
}
