import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { uuidv7 } from '../../domain/ids.js';
import { AuditEvent } from '../entities/audit-event.entity.js';
import { ToolCall } from '../entities/tool-call.entity.js';
import type { Orm } from '../orm.js';
import { tenantEm } from '../scope.js';

/** A finished call to record (no secrets: the executor has scrubbed it). */
export type ToolCallRecord = Omit<ToolCall, 'id' | 'tenant' | 'createdAt'> & { tenantId: string };

/** The permission decision and anything else the audit row of a call carries. */
export interface ToolCallAudit {
  decision: 'allow' | 'deny' | 'n/a';
  ruleId: string | null;
  reason: string;
  replayed: boolean;
  fallbackOf?: string;
}

/** The successful call recorded for a key, or null. */
export async function findRecordedCall(orm: Orm, tenantId: string, idempotencyKey: string): Promise<ToolCall | null> {
  return tenantEm(orm, tenantId).findOne(ToolCall, { idempotencyKey, outcome: 'ok' });
}

/**
 * Writes the call and its `tool.invoke` audit event in one transaction. When another process
 * recorded a success for the same key first, nothing is written and that record is returned
 * (the caller answers with it, as a replay).
 */
export async function recordToolCall(orm: Orm, call: ToolCallRecord, audit: ToolCallAudit): Promise<{ recorded: ToolCall; raced: boolean }> {
  const em = tenantEm(orm, call.tenantId);
  const { tenantId, ...fields } = call;
  const row = em.create(ToolCall, { ...fields, id: uuidv7(), tenant: tenantId, createdAt: new Date() });
  em.create(AuditEvent, {
    id: uuidv7(),
    tenant: tenantId,
    actorType: 'system',
    actorId: call.agent ? `agent:${call.agent}` : null,
    action: 'tool.invoke',
    targetType: 'tool',
    targetId: `${call.tool}@${call.version}`,
    version: null,
    beforeHash: call.inputHash,
    afterHash: call.outputHash ?? null,
    details: {
      tool: call.tool, version: call.version, sideEffect: call.sideEffect, agent: call.agent ?? null, projectId: call.projectId ?? null,
      runId: call.runId ?? null, stageId: call.stageId ?? null, idempotencyKey: call.idempotencyKey,
      decision: audit.decision, ruleId: audit.ruleId, reason: audit.reason, outcome: call.outcome, replayed: audit.replayed,
      ...(audit.fallbackOf ? { fallbackOf: audit.fallbackOf } : {}),
      errorCode: call.errorCode ?? null, error: call.error ?? null, durationMs: call.durationMs, tries: call.tries,
      costUsd: call.costUsd, inputTokens: call.inputTokens ?? null, outputTokens: call.outputTokens ?? null, model: call.model ?? null,
      toolCallId: row.id,
    },
    requestId: null,
    createdAt: new Date(),
  });
  try {
    await em.flush();
    return { recorded: row, raced: false };
  } catch (err) {
    if (!(err instanceof UniqueConstraintViolationException) || call.outcome !== 'ok') throw err;
    const existing = await findRecordedCall(orm, tenantId, call.idempotencyKey);
    if (!existing) throw err;
    return { recorded: existing, raced: true };
  }
}

/** Cost and calls of a tenant's tool calls, by tool (or for one run); replays are not calls (the tool did not run). */
export async function toolUsage(orm: Orm, tenantId: string, runId?: string): Promise<Array<{ tool: string; calls: number; costUsd: number; inputTokens: number; outputTokens: number }>> {
  const em = tenantEm(orm, tenantId);
  const rows = await em.getConnection().execute<Array<{ tool: string; calls: string; cost: number; input: string; output: string }>>(
    `select tool || '@' || version as tool, count(*) as calls, coalesce(sum(cost_usd), 0) as cost,
            coalesce(sum(input_tokens), 0) as input, coalesce(sum(output_tokens), 0) as output
       from tool_call where tenant_id = ? and outcome <> 'replayed' ${runId ? 'and run_id = ?' : ''} group by 1 order by 1`,
    runId ? [tenantId, runId] : [tenantId],
  );
  return rows.map((r) => ({ tool: r.tool, calls: Number(r.calls), costUsd: Number(r.cost), inputTokens: Number(r.input), outputTokens: Number(r.output) }));
}
