import pg from 'pg';
import type { Orm } from '../orm.js';

/** Plain SQL with `$1…$n` parameters: the run engine's hot path, below the ORM. */
export interface SqlRunner {
  query<R = Record<string, unknown>>(sql: string, params: unknown[]): Promise<{ rows: R[] }>;
  close(): Promise<void>;
}

/**
 * A runner for the ORM's database. On Postgres it is a small `pg` pool of its own (one round trip
 * per statement, none of the query builder's work); on embedded Postgres it goes through the ORM's
 * single connection (PGlite serves one process and one connection).
 */
export function sqlRunner(orm: Orm, poolMax = 4): SqlRunner {
  const url = orm.config.get('clientUrl');
  if (typeof url === 'string' && url.length > 0) {
    const pool = new pg.Pool({ connectionString: url, max: poolMax });
    return {
      query: async <R>(sql: string, params: unknown[]) => ({ rows: (await pool.query(sql, params)).rows as R[] }),
      close: () => pool.end(),
    };
  }
  const knex = orm.em.getKnex();
  return {
    query: async <R>(sql: string, params: unknown[]) => {
      // knex binds positionally: every `$n` becomes a `?` with its own copy of parameter n.
      const bindings: unknown[] = [];
      const text = sql.replace(/\$(\d+)/g, (_, n: string) => {
        bindings.push(params[Number(n) - 1]);
        return '?';
      });
      const res = await knex.raw(text, bindings as never[]);
      return { rows: ((res as { rows?: R[] }).rows ?? []) as R[] };
    },
    close: async () => {},
  };
}
