import { randomUUID } from 'node:crypto';
import { constants } from 'node:fs';
import { access, mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
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

/** Prefix of the temporary files a put writes before renaming them into place. */
export const TEMP_FILE_PREFIX = '.tmp-';

interface Paths {
  dir: string;
  blob: string;
  meta: string;
}

/**
 * Artifacts as files under a root directory (the embedded default: `$DATA_DIR/artifacts`).
 *
 * Layout: `<root>/sha256/<first 2 hex>/<hex>` holds the raw bytes (so `sha256sum` of a file equals
 * its name) and `<hex>.json` next to it holds `{"contentType": …}`. A put writes each file to a
 * temporary file in the same directory, flushes it to disk and renames it into place; the sidecar goes
 * first and the blob last, so the blob's presence is the commit point: a crash can leave a stray
 * `.tmp-*` file or a sidecar without a blob, never a half-written blob, and an artifact is visible
 * only once it is complete. Reads check the bytes against the key.
 */
export class FilesystemArtifactStore implements ArtifactStore {
  readonly kind = 'filesystem';
  readonly location: string;
  private readonly root: string;

  constructor(rootDir: string) {
    if (!rootDir) throw new TypeError('FilesystemArtifactStore needs a root directory');
    this.root = path.resolve(rootDir);
    this.location = this.root;
  }

  async put(content: Buffer, contentType: string): Promise<StoredObject> {
    checkContentType(contentType);
    const hex = sha256Hex(content);
    const key = artifactKey(hex);
    const p = this.paths(hex);
    const existing = await this.statBlob(p, 'put');
    if (existing) return { key, sha256: hex, size: existing.size, contentType: await this.readContentType(p) };
    try {
      await mkdir(p.dir, { recursive: true });
      await writeAtomically(p.dir, p.meta, JSON.stringify({ contentType }));
      await writeAtomically(p.dir, p.blob, content);
      await syncDirectory(p.dir);
    } catch (err) {
      throw this.unavailable(`put ${key}`, err);
    }
    return { key, sha256: hex, size: content.length, contentType };
  }

  async get(key: string): Promise<Buffer> {
    const hex = parseArtifactKey(key);
    let content: Buffer;
    try {
      content = await readFile(this.paths(hex).blob);
    } catch (err) {
      throw this.translate(`get ${key}`, key, err);
    }
    const actual = sha256Hex(content);
    if (actual !== hex) throw new ArtifactIntegrityError(key, actual, this.location);
    return content;
  }

  async head(key: string): Promise<StoredObject> {
    const hex = parseArtifactKey(key);
    const p = this.paths(hex);
    const found = await this.statBlob(p, `head ${key}`);
    if (!found) throw new ArtifactNotFoundError(key, this.location);
    return { key, sha256: hex, size: found.size, contentType: await this.readContentType(p) };
  }

  async stream(key: string): Promise<ArtifactStream> {
    const hex = parseArtifactKey(key);
    const p = this.paths(hex);
    let handle;
    try {
      handle = await open(p.blob, 'r');
    } catch (err) {
      throw this.translate(`stream ${key}`, key, err);
    }
    try {
      const { size } = await handle.stat();
      const contentType = await this.readContentType(p);
      return { object: { key, sha256: hex, size, contentType }, body: handle.createReadStream() };
    } catch (err) {
      await handle.close();
      throw this.unavailable(`stream ${key}`, err);
    }
  }

  async exists(key: string): Promise<boolean> {
    const hex = parseArtifactKey(key);
    return (await this.statBlob(this.paths(hex), `exists ${key}`)) !== undefined;
  }

  async delete(key: string): Promise<void> {
    const hex = parseArtifactKey(key);
    const p = this.paths(hex);
    try {
      // Blob first: once it is gone the artifact is gone, whatever happens to the sidecar.
      await rm(p.blob, { force: true });
      await rm(p.meta, { force: true });
    } catch (err) {
      throw this.unavailable(`delete ${key}`, err);
    }
  }

  /** Creates the root directory if needed and checks it can be read and written. */
  async check(): Promise<void> {
    try {
      await mkdir(this.root, { recursive: true });
      await access(this.root, constants.R_OK | constants.W_OK);
    } catch (err) {
      throw this.unavailable('check', err);
    }
  }

  private paths(hex: string): Paths {
    const dir = path.join(this.root, 'sha256', hex.slice(0, 2));
    return { dir, blob: path.join(dir, hex), meta: path.join(dir, `${hex}.json`) };
  }

  private async statBlob(p: Paths, op: string): Promise<{ size: number } | undefined> {
    try {
      const s = await stat(p.blob);
      return { size: s.size };
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw this.unavailable(op, err);
    }
  }

  /** The sidecar's content type; a blob whose sidecar is gone or unreadable is served as octet-stream. */
  private async readContentType(p: Paths): Promise<string> {
    try {
      const parsed: unknown = JSON.parse(await readFile(p.meta, 'utf8'));
      const contentType = (parsed as { contentType?: unknown } | null)?.contentType;
      return typeof contentType === 'string' && contentType ? contentType : DEFAULT_CONTENT_TYPE;
    } catch {
      return DEFAULT_CONTENT_TYPE;
    }
  }

  private translate(op: string, key: string, err: unknown): Error {
    return isMissing(err) ? new ArtifactNotFoundError(key, this.location) : this.unavailable(op, err);
  }

  private unavailable(op: string, err: unknown): ArtifactStoreUnavailableError {
    const reason = err instanceof Error ? err.message : String(err);
    return new ArtifactStoreUnavailableError(`filesystem artifact store ${this.location}: ${op} failed: ${reason}`, { cause: err });
  }
}

function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** Writes `data` to a temporary file in `dir`, flushes it, and renames it to `target` (atomic on POSIX). */
async function writeAtomically(dir: string, target: string, data: string | Buffer): Promise<void> {
  const temp = path.join(dir, `${TEMP_FILE_PREFIX}${path.basename(target)}-${randomUUID()}`);
  try {
    const handle = await open(temp, 'wx', 0o644);
    try {
      await handle.writeFile(data);
      await handle.datasync();
    } finally {
      await handle.close();
    }
    await rename(temp, target);
  } catch (err) {
    await rm(temp, { force: true }).catch(() => undefined);
    throw err;
  }
}

/** Makes the renames durable across a power loss; platforms that cannot fsync a directory skip it. */
async function syncDirectory(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // Not supported here (e.g. Windows): the rename is still atomic, only its durability is weaker.
  } finally {
    await handle?.close();
  }
}
