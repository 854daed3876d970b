/**
 * Operator command line. Works on the same database as the server (DATABASE_URL, or the embedded
 * one under DATA_DIR while the server is stopped).
 *
 *   npm run cli -- tenant create <name>                          create a tenant, print its admin key
 *   npm run cli -- tenant list                                   list tenants
 *   npm run cli -- key create --tenant <id|name> --role <role> [--name <label>]
 *   npm run cli -- db migrate                                    apply pending migrations
 *   npm run cli -- run start|show|approve …                      drive runs through the HTTP API of a running server (cli/run-follow.ts)
 */
import { parseArgs } from 'node:util';
import { mkdirSync } from 'node:fs';
import { ConfigError, loadConfig } from '../config/env.js';
import { isPlatformError } from '../domain/errors.js';
import { ROLES, isRole } from '../domain/roles.js';
import { createLogger } from '../observability/logger.js';
import { DataDirLockedError } from '../persistence/data-dir-lock.js';
import { issueApiKey } from '../persistence/repositories/api-key.repository.js';
import { createTenant, findTenant, listTenants } from '../persistence/repositories/tenant.repository.js';
import { createScope } from '../persistence/scope.js';
import { openDatabase, type Database } from './database.js';
import { RUN_USAGE, runCommand } from './cli/run-follow.js';

const CLI_ACTOR = { type: 'cli', id: null, role: 'admin' } as const;

const USAGE = `Usage: npm run cli -- <command>

  tenant create <name>                                   create a tenant (lower-case name) and print its admin API key
  tenant list                                            list tenants
  key create --tenant <id|name> --role <role> [--name <label>]
                                                         issue an API key; roles: ${ROLES.join(', ')}
  db migrate                                             apply pending database migrations
${RUN_USAGE}`;

class UsageError extends Error {}

async function run(argv: string[], out: (line: string) => void): Promise<void> {
  if (argv[0] === 'run') {
    process.exitCode = await runCommand(argv.slice(1));
    return;
  }
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { tenant: { type: 'string' }, role: { type: 'string' }, name: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  const [group, action, ...rest] = positionals;
  if (values.help || !group) throw new UsageError('');
  const command = `${group} ${action ?? ''}`.trim();
  const known = ['tenant create', 'tenant list', 'key create', 'db migrate'];
  if (!known.includes(command)) throw new UsageError(`unknown command "${command}"`);

  const config = loadConfig();
  const logger = createLogger({ level: 'warn' });
  mkdirSync(config.DATA_DIR, { recursive: true });
  const db: Database = await openDatabase(config, logger, { migrate: true });
  try {
    const em = () => db.orm.em.fork();
    switch (command) {
      case 'db migrate':
        out('Database schema is current.');
        return;
      case 'tenant list': {
        const tenants = await listTenants(em());
        if (tenants.length === 0) out('No tenants yet: npm run cli -- tenant create <name>');
        for (const t of tenants) out(`${t.id}  ${t.name}  created ${t.createdAt.toISOString()}`);
        return;
      }
      case 'tenant create': {
        const name = rest[0];
        if (!name) throw new UsageError('tenant create needs a name');
        const { tenant } = await createTenant(em(), name, CLI_ACTOR);
        const { key } = await issueApiKey(createScope(db.orm, tenant.id, CLI_ACTOR), { role: 'admin', name: 'admin (cli)' });
        out(`Created tenant ${tenant.name} (${tenant.id}).`);
        out(`Admin API key (shown once, store it now):\n${key}`);
        return;
      }
      case 'key create': {
        if (!values.tenant) throw new UsageError('key create needs --tenant <id|name>');
        if (!values.role || !isRole(values.role)) throw new UsageError(`key create needs --role, one of: ${ROLES.join(', ')}`);
        const tenant = await findTenant(em(), values.tenant);
        if (!tenant) throw new UsageError(`no tenant ${values.tenant} (see: npm run cli -- tenant list)`);
        const { key, record } = await issueApiKey(createScope(db.orm, tenant.id, CLI_ACTOR), {
          role: values.role, name: values.name ?? `${values.role} (cli)`,
        });
        out(`Issued ${record.role} key ${record.prefix}… (${record.id}) for tenant ${tenant.name}.`);
        out(`API key (shown once, store it now):\n${key}`);
        return;
      }
    }
  } finally {
    await db.close();
  }
}

run(process.argv.slice(2), (line) => process.stdout.write(`${line}\n`)).catch((err: unknown) => {
  if (err instanceof UsageError) {
    process.stderr.write(`${err.message ? `${err.message}\n\n` : ''}${USAGE}`);
    process.exit(err.message ? 2 : 0);
  }
  if (err instanceof ConfigError || err instanceof DataDirLockedError || isPlatformError(err)) {
    process.stderr.write(`${err.message}\n`);
  } else {
    process.stderr.write(`Failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  }
  process.exit(1);
});
