import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Orm } from '../persistence/orm.js';
import { issueApiKey } from '../persistence/repositories/api-key.repository.js';
import { countTenants, createTenant } from '../persistence/repositories/tenant.repository.js';
import { createScope } from '../persistence/scope.js';

const SYSTEM = { type: 'system', id: null, role: 'admin' } as const;

/**
 * First embedded start: when there is no tenant yet, create tenant `demo` and an admin key, write
 * the key to `<dataDir>/demo-admin.key` (mode 0600) and return it so the caller prints it once.
 * Returns null when a tenant already exists.
 */
export async function ensureDemoTenant(orm: Orm, dataDir: string): Promise<{ key: string; file: string; tenantId: string } | null> {
  if ((await countTenants(orm.em.fork())) > 0) return null;
  const { tenant } = await createTenant(orm.em.fork(), 'demo', SYSTEM);
  const { key } = await issueApiKey(createScope(orm, tenant.id, SYSTEM), { role: 'admin', name: 'demo admin (first start)' });
  const file = join(dataDir, 'demo-admin.key');
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  return { key, file, tenantId: tenant.id };
}
