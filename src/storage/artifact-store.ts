import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { InvalidArtifactKeyError } from './errors.js';

/**
 * The artifact store port: content-addressed blobs (the key is the SHA-256 of the content, so the
 * same content is stored once and a key always means the same bytes). Adapters: filesystem (the
 * default, under `$DATA_DIR/artifacts`) and S3 or S3-compatible (`S3_BUCKET`, `S3_ENDPOINT`); see
 * src/storage/README.md.
 *
 * Errors (src/storage/errors.ts): a key that is not `sha256/<64 lowercase hex>` is an
 * `InvalidArtifactKeyError`, a missing one an `ArtifactNotFoundError`, bytes that no longer match
 * their key an `ArtifactIntegrityError`, a store that cannot be reached or used (missing bucket,
 * refused credentials, unwritable directory) an `ArtifactStoreUnavailableError`.
 */
export interface StoredObject {
  /** `sha256/<hex>`: where the content lives in the store. */
  key: string;
  /** Lowercase hex SHA-256 of the content. */
  sha256: string;
  /** Bytes. */
  size: number;
  /** The content type the content was first stored with (a later put of the same bytes keeps it). */
  contentType: string;
}

/** An open download: the object's description and its bytes as a stream (read it or destroy it). */
export interface ArtifactStream {
  object: StoredObject;
  body: Readable;
}

export interface ArtifactStore {
  /** `filesystem` or `s3`. */
  readonly kind: string;
  /** Where the store is, for people (a directory, `s3://bucket/prefix`). */
  readonly location: string;
  /**
   * Stores content (idempotent: storing the same bytes again returns the same key and writes
   * nothing; the content type of the first put is kept and returned).
   */
  put(content: Buffer, contentType: string): Promise<StoredObject>;
  /** The content of a key, checked against its SHA-256; throws `ArtifactNotFoundError` when it does not exist. */
  get(key: string): Promise<Buffer>;
  /** Size and content type of a key without its bytes; throws `ArtifactNotFoundError` when it does not exist. */
  head(key: string): Promise<StoredObject>;
  /** The content as a stream, for downloads (one round trip); throws `ArtifactNotFoundError` when it does not exist. */
  stream(key: string): Promise<ArtifactStream>;
  exists(key: string): Promise<boolean>;
  /** Removes a key; removing a missing key is not an error. */
  delete(key: string): Promise<void>;
  /**
   * Checks the store can be used (the directory is writable, the bucket exists and the credentials
   * are accepted); composition roots call it at start-up to fail with a clear message.
   */
  check?(): Promise<void>;
  /** Releases connections (the S3 client); the store is unusable afterwards. */
  close?(): Promise<void>;
}

const KEY_PATTERN = /^sha256\/([0-9a-f]{64})$/;

/** The key of content whose SHA-256 is `sha256Hex`. */
export function artifactKey(sha256Hex: string): string {
  return `sha256/${sha256Hex}`;
}

/** True when `key` has the form of an artifact key (`sha256/<64 lowercase hex>`). */
export function isArtifactKey(key: string): boolean {
  return KEY_PATTERN.test(key);
}

/** The hex digest inside a key, or undefined when the key is malformed. */
export function sha256OfKey(key: string): string | undefined {
  return KEY_PATTERN.exec(key)?.[1];
}

/** The hex digest inside a key; throws `InvalidArtifactKeyError` when the key is malformed. */
export function parseArtifactKey(key: string): string {
  const hex = typeof key === 'string' ? sha256OfKey(key) : undefined;
  if (hex === undefined) throw new InvalidArtifactKeyError(String(key));
  return hex;
}

/** Lowercase hex SHA-256 of `content`. */
export function sha256Hex(content: Uint8Array): string {
  return createHash('sha256').update(content).digest('hex');
}

/** What content of unknown type is stored and served as. */
export const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

const CONTENT_TYPE_PATTERN = /^[\x21-\x7e][\x20-\x7e]{0,254}$/;

/** Throws a `TypeError` unless `contentType` is 1–255 printable ASCII characters (it becomes an HTTP header). */
export function checkContentType(contentType: string): void {
  if (typeof contentType !== 'string' || !CONTENT_TYPE_PATTERN.test(contentType)) {
    throw new TypeError(`invalid content type ${JSON.stringify(contentType)}: expected 1-255 printable ASCII characters, e.g. text/markdown`);
  }
}
