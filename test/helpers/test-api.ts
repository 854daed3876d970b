import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { Writable } from 'node:stream';
import { afterAll, beforeAll } from 'vitest';
import { buildApi } from '../../src/api/app.js';
import type { Role } from '../../src/domain/roles.js';
import { createLogger } from '../../src/observability/logger.js';
import type { Orm } from '../../src/persistence/orm.js';
import { issueApiKey } from '../../src/persistence/repositories/api-key.repository.js';
import { createTenant } from '../../src/persistence/repositories/tenant.repository.js';
import { createScope } from '../../src/persistence/scope.js';
import { createTestDatabase, type TestDatabase } from './test-db.js';

const TEST_ACTOR = { type: 'system', id: null, role: 'admin' } as const;

/** A tenant made for a test, with an admin key. */
export interface TestTenant {
  id: string;
  name: string;
  adminKey: string;
  /** Issues another key with the given role. */
  key: (role: Role) => Promise<string>;
}

/** An API on a test database, the log lines it wrote, and helpers to call it. */
export interface TestApi {
  app: FastifyInstance;
  logLines: Record<string, unknown>[];
  tenant: (name?: string) => Promise<TestTenant>;
  /** Calls the API with `Authorization: Bearer <key>`; JSON bodies are sent as JSON. */
  call: (key: string | null, opts: InjectOptions) => Promise<LightMyRequestResponse>;
}

let tenantSeq = 0;

/** Builds the API on `orm`, capturing its JSON log lines. */
export async function createTestApi(orm: Orm): Promise<TestApi> {
  const logLines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) logLines.push(JSON.parse(line) as Record<string, unknown>);
      cb();
    },
  });
  const app = await buildApi({ orm, logger: createLogger({ level: 'info', destination }), version: 'test' });
  await app.ready();
  return {
    app,
    logLines,
    tenant: async (name) => {
      const tenantName = name ?? `t${Date.now().toString(36)}-${++tenantSeq}`;
      const { tenant } = await createTenant(orm.em.fork(), tenantName, TEST_ACTOR);
      const issue = async (role: Role) => (await issueApiKey(createScope(orm, tenant.id, TEST_ACTOR), { role, name: `${role} (test)` })).key;
      return { id: tenant.id, name: tenant.name, adminKey: await issue('admin'), key: issue };
    },
    call: (key, opts) =>
      app.inject({ ...opts, headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(opts.headers ?? {}) } }),
  };
}

/** A minimal valid brand body. */
export function brandBody(name = 'Acme', extra: Record<string, unknown> = {}) {
  return {
    identity: { name, palette: ['#112233'] },
    voice: { tone: 'warm', personality: ['friendly'] },
    positioning: { statement: 'Tools for makers', audience: 'makers' },
    rules: { bannedTerms: ['cheap'], requiredDisclaimers: ['Terms apply.'] },
    locale: 'en',
    ...extra,
  };
}

/** What {@link useApiSuite} gives a test file; read its members inside tests and hooks only. */
export interface ApiSuite {
  readonly db: TestDatabase;
  readonly api: TestApi;
  /** A tenant with an admin key, made for this file. */
  readonly tenant: TestTenant;
}

/**
 * Registers the usual lifecycle of an API test file: a database of its own, the API on it and one
 * tenant before all tests; everything closed after.
 */
export function useApiSuite(): ApiSuite {
  const state: { db?: TestDatabase; api?: TestApi; tenant?: TestTenant } = {};
  beforeAll(async () => {
    state.db = await createTestDatabase();
    state.api = await createTestApi(state.db.orm);
    state.tenant = await state.api.tenant();
  });
  afterAll(async () => {
    await state.api?.app.close();
    await state.db?.close();
  });
  const need = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`useApiSuite: ${what} is only ready inside tests and hooks`);
    return value;
  };
  return {
    get db() { return need(state.db, 'db'); },
    get api() { return need(state.api, 'api'); },
    get tenant() { return need(state.tenant, 'tenant'); },
  };
}
