import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ToolLayerOptions } from '../../../src/main/tool-layer.js';
import { seedAgencyTask } from '../../helpers/agency-seed.js';
import { startS3rver, type TestS3 } from '../../helpers/s3rver.js';
import { command, startRun, usePlatform, waitForRun } from '../../helpers/test-engine.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

describe('artifacts on S3 (s3rver)', () => {
  let s3: TestS3;
  const tools: Partial<ToolLayerOptions> = {};
  beforeAll(async () => {
    s3 = await startS3rver({ bucket: 'vmp-artifacts' });
    tools.s3 = { bucket: s3.bucket, endpoint: s3.endpoint, region: s3.region, prefix: 'tenant-data', ...s3.credentials };
  });
  afterAll(async () => s3?.close());
  const p = usePlatform({ adapter: 'in-process', tools });

  it('an approved run stores its artifacts in the bucket, content-addressed, and serves them through the API', async () => {
    const { key } = await p.current.tenant();
    const seed = await seedAgencyTask(p.current, key, { channels: ['linkedin'] });
    const runId = await startRun(p.current, key, { taskId: seed.taskId, mode: 'supervised' });
    await waitForRun(p.current, key, runId, (r) => r.status === 'waiting_approval', 30_000);
    await command(p.current, key, runId, 'approve');
    await waitForRun(p.current, key, runId, (r) => r.status === 'completed', 30_000);
    expect(p.current.tools?.store.location).toBe('s3://vmp-artifacts/tenant-data');

    const res = await p.current.call(key, { method: 'GET', url: `/v2/runs/${runId}/artifacts` });
    const [artifact] = (res.json() as { items: Array<{ version: { sha256: string; contentUrl: string } }> }).items;
    const viaApi = await p.current.call(key, { method: 'GET', url: artifact?.version.contentUrl ?? '' });
    expect(viaApi.statusCode).toBe(200);
    expect(viaApi.body).toContain(seed.disclaimer);

    const client = new S3Client({ endpoint: s3.endpoint, region: s3.region, forcePathStyle: true, credentials: s3.credentials });
    try {
      const object = await client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: `tenant-data/sha256/${artifact?.version.sha256}` }));
      expect(await object.Body?.transformToString()).toBe(viaApi.body);
      expect(object.ContentType).toContain('text/markdown');
    } finally {
      client.destroy();
    }
  });
});
