import type { Orm } from '../../persistence/orm.js';
import { findRecordedCall, recordToolCall, type ToolCallAudit, type ToolCallRecord } from '../../persistence/repositories/tool-call.repository.js';

export type { ToolCallAudit, ToolCallRecord };

/** A recorded successful call, as a replay returns it. */
export interface RecordedCall {
  tool: string;
  version: string;
  output: unknown;
  costUsd: number;
}

/** Where the executor keeps its call records (the idempotency record and the audit trail). */
export interface ToolCallStore {
  /** The successful call recorded for a key, or null. */
  find(tenantId: string, idempotencyKey: string): Promise<RecordedCall | null>;
  /** Records a finished call with its audit event; returns the winner when a success for the key was recorded first. */
  record(call: ToolCallRecord, audit: ToolCallAudit): Promise<{ raced: RecordedCall | null }>;
}

const asRecorded = (r: { tool: string; version: string; output?: unknown; costUsd: number }): RecordedCall =>
  ({ tool: r.tool, version: r.version, output: r.output ?? null, costUsd: r.costUsd });

/** The store on the platform database (tool_call + audit_event). */
export class OrmToolCallStore implements ToolCallStore {
  constructor(private readonly orm: Orm) {}

  async find(tenantId: string, idempotencyKey: string): Promise<RecordedCall | null> {
    const row = await findRecordedCall(this.orm, tenantId, idempotencyKey);
    return row ? asRecorded(row) : null;
  }

  async record(call: ToolCallRecord, audit: ToolCallAudit): Promise<{ raced: RecordedCall | null }> {
    const { recorded, raced } = await recordToolCall(this.orm, call, audit);
    return { raced: raced ? asRecorded(recorded) : null };
  }
}

/** An in-memory store (unit tests). */
export class MemoryToolCallStore implements ToolCallStore {
  readonly calls: Array<ToolCallRecord & { audit: ToolCallAudit }> = [];

  async find(tenantId: string, idempotencyKey: string): Promise<RecordedCall | null> {
    const row = this.calls.find((c) => c.tenantId === tenantId && c.idempotencyKey === idempotencyKey && c.outcome === 'ok');
    return row ? asRecorded(row) : null;
  }

  async record(call: ToolCallRecord, audit: ToolCallAudit): Promise<{ raced: RecordedCall | null }> {
    if (call.outcome === 'ok') {
      const existing = await this.find(call.tenantId, call.idempotencyKey);
      if (existing) return { raced: existing };
    }
    this.calls.push({ ...call, audit });
    return { raced: null };
  }
}
