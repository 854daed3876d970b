/**
 * The artifact store port: content-addressed blobs (the key is the SHA-256 of the content, so the
 * same content is stored once and a key always means the same bytes). Adapters: filesystem (the
 * default, under `$DATA_DIR/artifacts`) and S3 or S3-compatible (`S3_BUCKET`, `S3_ENDPOINT`).
 */
export interface StoredObject {
  /** `sha256/<hex>`: where the content lives in the store. */
  key: string;
  sha256: string;
  size: number;
  contentType: string;
}

export interface ArtifactStore {
  /** `filesystem` or `s3`. */
  readonly kind: string;
  /** Where the store is, for people (a directory, `s3://bucket/prefix`). */
  readonly location: string;
  /** Stores content (idempotent: storing the same bytes again returns the same key). */
  put(content: Buffer, contentType: string): Promise<StoredObject>;
  /** The content of a key; throws when it does not exist. */
  get(key: string): Promise<Buffer>;
  exists(key: string): Promise<boolean>;
  delete(key: string): Promise<void>;
}
