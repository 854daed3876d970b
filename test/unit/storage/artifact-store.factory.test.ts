import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createArtifactStore, s3OptionsFromEnv } from '../../../src/storage/artifact-store.factory.js';
import { FilesystemArtifactStore } from '../../../src/storage/filesystem.artifact-store.js';
import { S3ArtifactStore } from '../../../src/storage/s3.artifact-store.js';

// The AWS SDK warns once per process that its 2027 releases need Node 22 (../shared/STACK.md); known, so quiet here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

describe('createArtifactStore', () => {
  it('uses the filesystem under <dataDir>/artifacts when no bucket is configured', () => {
    for (const s3 of [undefined, {}, { bucket: '' }]) {
      const store = createArtifactStore({ dataDir: 'data', s3 });
      expect(store).toBeInstanceOf(FilesystemArtifactStore);
      expect(store.location).toBe(path.resolve('data', 'artifacts'));
    }
  });

  it('uses S3 when a bucket is configured, at s3://bucket/prefix', async () => {
    const store = createArtifactStore({ dataDir: 'data', s3: { bucket: 'vmp', prefix: 'prod/artifacts/' } });
    expect(store).toBeInstanceOf(S3ArtifactStore);
    expect(store.kind).toBe('s3');
    expect(store.location).toBe('s3://vmp/prod/artifacts');
    await store.close?.();
  });

  it('refuses half of a static key pair', () => {
    expect(() => createArtifactStore({ dataDir: 'data', s3: { bucket: 'vmp', accessKeyId: 'AKIA' } })).toThrow(/both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/);
  });
});

describe('s3OptionsFromEnv', () => {
  it('gives nothing without S3_BUCKET (empty counts as unset), whatever AWS_* says', () => {
    expect(s3OptionsFromEnv({})).toBeUndefined();
    expect(s3OptionsFromEnv({ S3_BUCKET: '  ', AWS_ACCESS_KEY_ID: 'AKIA', AWS_REGION: 'eu-west-1' })).toBeUndefined();
  });

  it('reads every variable', () => {
    expect(
      s3OptionsFromEnv({
        S3_BUCKET: 'vmp',
        S3_ENDPOINT: 'http://minio:9000',
        S3_FORCE_PATH_STYLE: 'true',
        S3_REGION: 'eu-central-1',
        S3_PREFIX: 'artifacts',
        AWS_ACCESS_KEY_ID: 'AKIA',
        AWS_SECRET_ACCESS_KEY: 'secret',
        AWS_SESSION_TOKEN: 'token',
      }),
    ).toEqual({
      bucket: 'vmp',
      endpoint: 'http://minio:9000',
      forcePathStyle: true,
      region: 'eu-central-1',
      prefix: 'artifacts',
      accessKeyId: 'AKIA',
      secretAccessKey: 'secret',
      sessionToken: 'token',
    });
  });

  it('leaves credentials to the default chain when no key pair is set, and falls back to AWS_REGION', () => {
    expect(s3OptionsFromEnv({ S3_BUCKET: 'vmp', AWS_REGION: 'us-west-2', AWS_SESSION_TOKEN: 'ignored' })).toEqual({ bucket: 'vmp', region: 'us-west-2' });
  });

  it.each([
    ['true', true],
    ['TRUE', true],
    ['1', true],
    ['false', false],
    ['0', false],
  ])('reads S3_FORCE_PATH_STYLE=%s as %s', (value, expected) => {
    expect(s3OptionsFromEnv({ S3_BUCKET: 'b', S3_FORCE_PATH_STYLE: value })?.forcePathStyle).toBe(expected);
  });

  it('refuses any other S3_FORCE_PATH_STYLE, naming the variable and the value', () => {
    expect(() => s3OptionsFromEnv({ S3_BUCKET: 'b', S3_FORCE_PATH_STYLE: 'yes' })).toThrow('S3_FORCE_PATH_STYLE must be true, false, 1 or 0 (got "yes")');
  });

  it('refuses an S3_ENDPOINT that is not an http(s) URL', () => {
    expect(() => s3OptionsFromEnv({ S3_BUCKET: 'b', S3_ENDPOINT: 'minio:9000' })).toThrow(/S3_ENDPOINT must be an http:\/\/ or https:\/\/ URL/);
    expect(() => s3OptionsFromEnv({ S3_BUCKET: 'b', S3_ENDPOINT: 'not a url' })).toThrow(/S3_ENDPOINT/);
  });

  it('refuses half of a static key pair, naming the missing variable', () => {
    expect(() => s3OptionsFromEnv({ S3_BUCKET: 'b', AWS_ACCESS_KEY_ID: 'AKIA' })).toThrow(/AWS_ACCESS_KEY_ID is set without AWS_SECRET_ACCESS_KEY/);
    expect(() => s3OptionsFromEnv({ S3_BUCKET: 'b', AWS_SECRET_ACCESS_KEY: 's' })).toThrow(/AWS_SECRET_ACCESS_KEY is set without AWS_ACCESS_KEY_ID/);
  });

  it('refuses S3 settings without S3_BUCKET instead of silently using the filesystem', () => {
    expect(() => s3OptionsFromEnv({ S3_ENDPOINT: 'http://minio:9000', S3_PREFIX: 'a' })).toThrow('S3_ENDPOINT, S3_PREFIX are set but S3_BUCKET is not');
  });
});

