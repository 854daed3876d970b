import { describe, expect, it } from 'vitest';
import { ToolError } from '../../../src/contracts/tool-errors.js';
import { OfflineProvider } from '../../../src/providers/offline.provider.js';
import type { CompletionRequest, CompletionResponse, LlmProvider } from '../../../src/providers/provider.js';
import { seedAgencyTask } from '../../helpers/agency-seed.js';
import { ADAPTERS, startRun, usePlatform, waitForRun } from '../../helpers/test-engine.js';

/** A model provider that fails 30 % of its calls with a retryable 503 (seeded, so runs are reproducible). */
class FlakyProvider implements LlmProvider {
  readonly name = 'flaky';
  readonly offline = false;
  calls = 0;
  failures = 0;
  private seed = 42;
  private readonly inner = new OfflineProvider();

  private random(): number {
    // mulberry32
    this.seed = (this.seed + 0x6d2b79f5) | 0;
    let t = Math.imul(this.seed ^ (this.seed >>> 15), 1 | this.seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  async complete(request: CompletionRequest): Promise<CompletionResponse> {
    this.calls++;
    if (this.random() < 0.3) {
      this.failures++;
      throw new ToolError('flaky: HTTP 503 service unavailable', true, 'LLM_HTTP_503');
    }
    return { ...(await this.inner.complete(request)), provider: 'flaky', model: request.model, offline: false };
  }
}

describe.each(ADAPTERS)('a provider that fails 30%% of its calls (%s)', (adapter) => {
  const flaky = new FlakyProvider();
  const routes = ['economy', 'standard', 'premium'].map((t) => `${t}=flaky:flaky-1,offline:offline`).join(';');
  const p = usePlatform({ adapter, tools: { providers: [flaky], llm: { routes } } });

  it('still completes every run: the guard retries its failures and the router falls back along the tier chain', async () => {
    const { key } = await p.current.tenant();
    const runs: string[] = [];
    for (let i = 0; i < 4; i++) {
      const { taskId } = await seedAgencyTask(p.current, key, { channels: ['linkedin', 'x'] });
      runs.push(await startRun(p.current, key, { taskId, mode: 'autopilot' }));
    }
    for (const id of runs) {
      const run = await waitForRun(p.current, key, id, (r) => ['completed', 'failed', 'cancelled'].includes(r.status), 90_000);
      expect(run.status, JSON.stringify(run.diagnosis)).toBe('completed');
    }
    expect(flaky.calls).toBeGreaterThan(40);
    expect(flaky.failures).toBeGreaterThan(5);

    const rows = await p.current.db.orm.em.getKnex().raw<{ rows: Array<{ outcome: string; n: string }> }>(
      `select outcome, count(*) as n from tool_call where tool = 'llm.complete' and run_id = any(?::uuid[]) group by outcome`, [runs]);
    const byOutcome = Object.fromEntries(rows.rows.map((r) => [r.outcome, Number(r.n)]));
    // Every model call of the runs succeeded as a tool call: the provider's failures never reached a stage.
    expect(byOutcome).toEqual({ ok: expect.any(Number) });
    const served = await p.current.db.orm.em.getKnex().raw<{ rows: Array<{ model: string; n: string }> }>(
      `select model, count(*) as n from tool_call where tool = 'llm.complete' and run_id = any(?::uuid[]) group by model`, [runs]);
    const models = Object.fromEntries(served.rows.map((r) => [r.model, Number(r.n)]));
    expect(models['flaky:flaky-1']).toBeGreaterThan(0);
    expect(Object.values(models).reduce((a, b) => a + b, 0)).toBe(byOutcome.ok);
  }, 180_000);
});
