import { notFound } from '../../domain/errors.js';
import { uuidv7 } from '../../domain/ids.js';
import {
  ToolCredentialRef, ToolPermission, ToolRateLimit,
  type ArgumentConstraint, type CredentialProvider, type OnLimit, type PermissionEffect,
} from '../entities/tool-governance.entity.js';
import type { Orm } from '../orm.js';
import { tenantEm, type Scope } from '../scope.js';
import { recordAudit } from './audit.repository.js';

/** A permission rule to create. */
export interface PermissionInput {
  projectId: string | null;
  agent: string | null;
  tool: string;
  effect: PermissionEffect;
  constraints: Record<string, ArgumentConstraint> | null;
  description: string | null;
}

/** A rate limit to set. */
export interface RateLimitInput {
  tool: string;
  action: string;
  limit: number;
  windowMs: number;
  onLimit: OnLimit;
  maxWaitMs: number;
}

/** A credential reference to set (never a secret). */
export interface CredentialRefInput {
  name: string;
  provider: CredentialProvider;
  ref: string;
  description: string | null;
}

/** Everything the executor checks for a tenant, read together. */
export interface TenantGovernance {
  permissions: ToolPermission[];
  rateLimits: ToolRateLimit[];
  credentialRefs: ToolCredentialRef[];
}

/** The tenant's permission rules, rate limits and credential references (three indexed reads). */
export async function loadGovernance(orm: Orm, tenantId: string): Promise<TenantGovernance> {
  const em = tenantEm(orm, tenantId);
  const [permissions, rateLimits, credentialRefs] = await Promise.all([
    em.find(ToolPermission, {}, { orderBy: { id: 'asc' } }),
    em.find(ToolRateLimit, {}, { orderBy: { id: 'asc' } }),
    em.find(ToolCredentialRef, {}, { orderBy: { name: 'asc' } }),
  ]);
  return { permissions, rateLimits, credentialRefs };
}

const permissionView = (p: ToolPermission) => ({
  projectId: p.projectId ?? null, agent: p.agent ?? null, tool: p.tool, effect: p.effect, constraints: p.constraints ?? null,
});

/** Adds a permission rule, audited as `tool_permission.create`. */
export async function createPermission(scope: Scope, input: PermissionInput): Promise<ToolPermission> {
  const now = new Date();
  const rule = scope.em.create(ToolPermission, { id: uuidv7(), tenant: scope.tenantId, ...input, createdAt: now, updatedAt: now });
  recordAudit(scope, { action: 'tool_permission.create', targetType: 'tool_permission', targetId: rule.id, after: permissionView(rule), details: permissionView(rule) });
  await scope.em.flush();
  return rule;
}

/** Replaces a permission rule, audited as `tool_permission.update`; 404 when unknown. */
export async function replacePermission(scope: Scope, id: string, input: PermissionInput): Promise<ToolPermission> {
  const rule = await scope.em.findOne(ToolPermission, { id });
  if (!rule) throw notFound('tool_permission', id);
  const before = permissionView(rule);
  Object.assign(rule, input);
  recordAudit(scope, { action: 'tool_permission.update', targetType: 'tool_permission', targetId: id, before, after: permissionView(rule), details: { before, after: permissionView(rule) } });
  await scope.em.flush();
  return rule;
}

/** Removes a permission rule, audited as `tool_permission.delete`; 404 when unknown. */
export async function deletePermission(scope: Scope, id: string): Promise<void> {
  const rule = await scope.em.findOne(ToolPermission, { id });
  if (!rule) throw notFound('tool_permission', id);
  recordAudit(scope, { action: 'tool_permission.delete', targetType: 'tool_permission', targetId: id, before: permissionView(rule), details: permissionView(rule) });
  scope.em.remove(rule);
  await scope.em.flush();
}

/** The tenant's permission rules, oldest first. */
export const listPermissions = (scope: Scope) => scope.em.find(ToolPermission, {}, { orderBy: { id: 'asc' } });

const limitView = (l: ToolRateLimit) => ({ tool: l.tool, action: l.action, limit: l.limit, windowMs: l.windowMs, onLimit: l.onLimit, maxWaitMs: l.maxWaitMs });

/** Sets the limit of a tool and action (creating or replacing it), audited as `tool_rate_limit.set`. */
export async function setRateLimit(scope: Scope, input: RateLimitInput): Promise<{ limit: ToolRateLimit; created: boolean }> {
  const now = new Date();
  let limit = await scope.em.findOne(ToolRateLimit, { tool: input.tool, action: input.action });
  const before = limit ? limitView(limit) : undefined;
  if (limit) Object.assign(limit, input);
  else limit = scope.em.create(ToolRateLimit, { id: uuidv7(), tenant: scope.tenantId, ...input, createdAt: now, updatedAt: now });
  recordAudit(scope, { action: 'tool_rate_limit.set', targetType: 'tool_rate_limit', targetId: limit.id, before, after: limitView(limit), details: { before: before ?? null, after: limitView(limit) } });
  await scope.em.flush();
  return { limit, created: before === undefined };
}

/** Removes a rate limit, audited as `tool_rate_limit.delete`; 404 when unknown. */
export async function deleteRateLimit(scope: Scope, id: string): Promise<void> {
  const limit = await scope.em.findOne(ToolRateLimit, { id });
  if (!limit) throw notFound('tool_rate_limit', id);
  recordAudit(scope, { action: 'tool_rate_limit.delete', targetType: 'tool_rate_limit', targetId: id, before: limitView(limit), details: limitView(limit) });
  scope.em.remove(limit);
  await scope.em.flush();
}

/** The tenant's rate limits, oldest first. */
export const listRateLimits = (scope: Scope) => scope.em.find(ToolRateLimit, {}, { orderBy: { id: 'asc' } });

const refView = (r: ToolCredentialRef) => ({ name: r.name, provider: r.provider, ref: r.ref });

/** Sets a credential reference by name (creating or replacing it), audited as `tool_credential_ref.set`. */
export async function setCredentialRef(scope: Scope, input: CredentialRefInput): Promise<{ ref: ToolCredentialRef; created: boolean }> {
  const now = new Date();
  let ref = await scope.em.findOne(ToolCredentialRef, { name: input.name });
  const before = ref ? refView(ref) : undefined;
  if (ref) Object.assign(ref, input);
  else ref = scope.em.create(ToolCredentialRef, { id: uuidv7(), tenant: scope.tenantId, ...input, createdAt: now, updatedAt: now });
  recordAudit(scope, { action: 'tool_credential_ref.set', targetType: 'tool_credential_ref', targetId: ref.id, before, after: refView(ref), details: { before: before ?? null, after: refView(ref) } });
  await scope.em.flush();
  return { ref, created: before === undefined };
}

/** Removes a credential reference by name, audited as `tool_credential_ref.delete`; 404 when unknown. */
export async function deleteCredentialRef(scope: Scope, name: string): Promise<void> {
  const ref = await scope.em.findOne(ToolCredentialRef, { name });
  if (!ref) throw notFound('tool_credential_ref', name);
  recordAudit(scope, { action: 'tool_credential_ref.delete', targetType: 'tool_credential_ref', targetId: ref.id, before: refView(ref), details: refView(ref) });
  scope.em.remove(ref);
  await scope.em.flush();
}

/** The tenant's credential references, by name. */
export const listCredentialRefs = (scope: Scope) => scope.em.find(ToolCredentialRef, {}, { orderBy: { name: 'asc' } });
