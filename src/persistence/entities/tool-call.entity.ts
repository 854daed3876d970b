import { EntitySchema, type Ref } from '@mikro-orm/core';
import { tenantFilter } from './tenant-scope.js';
import { Tenant } from './tenant.entity.js';

/** How a tool call ended; `replayed`: answered with the result recorded for its key (the tool did not run). */
export type ToolCallOutcome = 'ok' | 'error' | 'denied' | 'rate_limited' | 'replayed';

/**
 * One finished tool call, keyed by its idempotency key (`runId:stageId:attempt:callIndex`): its
 * metering (cost, tokens, duration) and, for a successful call, its recorded output, which a repeat
 * of the key gets back instead of running a `write` or `external` tool again. Append-only; at most
 * one successful row per key.
 */
export class ToolCall {
  id!: string;
  tenant!: Ref<Tenant>;
  idempotencyKey!: string;
  tool!: string;
  version!: string;
  sideEffect!: string;
  provider!: string;
  agent?: string | null;
  projectId?: string | null;
  runId?: string | null;
  stageId?: string | null;
  outcome!: ToolCallOutcome;
  errorCode?: string | null;
  error?: string | null;
  inputHash!: string;
  outputHash?: string | null;
  output?: unknown;
  costUsd!: number;
  inputTokens?: number | null;
  outputTokens?: number | null;
  model?: string | null;
  tries!: number;
  durationMs!: number;
  createdAt!: Date;
}

export const ToolCallSchema = new EntitySchema<ToolCall>({
  class: ToolCall,
  tableName: 'tool_call',
  filters: tenantFilter,
  indexes: [{ properties: ['tenant', 'idempotencyKey'] }, { properties: ['runId'] }, { properties: ['tenant', 'createdAt'] }],
  uniques: [{
    name: 'tool_call_ok_key_unique',
    expression: `create unique index "tool_call_ok_key_unique" on "tool_call" ("tenant_id", "idempotency_key") where "outcome" = 'ok'`,
  }],
  properties: {
    id: { type: 'uuid', primary: true },
    tenant: { kind: 'm:1', entity: () => Tenant, ref: true, deleteRule: 'cascade' },
    idempotencyKey: { type: 'text' },
    tool: { type: 'text' },
    version: { type: 'text' },
    sideEffect: { type: 'text' },
    provider: { type: 'text' },
    agent: { type: 'text', nullable: true },
    projectId: { type: 'uuid', nullable: true },
    runId: { type: 'uuid', nullable: true },
    stageId: { type: 'text', nullable: true },
    outcome: { type: 'text' },
    errorCode: { type: 'text', nullable: true },
    error: { type: 'text', nullable: true },
    inputHash: { type: 'text' },
    outputHash: { type: 'text', nullable: true },
    output: { type: 'json', nullable: true },
    costUsd: { type: 'double' },
    inputTokens: { type: 'integer', nullable: true },
    outputTokens: { type: 'integer', nullable: true },
    model: { type: 'text', nullable: true },
    tries: { type: 'integer' },
    durationMs: { type: 'integer' },
    createdAt: { type: 'datetime', onCreate: () => new Date() },
  },
});
