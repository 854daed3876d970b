import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createArtifactStore } from '../../../src/storage/artifact-store.factory.js';
import { ArtifactIntegrityError, ArtifactNotFoundError, ArtifactStoreUnavailableError } from '../../../src/storage/errors.js';
import { S3ArtifactStore, type S3ArtifactStoreOptions } from '../../../src/storage/s3.artifact-store.js';
import { describeArtifactStoreContract } from '../../helpers/artifact-store.contract.js';
import { startS3rver, type TestS3 } from '../../helpers/s3rver.js';

let s3: TestS3;
let raw: S3Client;
let n = 0;
const opened: S3ArtifactStore[] = [];

/** A store on the test server, in a prefix of its own unless told otherwise. */
function storeFor(overrides: Partial<S3ArtifactStoreOptions> = {}): S3ArtifactStore {
  const store = new S3ArtifactStore({
    bucket: s3.bucket,
    endpoint: s3.endpoint,
    region: s3.region,
    forcePathStyle: true,
    credentials: s3.credentials,
    prefix: `test-${++n}`,
    ...overrides,
  });
  opened.push(store);
  return store;
}

beforeAll(async () => {
  s3 = await startS3rver();
  raw = new S3Client({ endpoint: s3.endpoint, region: s3.region, forcePathStyle: true, credentials: s3.credentials });
});
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
});
afterAll(async () => {
  raw?.destroy();
  await s3?.close();
});

describeArtifactStoreContract('s3 (s3rver)', () => Promise.resolve(storeFor()));

describe('S3ArtifactStore', () => {
  it('writes <prefix>/sha256/<hex> with the content type, and says where it is', async () => {
    const store = storeFor({ prefix: '/tenants/acme/' });
    expect(store.location).toBe(`s3://${s3.bucket}/tenants/acme`);
    expect(store.kind).toBe('s3');
    const stored = await store.put(Buffer.from('prefixed'), 'text/markdown');
    const list = await raw.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: 'tenants/acme/' }));
    expect(list.Contents?.map((o) => o.Key)).toEqual([`tenants/acme/${stored.key}`]);
    const head = await raw.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: `tenants/acme/${stored.key}` }));
    expect(head.ContentType).toBe('text/markdown');
    expect(head.ContentLength).toBe(8);
  });

  it('writes at the bucket root without a prefix', async () => {
    const store = storeFor({ prefix: undefined });
    expect(store.location).toBe(`s3://${s3.bucket}`);
    const stored = await store.put(randomBytes(32), 'application/octet-stream');
    const list = await raw.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: 'sha256/' }));
    expect(list.Contents?.map((o) => o.Key)).toContain(stored.key);
  });

  it('keeps stores with different prefixes apart', async () => {
    const a = storeFor();
    const b = storeFor();
    const stored = await a.put(Buffer.from('only in a'), 'text/plain');
    expect(await b.exists(stored.key)).toBe(false);
    await expect(b.get(stored.key)).rejects.toBeInstanceOf(ArtifactNotFoundError);
  });

  it('reports an object whose bytes do not match its key as ArtifactIntegrityError', async () => {
    const store = storeFor();
    const stored = await store.put(Buffer.from('original'), 'text/plain');
    await raw.send(new PutObjectCommand({ Bucket: s3.bucket, Key: store.objectKey(stored.key), Body: 'swapped', ContentType: 'text/plain' }));
    await expect(store.get(stored.key)).rejects.toBeInstanceOf(ArtifactIntegrityError);
    const check = await raw.send(new GetObjectCommand({ Bucket: s3.bucket, Key: store.objectKey(stored.key) }));
    expect(await check.Body?.transformToString()).toBe('swapped');
  });

  it('names a missing bucket in a clear ArtifactStoreUnavailableError (503) from put, get and check', async () => {
    const store = storeFor({ bucket: 'no-such-bucket' });
    for (const op of [() => store.put(Buffer.from('x'), 'text/plain'), () => store.get(`sha256/${'0'.repeat(64)}`), () => store.check()]) {
      const err: unknown = await op().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ArtifactStoreUnavailableError);
      expect(err).toMatchObject({ code: 'SERVICE_UNAVAILABLE', httpStatus: 503 });
      expect((err as Error).message).toMatch(/bucket "no-such-bucket" does not exist/);
    }
  });

  it('reports refused credentials as ArtifactStoreUnavailableError without leaking the secret', async () => {
    // s3rver checks the access key id, not SigV4 signatures: an unknown id is what it refuses.
    const store = storeFor({ credentials: { accessKeyId: 'UNKNOWNKEY', secretAccessKey: 'wrong-secret' }, maxAttempts: 1 });
    const err: unknown = await store.put(Buffer.from('x'), 'text/plain').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ArtifactStoreUnavailableError);
    expect((err as Error).message).toMatch(/was refused .*check the credentials/);
    expect((err as Error).message).not.toContain('wrong-secret');
  });

  it('reports an unreachable endpoint as ArtifactStoreUnavailableError', async () => {
    const store = storeFor({ endpoint: 'http://127.0.0.1:1', maxAttempts: 1 });
    const err: unknown = await store.exists(`sha256/${'0'.repeat(64)}`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ArtifactStoreUnavailableError);
    expect((err as Error).message).toContain(`S3 artifact store s3://${s3.bucket}/`);
  });

  it('is what the factory builds for a configured bucket (path-style by default with an endpoint, as s3rver needs)', async () => {
    const store = createArtifactStore({
      dataDir: '/nonexistent',
      s3: { bucket: s3.bucket, endpoint: s3.endpoint, prefix: 'factory', ...s3.credentials },
    });
    try {
      expect(store).toBeInstanceOf(S3ArtifactStore);
      const stored = await store.put(Buffer.from('via factory'), 'text/plain');
      expect((await store.get(stored.key)).toString()).toBe('via factory');
      const list = await raw.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: 'factory/' }));
      expect(list.Contents?.map((o) => o.Key)).toEqual([`factory/${stored.key}`]);
    } finally {
      await store.close?.();
    }
  });
});
