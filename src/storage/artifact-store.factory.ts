import path from 'node:path';
import type { ArtifactStore } from './artifact-store.js';
import { FilesystemArtifactStore } from './filesystem.artifact-store.js';
import { S3ArtifactStore } from './s3.artifact-store.js';

/** S3 settings as configuration gives them (see {@link s3OptionsFromEnv}). */
export interface S3StoreSettings {
  /** The bucket; when unset or empty the filesystem store is used. */
  bucket?: string;
  endpoint?: string;
  /** Default: true when `endpoint` is set (S3-compatible servers mostly need it), false otherwise. */
  forcePathStyle?: boolean;
  /** Default `us-east-1`. */
  region?: string;
  prefix?: string;
  /** With `secretAccessKey`: static credentials; both unset = the SDK's default credential chain. */
  accessKeyId?: string;
  secretAccessKey?: string;
  sessionToken?: string;
}

export interface ArtifactStoreOptions {
  /** The data directory; the filesystem store lives in `<dataDir>/artifacts`. */
  dataDir: string;
  s3?: S3StoreSettings | undefined;
}

/** The S3 store when `s3.bucket` is set, the filesystem store under `<dataDir>/artifacts` otherwise. */
export function createArtifactStore(options: ArtifactStoreOptions): ArtifactStore {
  const s3 = options.s3;
  if (!s3?.bucket) return new FilesystemArtifactStore(path.join(options.dataDir, 'artifacts'));
  if (Boolean(s3.accessKeyId) !== Boolean(s3.secretAccessKey)) {
    throw new Error('S3 credentials need both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or neither, for the default credential chain)');
  }
  return new S3ArtifactStore({
    bucket: s3.bucket,
    ...(s3.endpoint ? { endpoint: s3.endpoint } : {}),
    ...(s3.region ? { region: s3.region } : {}),
    ...(s3.prefix ? { prefix: s3.prefix } : {}),
    forcePathStyle: s3.forcePathStyle ?? Boolean(s3.endpoint),
    ...(s3.accessKeyId && s3.secretAccessKey
      ? { credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey, ...(s3.sessionToken ? { sessionToken: s3.sessionToken } : {}) } }
      : {}),
  });
}

/** Variables {@link s3OptionsFromEnv} reads that only make sense with `S3_BUCKET`. */
const S3_ONLY = ['S3_ENDPOINT', 'S3_FORCE_PATH_STYLE', 'S3_REGION', 'S3_PREFIX'] as const;

/**
 * S3 settings from environment variables: `S3_BUCKET`, `S3_ENDPOINT` (an http(s) URL),
 * `S3_FORCE_PATH_STYLE` (`true`/`false`/`1`/`0`), `S3_REGION` (else `AWS_REGION`), `S3_PREFIX`,
 * `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`. Empty values count as unset.
 * Returns undefined when `S3_BUCKET` is unset (the filesystem store); throws an `Error` naming the
 * variable when a value is invalid, or when another `S3_*` variable is set without `S3_BUCKET`.
 */
export function s3OptionsFromEnv(env: Record<string, string | undefined>): S3StoreSettings | undefined {
  const read = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value ? value : undefined;
  };
  const bucket = read('S3_BUCKET');
  if (!bucket) {
    const stray = S3_ONLY.filter((name) => read(name) !== undefined);
    if (stray.length > 0) throw new Error(`${stray.join(', ')} ${stray.length > 1 ? 'are' : 'is'} set but S3_BUCKET is not: set S3_BUCKET to store artifacts in S3, or unset ${stray.length > 1 ? 'them' : 'it'} to use the filesystem`);
    return undefined;
  }
  const settings: S3StoreSettings = { bucket };
  const endpoint = read('S3_ENDPOINT');
  if (endpoint !== undefined) {
    let url: URL | undefined;
    try {
      url = new URL(endpoint);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      throw new Error(`S3_ENDPOINT must be an http:// or https:// URL (got ${JSON.stringify(endpoint)})`);
    }
    settings.endpoint = endpoint;
  }
  const pathStyle = read('S3_FORCE_PATH_STYLE');
  if (pathStyle !== undefined) {
    const lower = pathStyle.toLowerCase();
    if (lower === 'true' || lower === '1') settings.forcePathStyle = true;
    else if (lower === 'false' || lower === '0') settings.forcePathStyle = false;
    else throw new Error(`S3_FORCE_PATH_STYLE must be true, false, 1 or 0 (got ${JSON.stringify(pathStyle)})`);
  }
  const region = read('S3_REGION') ?? read('AWS_REGION');
  if (region !== undefined) settings.region = region;
  const prefix = read('S3_PREFIX');
  if (prefix !== undefined) settings.prefix = prefix;
  const accessKeyId = read('AWS_ACCESS_KEY_ID');
  const secretAccessKey = read('AWS_SECRET_ACCESS_KEY');
  if (Boolean(accessKeyId) !== Boolean(secretAccessKey)) {
    throw new Error(`${accessKeyId ? 'AWS_ACCESS_KEY_ID' : 'AWS_SECRET_ACCESS_KEY'} is set without ${accessKeyId ? 'AWS_SECRET_ACCESS_KEY' : 'AWS_ACCESS_KEY_ID'}: set both, or neither for the default credential chain`);
  }
  if (accessKeyId && secretAccessKey) {
    settings.accessKeyId = accessKeyId;
    settings.secretAccessKey = secretAccessKey;
    const sessionToken = read('AWS_SESSION_TOKEN');
    if (sessionToken) settings.sessionToken = sessionToken;
  }
  return settings;
}
