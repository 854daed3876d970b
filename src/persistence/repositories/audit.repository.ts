import { contentHash } from '../../domain/canonical-json.js';
import { uuidv7 } from '../../domain/ids.js';
import { AuditEvent } from '../entities/audit-event.entity.js';
import { decodeCursor, toPage, type Page, type PageRequest } from '../pagination.js';
import type { Scope } from '../scope.js';

/** What happened, to what. `before`/`after` are hashed, never stored. */
export interface AuditInput {
  action: string;
  targetType: string;
  targetId: string;
  version?: number;
  before?: unknown;
  after?: unknown;
  details?: Record<string, unknown>;
}

/**
 * Adds an audit event to the scope's unit of work: it is written in the same transaction as the
 * change it describes, so there is never a change without its audit row or the reverse.
 */
export function recordAudit(scope: Scope, input: AuditInput): AuditEvent {
  const event = scope.em.create(AuditEvent, {
    id: uuidv7(),
    tenant: scope.tenantId,
    actorType: scope.actor.type,
    actorId: scope.actor.id,
    action: input.action,
    targetType: input.targetType,
    targetId: input.targetId,
    version: input.version ?? null,
    beforeHash: input.before === undefined ? null : contentHash(input.before),
    afterHash: input.after === undefined ? null : contentHash(input.after),
    details: input.details ?? null,
    requestId: scope.requestId ?? null,
    createdAt: new Date(),
  });
  scope.em.persist(event);
  return event;
}

/** Filters of the audit log. */
export interface AuditQuery extends PageRequest {
  targetType?: string | undefined;
  targetId?: string | undefined;
  action?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
}

/** The tenant's audit log, newest first, filtered and paginated. */
export async function listAudit(scope: Scope, q: AuditQuery): Promise<Page<AuditEvent>> {
  const createdAt = { ...(q.from ? { $gte: q.from } : {}), ...(q.to ? { $lt: q.to } : {}) };
  const rows = await scope.em.find(
    AuditEvent,
    {
      ...(q.targetType ? { targetType: q.targetType } : {}),
      ...(q.targetId ? { targetId: q.targetId } : {}),
      ...(q.action ? { action: q.action } : {}),
      ...(q.from || q.to ? { createdAt } : {}),
      ...(q.cursor ? { id: { $lt: decodeCursor(q.cursor) } } : {}),
    },
    { orderBy: { id: 'desc' }, limit: q.limit + 1 },
  );
  return toPage(rows, q.limit);
}
