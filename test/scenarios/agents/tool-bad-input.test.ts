import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { WorkflowTemplateInput } from '../../../src/planner/template.js';
import type { AnyTool } from '../../../src/tools/tool.js';
import { seedAgencyTask } from '../../helpers/agency-seed.js';
import { ScriptedProvider } from '../../helpers/scripted-provider.js';
import { startRun, usePlatform, waitForRun, type TestPlatform } from '../../helpers/test-engine.js';

const badOutputTool: AnyTool = {
  name: 'test.bad_output', version: '1.0.0', description: 'Answers outside its own output schema.', sideEffect: 'read',
  input: z.object({}), output: z.object({ ok: z.boolean() }), policy: { backoffMs: 1, maxBackoffMs: 2 },
  execute: async () => ({ output: { ok: 'yes' } }),
};

const template: WorkflowTemplateInput = {
  name: 'tool-check', version: 1, description: 'A researcher with tools, then one copy branch',
  stages: [
    { id: 'research', kind: 'agent.researcher', retry: { maxAttempts: 1 }, params: { role: 'researcher', tools: ['http.request@^1', 'brand.knowledge@^1', 'test.bad_output@^1'] } },
    { id: 'copy-x', kind: 'agent.copywriter', dependsOn: ['research'], content: true, params: { role: 'copywriter', channel: 'x' } },
    { id: 'edit-x', kind: 'agent.editor', dependsOn: ['copy-x'], content: true, params: { role: 'editor', channel: 'x', deliverable: true } },
  ],
  review: { kind: 'review.gates' }, consolidate: { kind: 'consolidate.artifacts' }, learn: { kind: 'learn.noop' },
};

describe('a model asking for tools it cannot use (bad input): a clear error on the stage and in the audit, and the platform keeps running', () => {
  const model = new ScriptedProvider();
  const routes = ['economy', 'standard', 'premium'].map((t) => `${t}=scripted:scripted-1`).join(';');
  const p = usePlatform({ adapter: 'in-process', templates: [template], tools: { providers: [model], llm: { routes }, tools: [badOutputTool] } });

  async function failedRun(pl: TestPlatform, key: string, taskId: string) {
    const runId = await startRun(pl, key, { taskId, mode: 'autopilot', template: 'tool-check' });
    const run = await waitForRun(pl, key, runId, (r) => ['completed', 'failed'].includes(r.status), 30_000);
    expect(run.status).toBe('failed');
    const diagnosis = run.diagnosis as { reason: string; stageId: string; message: string; errors: string[] };
    expect(diagnosis).toMatchObject({ reason: 'stage_failed', stageId: 'research' });
    const audit = await pl.call(key, { method: 'GET', url: '/v2/audit?action=tool.invoke&limit=100' });
    const events = (audit.json() as { items: Array<{ details: Record<string, unknown> }> }).items.filter((e) => e.details.runId === runId);
    return { error: diagnosis.errors.join(' | '), events };
  }

  const cases: Array<[string, () => void, RegExp, string]> = [
    ['an unknown tool', () => model.scripts.set('researcher', { toolCalls: [{ name: 'web__search', arguments: { query: 'coffee' } }] }), /web\.search.*TOOL_NOT_ALLOWED.*not available to you; available: http__request, brand__knowledge, test__bad_output/, 'TOOL_NOT_ALLOWED'],
    ['a forbidden tool (external, no allow rule)', () => model.scripts.set('researcher', { toolCalls: [{ name: 'http__request', arguments: { url: 'http://127.0.0.1:9/' } }] }), /http\.request.*TOOL_PERMISSION_DENIED.*external tools need a rule that allows them/, 'TOOL_PERMISSION_DENIED'],
    ['arguments that break the schema', () => model.scripts.set('researcher', { toolCalls: [{ name: 'brand__knowledge', arguments: { query: 42 } }] }), /brand\.knowledge.*TOOL_INPUT_INVALID.*query/, 'TOOL_INPUT_INVALID'],
    ['a tool answering outside its output schema', () => model.scripts.set('researcher', { toolCalls: [{ name: 'test__bad_output', arguments: {} }] }), /test\.bad_output.*TOOL_OUTPUT_INVALID.*ok/, 'TOOL_OUTPUT_INVALID'],
  ];

  it.each(cases)('%s fails the stage with the reason and is audited', async (_name, script, message, code) => {
    const { key } = await p.current.tenant();
    const { taskId } = await seedAgencyTask(p.current, key, { channels: ['x'] });
    script();
    const { error, events } = await failedRun(p.current, key, taskId);
    expect(error).toMatch(message);
    expect(events.some((e) => e.details.errorCode === code)).toBe(true);
  });

  it('an absent credential fails the stage naming the credential, and is audited', async () => {
    const { key } = await p.current.tenant();
    const allow = await p.current.call(key, { method: 'POST', url: '/v2/tool-permissions', payload: { tool: 'http.request', effect: 'allow' } });
    expect(allow.statusCode).toBe(201);
    const { taskId } = await seedAgencyTask(p.current, key, { channels: ['x'] });
    model.scripts.set('researcher', { toolCalls: [{ name: 'http__request', arguments: { url: 'http://127.0.0.1:9/', credential: 'crm-token' } }] });
    const { error, events } = await failedRun(p.current, key, taskId);
    expect(error).toMatch(/credential crm-token is not available: no credential reference of that name/);
    expect(events.some((e) => e.details.errorCode === 'TOOL_CREDENTIAL_MISSING')).toBe(true);
  });

  it('keeps running: a run with a well-behaved model completes afterwards', async () => {
    model.scripts.clear();
    const { key } = await p.current.tenant();
    const { taskId } = await seedAgencyTask(p.current, key, { channels: ['x'] });
    const runId = await startRun(p.current, key, { taskId, mode: 'autopilot', template: 'tool-check' });
    const run = await waitForRun(p.current, key, runId, (r) => ['completed', 'failed'].includes(r.status), 30_000);
    expect(run.status, JSON.stringify(run.diagnosis)).toBe('completed');
  });
});
