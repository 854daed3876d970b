import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FilesystemArtifactStore, TEMP_FILE_PREFIX } from '../../../src/storage/filesystem.artifact-store.js';
import { ArtifactIntegrityError, ArtifactNotFoundError, ArtifactStoreUnavailableError } from '../../../src/storage/errors.js';
import { describeArtifactStoreContract } from '../../helpers/artifact-store.contract.js';

let tmp: string;
let n = 0;
const freshRoot = (): string => path.join(tmp, `store-${++n}`);

beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'vmp-fs-artifacts-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** Every file under `dir`, relative to it. */
async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name))).sort();
}

describeArtifactStoreContract('filesystem', () => Promise.resolve(new FilesystemArtifactStore(freshRoot())));

describe('FilesystemArtifactStore', () => {
  let root: string;
  let store: FilesystemArtifactStore;
  beforeEach(() => {
    root = freshRoot();
    store = new FilesystemArtifactStore(root);
  });

  it('lays out blobs as <root>/sha256/<2 hex>/<hex> with the raw bytes and a JSON content-type sidecar', async () => {
    const content = Buffer.from('layout');
    const hex = createHash('sha256').update(content).digest('hex');
    await store.put(content, 'text/plain');
    expect(await listFiles(root)).toEqual([path.join('sha256', hex.slice(0, 2), hex), path.join('sha256', hex.slice(0, 2), `${hex}.json`)]);
    expect(await readFile(path.join(root, 'sha256', hex.slice(0, 2), hex))).toEqual(content);
    expect(JSON.parse(await readFile(path.join(root, 'sha256', hex.slice(0, 2), `${hex}.json`), 'utf8'))).toEqual({ contentType: 'text/plain' });
    expect(store.location).toBe(path.resolve(root));
    expect(store.kind).toBe('filesystem');
  });

  it('creates its root directory on the first put', async () => {
    const nested = path.join(freshRoot(), 'a', 'b');
    const stored = await new FilesystemArtifactStore(nested).put(Buffer.from('deep'), 'text/plain');
    expect(await listFiles(nested)).toContain(path.join('sha256', stored.sha256.slice(0, 2), stored.sha256));
  });

  it('leaves no temporary files after puts, concurrent ones of the same content included', async () => {
    const same = randomBytes(128 * 1024);
    await Promise.all([
      ...Array.from({ length: 25 }, () => store.put(same, 'application/octet-stream')),
      ...Array.from({ length: 25 }, (_, i) => store.put(Buffer.from(`other ${i}`), 'text/plain')),
    ]);
    const files = await listFiles(root);
    expect(files.filter((f) => path.basename(f).startsWith(TEMP_FILE_PREFIX))).toEqual([]);
    expect(files).toHaveLength(2 * 26);
    expect((await store.get(`sha256/${createHash('sha256').update(same).digest('hex')}`)).equals(same)).toBe(true);
  });

  it('does not see a half-written temporary file a crash left behind, and stores over it', async () => {
    const content = Buffer.from('complete content');
    const hex = createHash('sha256').update(content).digest('hex');
    const dir = path.join(root, 'sha256', hex.slice(0, 2));
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, `${TEMP_FILE_PREFIX}${hex}-crashed`), content.subarray(0, 4));
    await writeFile(path.join(dir, `${hex}.json`), '{"contentType":"text/plain"}');
    const key = `sha256/${hex}`;
    expect(await store.exists(key)).toBe(false);
    await expect(store.get(key)).rejects.toBeInstanceOf(ArtifactNotFoundError);
    await store.put(content, 'text/markdown');
    expect(await store.get(key)).toEqual(content);
    expect((await store.head(key)).contentType).toBe('text/markdown');
  });

  it('reports bytes damaged on disk as ArtifactIntegrityError instead of returning them', async () => {
    const stored = await store.put(Buffer.from('pristine'), 'text/plain');
    await writeFile(path.join(root, 'sha256', stored.sha256.slice(0, 2), stored.sha256), 'tampered');
    const err: unknown = await store.get(stored.key).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ArtifactIntegrityError);
    expect((err as Error).message).toMatch(/is damaged/);
  });

  it('serves a blob whose sidecar is gone as application/octet-stream', async () => {
    const stored = await store.put(Buffer.from('orphan'), 'text/plain');
    await rm(path.join(root, 'sha256', stored.sha256.slice(0, 2), `${stored.sha256}.json`));
    expect(await store.head(stored.key)).toEqual({ ...stored, contentType: 'application/octet-stream' });
    expect(await store.get(stored.key)).toEqual(Buffer.from('orphan'));
  });

  it('never reads or writes outside its root for a traversal key', async () => {
    const outside = path.join(tmp, 'outside.txt');
    await writeFile(outside, 'secret');
    const rel = path.relative(root, outside);
    await expect(store.get(rel)).rejects.toThrow(/invalid artifact key/);
    await expect(store.delete(`sha256/../../${path.basename(outside)}`)).rejects.toThrow(/invalid artifact key/);
    expect(await readFile(outside, 'utf8')).toBe('secret');
  });

  it('fails its check with ArtifactStoreUnavailableError when the root is not a usable directory', async () => {
    const file = path.join(freshRoot());
    await writeFile(file, 'not a directory');
    const broken = new FilesystemArtifactStore(file);
    const err: unknown = await broken.check().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ArtifactStoreUnavailableError);
    expect((err as Error).message).toContain(file);
    await expect(broken.put(Buffer.from('x'), 'text/plain')).rejects.toBeInstanceOf(ArtifactStoreUnavailableError);
  });

  it('refuses an empty root directory', () => {
    expect(() => new FilesystemArtifactStore('')).toThrow(/root directory/);
  });
});
