import { describe, expect, it } from 'vitest';
import type { ArtifactCreatedEvent, GateResultEvent } from '../../../src/contracts/realtime.js';
import { seedAgencyTask } from '../../helpers/agency-seed.js';
import { connectClient, withoutTimes } from '../../helpers/realtime-client.js';
import { command, startRun, usePlatform, waitForRun } from '../../helpers/test-engine.js';

describe('realtime events of an agency run (social_post on the offline provider)', () => {
  const p = usePlatform({ adapter: 'in-process', tools: {}, realtime: true });

  it('a subscriber gets the gate report when the review passes and one artifact.created per consolidated deliverable, as in replay', async () => {
    const { key } = await p.current.tenant();
    const seed = await seedAgencyTask(p.current, key, { channels: ['linkedin', 'x'] });
    const client = await connectClient(p.current.url ?? '', { token: key });
    try {
      const runId = await startRun(p.current, key, { taskId: seed.taskId, mode: 'supervised' });
      const ack = await client.subscribe({ runId, lastSeq: 0 });
      expect(ack.ok).toBe(true);

      const gate = (await client.waitFor((e) => e.runId === runId && e.type === 'gate.result', 30_000)) as GateResultEvent;
      expect(gate).toMatchObject({ stageId: '$review', passed: true });
      expect(gate.score).toBeGreaterThan(0);
      expect(gate.gates.map((g) => g.name).sort()).toEqual(['brand compliance (linkedin)', 'brand compliance (x)', 'quality score (linkedin)', 'quality score (x)']);
      expect(gate.gates.every((g) => g.passed && g.detail.length > 0)).toBe(true);
      // The gate result precedes the step's run.transition into waiting_approval.
      const step = client.events.filter((e) => e.seq === gate.seq);
      expect(step.at(-1)).toMatchObject({ type: 'run.transition', to: 'waiting_approval' });

      await waitForRun(p.current, key, runId, (r) => r.status === 'waiting_approval', 30_000);
      expect((await command(p.current, key, runId, 'approve', { note: 'ship it' })).statusCode).toBe(202);
      await waitForRun(p.current, key, runId, (r) => r.status === 'completed', 30_000);
      await client.waitFor((e) => e.runId === runId && e.type === 'run.transition' && e.to === 'completed', 10_000);

      const created = client.events.filter((e): e is ArtifactCreatedEvent & { receivedAt: number } => e.runId === runId && e.type === 'artifact.created');
      const res = await p.current.call(key, { method: 'GET', url: `/v2/runs/${runId}/artifacts` });
      const artifacts = (res.json() as { items: Array<{ id: string; slot: string; version: { version: number } }> }).items;
      expect(created.map((e) => [e.artifactId, e.name, e.version]).sort()).toEqual(artifacts.map((a) => [a.id, a.slot, a.version.version]).sort());
      expect(created).toHaveLength(2);

      // Every live step equals its replay (but `at`).
      const replay = await client.subscribe({ runId, lastSeq: 0 });
      expect(replay.ok).toBe(true);
      if (!replay.ok || !ack.ok) return;
      const live = client.events.filter((e) => e.runId === runId && e.seq > ack.lastSeq);
      const seqs = new Set(live.map((e) => e.seq));
      expect(withoutTimes(replay.missed.filter((e) => seqs.has(e.seq)))).toEqual(withoutTimes(live));
    } finally {
      client.close();
    }
  });
});
