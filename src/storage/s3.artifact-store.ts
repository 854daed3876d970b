import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Readable } from 'node:stream';
import {
  artifactKey,
  checkContentType,
  DEFAULT_CONTENT_TYPE,
  parseArtifactKey,
  sha256Hex,
  type ArtifactStore,
  type ArtifactStream,
  type StoredObject,
} from './artifact-store.js';
import { ArtifactIntegrityError, ArtifactNotFoundError, ArtifactStoreUnavailableError } from './errors.js';

export interface S3ArtifactStoreOptions {
  bucket: string;
  /** An S3-compatible endpoint (MinIO, R2, s3rver…); unset = AWS S3. */
  endpoint?: string;
  /** Default `us-east-1`. */
  region?: string;
  /** Path-style URLs (`endpoint/bucket/key`), which most S3-compatible servers need. Default false. */
  forcePathStyle?: boolean;
  /** Key prefix inside the bucket (slashes at either end are ignored); objects are `<prefix>/sha256/<hex>`. */
  prefix?: string;
  /** Static credentials; unset = the SDK's default chain (environment, shared config, instance role…). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Attempts per request, retries included (SDK default 3). */
  maxAttempts?: number;
}

/** What an SDK error carries that we look at. */
interface SdkError {
  name?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

/**
 * Artifacts as objects in an S3 or S3-compatible bucket: `<prefix>/sha256/<hex>` with the content type
 * as the object's `Content-Type`. A put asks HeadObject first and writes nothing when the object is
 * already there (the first put's content type stays); PutObject sends the SHA-256 as
 * `x-amz-checksum-sha256`, so AWS S3 refuses bytes damaged on the way. Reads check the bytes against
 * the key. Call {@link close} to release the client's sockets.
 */
export class S3ArtifactStore implements ArtifactStore {
  readonly kind = 's3';
  readonly location: string;
  readonly bucket: string;
  readonly prefix: string;
  private readonly client: S3Client;

  constructor(options: S3ArtifactStoreOptions) {
    if (!options.bucket) throw new TypeError('S3ArtifactStore needs a bucket');
    this.bucket = options.bucket;
    this.prefix = (options.prefix ?? '').replace(/^\/+|\/+$/g, '');
    this.location = `s3://${this.bucket}${this.prefix ? `/${this.prefix}` : ''}`;
    const config: S3ClientConfig = { region: options.region ?? 'us-east-1' };
    if (options.endpoint !== undefined) config.endpoint = options.endpoint;
    if (options.forcePathStyle !== undefined) config.forcePathStyle = options.forcePathStyle;
    if (options.credentials) config.credentials = options.credentials;
    if (options.maxAttempts !== undefined) config.maxAttempts = options.maxAttempts;
    this.client = new S3Client(config);
  }

  async put(content: Buffer, contentType: string): Promise<StoredObject> {
    checkContentType(contentType);
    const hex = sha256Hex(content);
    const key = artifactKey(hex);
    const existing = await this.headObject(key, 'put');
    if (existing) return existing;
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: this.objectKey(key),
          Body: content,
          ContentLength: content.length,
          ContentType: contentType,
          ChecksumSHA256: Buffer.from(hex, 'hex').toString('base64'),
        }),
      );
    } catch (err) {
      throw this.translate('put', key, err);
    }
    return { key, sha256: hex, size: content.length, contentType };
  }

  async get(key: string): Promise<Buffer> {
    const hex = parseArtifactKey(key);
    let content: Buffer;
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
      if (!out.Body) throw new Error('GetObject answered without a body');
      const bytes = await out.Body.transformToByteArray();
      content = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    } catch (err) {
      throw this.translate('get', key, err);
    }
    const actual = sha256Hex(content);
    if (actual !== hex) throw new ArtifactIntegrityError(key, actual, this.location);
    return content;
  }

  async head(key: string): Promise<StoredObject> {
    parseArtifactKey(key);
    const found = await this.headObject(key, 'head');
    if (!found) throw new ArtifactNotFoundError(key, this.location);
    return found;
  }

  async stream(key: string): Promise<ArtifactStream> {
    const hex = parseArtifactKey(key);
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
      if (!(out.Body instanceof Readable)) throw new Error('GetObject answered without a readable body');
      return {
        object: { key, sha256: hex, size: out.ContentLength ?? 0, contentType: out.ContentType || DEFAULT_CONTENT_TYPE },
        body: out.Body,
      };
    } catch (err) {
      throw this.translate('stream', key, err);
    }
  }

  async exists(key: string): Promise<boolean> {
    parseArtifactKey(key);
    return (await this.headObject(key, 'exists')) !== undefined;
  }

  async delete(key: string): Promise<void> {
    parseArtifactKey(key);
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
    } catch (err) {
      throw this.translate('delete', key, err);
    }
  }

  /** Checks that the bucket exists and the credentials are accepted (HeadBucket). */
  async check(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch (err) {
      const e = err as SdkError;
      // HeadBucket answers a bare 404 (no error code) for a missing bucket.
      if (e.name === 'NotFound' || e.$metadata?.httpStatusCode === 404) throw this.noSuchBucket(err);
      throw this.translate('check', undefined, err);
    }
  }

  async close(): Promise<void> {
    this.client.destroy();
    return Promise.resolve();
  }

  /** The object key of an artifact key. */
  objectKey(key: string): string {
    return this.prefix ? `${this.prefix}/${key}` : key;
  }

  /**
   * HeadObject; undefined for a bare 404. A missing bucket also answers a bare 404 here (HEAD has no
   * body to say which), so `exists` says false for it; put, get and check name the missing bucket.
   */
  private async headObject(key: string, op: string): Promise<StoredObject | undefined> {
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
      return { key, sha256: parseArtifactKey(key), size: out.ContentLength ?? 0, contentType: out.ContentType || DEFAULT_CONTENT_TYPE };
    } catch (err) {
      const e = err as SdkError;
      if (e.name === 'NotFound' || e.name === 'NoSuchKey' || e.$metadata?.httpStatusCode === 404) return undefined;
      throw this.translate(op, key, err);
    }
  }

  private translate(op: string, key: string | undefined, err: unknown): Error {
    const e = err as SdkError;
    if (key !== undefined && (e.name === 'NoSuchKey' || e.name === 'NotFound')) return new ArtifactNotFoundError(key, this.location);
    if (e.name === 'NoSuchBucket') return this.noSuchBucket(err);
    const status = e.$metadata?.httpStatusCode;
    const what = `${op}${key ? ` ${key}` : ''}`;
    if (status === 403 || e.name === 'AccessDenied' || e.name === 'InvalidAccessKeyId' || e.name === 'SignatureDoesNotMatch') {
      return new ArtifactStoreUnavailableError(
        `S3 artifact store ${this.location}: ${what} was refused (${e.name ?? 'AccessDenied'}${status ? ` ${status}` : ''}): check the credentials and the bucket policy`,
        { cause: err },
      );
    }
    const reason = `${e.name && e.name !== 'Error' ? `${e.name}: ` : ''}${e.message ?? String(err)}`;
    return new ArtifactStoreUnavailableError(`S3 artifact store ${this.location}: ${what} failed${status ? ` (HTTP ${status})` : ''}: ${reason}`, { cause: err });
  }

  private noSuchBucket(err: unknown): ArtifactStoreUnavailableError {
    return new ArtifactStoreUnavailableError(`S3 artifact store ${this.location}: bucket "${this.bucket}" does not exist (create it, or set S3_BUCKET to an existing one)`, {
      cause: err,
    });
  }
}
