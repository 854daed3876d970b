import { readdirSync, readFileSync, statSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkflowTemplateInput } from '../../../src/planner/template.js';
import { seedAgencyTask } from '../../helpers/agency-seed.js';
import { ScriptedProvider } from '../../helpers/scripted-provider.js';
import { ADAPTERS, command, startRun, TEST_REDIS_URL, usePlatform, waitForRun, type TestPlatform } from '../../helpers/test-engine.js';

const CANARY = 'canary-5ec2e7-do-not-leak-9f41b0';

/** Every row of every table of the platform's database, as text. */
async function databaseText(p: TestPlatform): Promise<string> {
  const knex = p.db.orm.em.getKnex();
  const tables = await knex.raw<{ rows: Array<{ tablename: string }> }>(`select tablename from pg_tables where schemaname = 'public'`);
  const parts: string[] = [];
  for (const { tablename } of tables.rows) {
    const rows = await knex.raw<{ rows: Array<{ row: string }> }>(`select to_jsonb(t)::text as row from "${tablename}" t`);
    parts.push(...rows.rows.map((r) => r.row));
  }
  return parts.join('\n');
}

/** Every value under the platform's Redis prefix, as text. */
async function redisText(prefix: string): Promise<string> {
  const redis = new Redis(TEST_REDIS_URL);
  const parts: string[] = [];
  try {
    for (const key of await redis.keys(`${prefix}*`)) {
      const type = await redis.type(key);
      if (type === 'string') parts.push((await redis.get(key)) ?? '');
      else if (type === 'hash') parts.push(JSON.stringify(await redis.hgetall(key)));
      else if (type === 'list') parts.push(JSON.stringify(await redis.lrange(key, 0, -1)));
      else if (type === 'set') parts.push(JSON.stringify(await redis.smembers(key)));
      else if (type === 'zset') parts.push(JSON.stringify(await redis.zrange(key, '0', '-1')));
      else if (type === 'stream') parts.push(JSON.stringify(await redis.xrange(key, '-', '+')));
    }
  } finally {
    redis.disconnect();
  }
  return parts.join('\n');
}

/** Every file under a directory, as text. */
function filesText(dir: string): string {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const file = path.join(d, name);
      if (statSync(file).isDirectory()) walk(file);
      else out.push(readFileSync(file, 'utf8'));
    }
  };
  walk(dir);
  return out.join('\n');
}

const template: WorkflowTemplateInput = {
  name: 'crm-enriched', version: 1, description: 'A researcher that calls an authenticated API, then one copy branch',
  stages: [
    { id: 'research', kind: 'agent.researcher', params: { role: 'researcher', tools: ['http.request@^1'] } },
    { id: 'copy-x', kind: 'agent.copywriter', dependsOn: ['research'], content: true, params: { role: 'copywriter', channel: 'x' } },
    { id: 'edit-x', kind: 'agent.editor', dependsOn: ['copy-x'], content: true, params: { role: 'editor', channel: 'x', deliverable: true } },
  ],
  review: { kind: 'review.gates' }, consolidate: { kind: 'consolidate.artifacts' }, learn: { kind: 'learn.noop' },
};

describe.each(ADAPTERS)('a planted canary secret (%s)', (adapter) => {
  // A careless upstream API that echoes the credential it was sent back in its answer.
  const received: string[] = [];
  const upstream = http.createServer((req, res) => {
    received.push(String(req.headers.authorization));
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ account: 'Northwind', echoedAuthorization: req.headers.authorization }));
  });
  let url = '';
  beforeAll(async () => {
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/accounts/northwind`;
  });
  afterAll(() => new Promise<void>((r) => upstream.close(() => r())));

  const model = new ScriptedProvider();
  const routes = ['economy', 'standard', 'premium'].map((t) => `${t}=scripted:scripted-1`).join(';');
  const p = usePlatform({ adapter, templates: [template], tools: { providers: [model], llm: { routes }, credentials: { env: { VMP_SECRET_CRM: CANARY } } } });

  it('is used by the tool that needs it and appears nowhere: database, snapshots, audit, logs, artifacts, queues, API responses', async () => {
    const { key } = await p.current.tenant();
    const call = (method: 'GET' | 'POST' | 'PUT', u: string, payload?: object) => p.current.call(key, { method, url: u, ...(payload ? { payload } : {}) });
    expect((await call('PUT', '/v2/tool-credentials/crm', { provider: 'env', ref: 'VMP_SECRET_CRM' })).statusCode).toBe(201);
    expect((await call('POST', '/v2/tool-permissions', { tool: 'http.request', effect: 'allow', agent: 'researcher', constraints: { url: { pattern: '^http://127\\.0\\.0\\.1:' } } })).statusCode).toBe(201);
    model.scripts.set('researcher', { toolCalls: [{ name: 'http__request', arguments: { url, credential: 'crm' } }] });
    const { taskId } = await seedAgencyTask(p.current, key, { channels: ['x'] });
    const runId = await startRun(p.current, key, { taskId, mode: 'supervised', template: 'crm-enriched' });
    await waitForRun(p.current, key, runId, (r) => r.status === 'waiting_approval', 30_000);
    expect((await command(p.current, key, runId, 'approve')).statusCode).toBe(202);
    await waitForRun(p.current, key, runId, (r) => r.status === 'completed', 30_000);

    // The tool did send the secret, and the model's findings did quote the upstream's answer.
    expect(received).toEqual([`Bearer ${CANARY}`]);
    const outputs = await call('GET', `/v2/runs/${runId}/outputs`);
    const research = (outputs.json() as { items: Array<{ stageId: string; output: { content: string } }> }).items.find((i) => i.stageId === 'research');
    expect(research?.output.content).toContain('[redacted:crm]');

    const responses = await Promise.all([
      `/v2/runs/${runId}`, `/v2/runs/${runId}/outputs`, `/v2/runs/${runId}/timeline`, `/v2/runs/${runId}/artifacts`,
      '/v2/audit?limit=100', '/v2/tool-credentials', '/v2/tool-usage', '/v2/tools',
    ].map(async (u) => (await call('GET', u)).body));
    const artifacts = (JSON.parse(responses[3] ?? '{}') as { items: Array<{ version: { contentUrl: string } }> }).items;
    expect(artifacts).toHaveLength(1);
    for (const a of artifacts) responses.push((await call('GET', a.version.contentUrl)).body);

    const places: Record<string, string> = {
      'database (every table, snapshots and audit included)': await databaseText(p.current),
      'logs': JSON.stringify(p.current.logLines),
      'API responses': responses.join('\n'),
      'artifact store': filesText(path.join(p.current.tools?.store.location ?? '')),
      ...(adapter === 'bullmq' ? { 'Redis (queues, streams)': await redisText(p.current.prefix) } : {}),
    };
    for (const [where, text] of Object.entries(places)) {
      expect(text.length, `${where} was searched`).toBeGreaterThan(0);
      expect(text.includes(CANARY), `the canary secret leaked into ${where}`).toBe(false);
    }
  });
});
