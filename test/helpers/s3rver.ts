import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** The only credentials s3rver accepts (it checks request signatures against them). */
export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

/** The part of s3rver 3.7.1 used here (it ships no types). */
interface S3rverInstance {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
}
type S3rverConstructor = new (options: {
  address: string;
  port: number;
  silent: boolean;
  directory: string;
  configureBuckets: { name: string }[];
}) => S3rverInstance;

const require = createRequire(import.meta.url);

// The AWS SDK warns once per process that its 2027 releases need Node 22 (../shared/STACK.md); known, so quiet in tests.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export interface TestS3 {
  /** `http://127.0.0.1:<port>`; clients need `forcePathStyle: true`, region `us-east-1` and {@link S3RVER_CREDENTIALS}. */
  endpoint: string;
  /** A bucket that exists. */
  bucket: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** Stops the server and deletes its directory. */
  close(): Promise<void>;
}

/**
 * Starts s3rver in this process on 127.0.0.1 and a free port, silent, storing in a fresh temporary
 * directory, with `bucket` (default `artifacts`) created.
 */
export async function startS3rver(options: { bucket?: string } = {}): Promise<TestS3> {
  const bucket = options.bucket ?? 'artifacts';
  const directory = await mkdtemp(path.join(tmpdir(), 'vmp-s3rver-'));
  const S3rver = require('s3rver') as S3rverConstructor;
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: bucket }] });
  let address: AddressInfo;
  try {
    address = await server.run();
  } catch (err) {
    await rm(directory, { recursive: true, force: true });
    throw err;
  }
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    bucket,
    region: 'us-east-1',
    credentials: { ...S3RVER_CREDENTIALS },
    close: async () => {
      try {
        await server.close();
      } finally {
        await rm(directory, { recursive: true, force: true });
      }
    },
  };
}
