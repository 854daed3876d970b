import { createHash, randomBytes } from 'node:crypto';
import { notFound, PlatformError } from '../../domain/errors.js';
import { uuidv7 } from '../../domain/ids.js';
import type { Role } from '../../domain/roles.js';
import { ApiKey } from '../entities/api-key.entity.js';
import type { Em } from '../orm.js';
import { decodeCursor, toPage, type Page, type PageRequest } from '../pagination.js';
import type { Scope } from '../scope.js';
import { recordAudit } from './audit.repository.js';
import { ACROSS_TENANTS } from './tenant.repository.js';

/** The SHA-256 a key is stored and looked up by. Keys carry 256 random bits, so no salt is needed. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/**
 * Issues a key: `vmp_<8 hex>_<43 base64url>`. The key is returned once and only its hash is stored;
 * the first 12 characters (`vmp_` + 8 hex) are kept as a non-secret prefix for display.
 * Audited as `api_key.create` in the same transaction.
 */
export async function issueApiKey(scope: Scope, input: { role: Role; name: string }): Promise<{ key: string; record: ApiKey }> {
  const key = `vmp_${randomBytes(4).toString('hex')}_${randomBytes(32).toString('base64url')}`;
  const record = scope.em.create(ApiKey, {
    id: uuidv7(),
    tenant: scope.tenantId,
    name: input.name,
    role: input.role,
    prefix: key.slice(0, 12),
    keyHash: hashApiKey(key),
    createdBy: scope.actor.id,
    createdAt: new Date(),
    revokedAt: null,
  });
  recordAudit(scope, {
    action: 'api_key.create', targetType: 'api_key', targetId: record.id, version: 1,
    after: { name: record.name, role: record.role, prefix: record.prefix },
  });
  await scope.em.flush();
  return { key, record };
}

const BEARER = /^Bearer\s+(\S{1,200})$/i;

/**
 * The API key of an `Authorization: Bearer <key>` header. Throws UNAUTHENTICATED saying what to fix
 * when the header is absent (`missing`: how to send a key) or malformed.
 */
export function apiKeyFromAuthorization(header: string | undefined, missing = 'missing API key: send Authorization: Bearer <key>'): string {
  if (!header) throw new PlatformError('UNAUTHENTICATED', missing);
  const m = BEARER.exec(header);
  if (!m?.[1]) throw new PlatformError('UNAUTHENTICATED', 'malformed Authorization header: expected "Bearer <key>"');
  return m[1];
}

/** Who an API key acts for. */
export interface ApiKeyPrincipal {
  tenantId: string;
  keyId: string;
  role: Role;
}

/**
 * Authenticates an API key (HTTP API and realtime alike): its hash is looked up across tenants;
 * UNAUTHENTICATED when it is unknown or revoked.
 */
export async function authenticateApiKey(em: Em, key: string): Promise<ApiKeyPrincipal> {
  const record = await findActiveApiKey(em, key);
  if (!record) throw new PlatformError('UNAUTHENTICATED', 'unknown or revoked API key');
  return { tenantId: record.tenant.id, keyId: record.id, role: record.role };
}

/** The active (not revoked) key with this secret, across tenants; null when unknown or revoked. */
export async function findActiveApiKey(em: Em, key: string): Promise<ApiKey | null> {
  const found = await em.findOne(ApiKey, { keyHash: hashApiKey(key) }, ACROSS_TENANTS);
  return found && !found.revokedAt ? found : null;
}

/** The tenant's keys (never their secrets), oldest first. */
export async function listApiKeys(scope: Scope, page: PageRequest): Promise<Page<ApiKey>> {
  const rows = await scope.em.find(ApiKey, page.cursor ? { id: { $gt: decodeCursor(page.cursor) } } : {}, {
    orderBy: { id: 'asc' }, limit: page.limit + 1,
  });
  return toPage(rows, page.limit);
}

/** Revokes a key (idempotent), audited as `api_key.revoke`; 404 when unknown in this tenant. */
export async function revokeApiKey(scope: Scope, id: string): Promise<ApiKey> {
  const record = await scope.em.findOne(ApiKey, { id });
  if (!record) throw notFound('api_key', id);
  if (!record.revokedAt) {
    record.revokedAt = new Date();
    recordAudit(scope, { action: 'api_key.revoke', targetType: 'api_key', targetId: id, details: { prefix: record.prefix } });
    await scope.em.flush();
  }
  return record;
}
