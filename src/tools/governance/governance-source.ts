import type { CredentialProvider, OnLimit } from '../../persistence/entities/tool-governance.entity.js';
import type { Orm } from '../../persistence/orm.js';
import { loadGovernance } from '../../persistence/repositories/tool-governance.repository.js';
import type { PermissionRule } from './permission-rules.js';

/** A rate limit as the gate reads it. */
export interface RateLimitRule {
  id: string;
  tool: string;
  action: string;
  limit: number;
  windowMs: number;
  onLimit: OnLimit;
  maxWaitMs: number;
}

/** What the executor checks for a tenant. */
export interface GovernanceSnapshot {
  permissions: PermissionRule[];
  rateLimits: RateLimitRule[];
  credentialRefs: Array<{ name: string; provider: CredentialProvider; ref: string }>;
}

/** Where the executor reads a tenant's rules. */
export interface GovernanceSource {
  load(tenantId: string): Promise<GovernanceSnapshot>;
  /** Forgets what was read for a tenant (after an admin change in this process). */
  invalidate(tenantId: string): void;
}

/**
 * Rules from the database, kept per tenant for `ttlMs` (default 2 s): a change made through the
 * admin API of this process applies at once (it invalidates), one made elsewhere within `ttlMs`.
 */
export class CachedGovernanceSource implements GovernanceSource {
  private readonly cache = new Map<string, { at: number; value: Promise<GovernanceSnapshot> }>();

  constructor(private readonly orm: Orm, private readonly ttlMs = 2000, private readonly now: () => number = Date.now) {}

  load(tenantId: string): Promise<GovernanceSnapshot> {
    const hit = this.cache.get(tenantId);
    if (hit && this.now() - hit.at < this.ttlMs) return hit.value;
    const value = loadGovernance(this.orm, tenantId).then((g) => ({
      permissions: g.permissions.map((p) => ({ id: p.id, projectId: p.projectId ?? null, agent: p.agent ?? null, tool: p.tool, effect: p.effect, constraints: p.constraints ?? null })),
      rateLimits: g.rateLimits.map((l) => ({ id: l.id, tool: l.tool, action: l.action, limit: l.limit, windowMs: l.windowMs, onLimit: l.onLimit, maxWaitMs: l.maxWaitMs })),
      credentialRefs: g.credentialRefs.map((r) => ({ name: r.name, provider: r.provider, ref: r.ref })),
    }));
    value.catch(() => this.cache.delete(tenantId));
    this.cache.set(tenantId, { at: this.now(), value });
    return value;
  }

  invalidate(tenantId: string): void {
    this.cache.delete(tenantId);
  }
}

/** Fixed rules (tests, tools used outside a tenant's database). */
export class StaticGovernanceSource implements GovernanceSource {
  constructor(private readonly snapshot: GovernanceSnapshot = { permissions: [], rateLimits: [], credentialRefs: [] }) {}
  load = async (): Promise<GovernanceSnapshot> => this.snapshot;
  invalidate(): void {}
}
