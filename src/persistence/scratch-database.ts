import pg from 'pg';

/**
 * Creates a uniquely named database on a Postgres server (tests, benchmarks, migration authoring),
 * optionally as a copy of a template database, and returns its URL and a function that drops it.
 */
export async function createScratchDatabase(
  adminUrl: string,
  opts: { prefix: string; template?: string },
): Promise<{ name: string; url: string; drop: () => Promise<void> }> {
  const name = `${opts.prefix}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`.toLowerCase();
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"${opts.template ? ` TEMPLATE "${opts.template}"` : ''}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}
