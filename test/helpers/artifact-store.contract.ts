import { createHash, randomBytes } from 'node:crypto';
import { text } from 'node:stream/consumers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ArtifactStore } from '../../src/storage/artifact-store.js';
import { ArtifactNotFoundError, InvalidArtifactKeyError } from '../../src/storage/errors.js';

const sha256 = (content: Buffer | string): string => createHash('sha256').update(content).digest('hex');
const keyOf = (content: Buffer | string): string => `sha256/${sha256(content)}`;

/** Keys every adapter must refuse before touching storage (path traversal, wrong case, wrong length…). */
export const MALFORMED_KEYS = [
  '',
  'sha256/',
  '../../etc/passwd',
  `sha256/../../${'a'.repeat(64)}`,
  `sha256/${'a'.repeat(62)}/..`,
  `sha256/${'A'.repeat(64)}`,
  `sha256/${'a'.repeat(63)}`,
  `sha256/${'a'.repeat(65)}`,
  `sha256/${'a'.repeat(64)}\n`,
  `sha256/${'a'.repeat(64)}/x`,
  `/sha256/${'a'.repeat(64)}`,
  `md5/${'a'.repeat(32)}`,
  `sha256\\${'a'.repeat(64)}`,
];

/**
 * The behaviour every {@link ArtifactStore} adapter shares. `create` returns a fresh, empty store for
 * each test (a new directory, a new prefix); the suite closes it afterwards.
 */
export function describeArtifactStoreContract(name: string, create: () => Promise<ArtifactStore>): void {
  describe(`${name}: artifact store contract`, () => {
    let store: ArtifactStore;
    beforeEach(async () => {
      store = await create();
    });
    afterEach(async () => {
      await store.close?.();
    });

    it('returns the bytes it stored, with the key, digest, size and content type', async () => {
      const content = Buffer.from('# Launch post\nGear that lasts.\n');
      const stored = await store.put(content, 'text/markdown; charset=utf-8');
      expect(stored).toEqual({ key: keyOf(content), sha256: sha256(content), size: content.length, contentType: 'text/markdown; charset=utf-8' });
      expect(await store.get(stored.key)).toEqual(content);
    });

    it('gives the same content the same key and different content a different key', async () => {
      const a = await store.put(Buffer.from('alpha'), 'text/plain');
      const again = await store.put(Buffer.from('alpha'), 'text/plain');
      const b = await store.put(Buffer.from('alpha '), 'text/plain');
      expect(again.key).toBe(a.key);
      expect(b.key).not.toBe(a.key);
      expect((await store.get(b.key)).toString()).toBe('alpha ');
    });

    it('keeps the first content type when the same bytes are stored again', async () => {
      const content = Buffer.from('{"a":1}');
      const first = await store.put(content, 'application/json');
      const second = await store.put(content, 'text/plain');
      expect(second).toEqual(first);
      expect((await store.head(first.key)).contentType).toBe('application/json');
      expect(await store.get(first.key)).toEqual(content);
    });

    it('preserves binary content byte for byte', async () => {
      const content = Buffer.concat([Buffer.from([0, 255, 0, 10, 13]), randomBytes(256 * 1024)]);
      const stored = await store.put(content, 'application/octet-stream');
      const back = await store.get(stored.key);
      expect(back.equals(content)).toBe(true);
      expect(stored.key).toBe(keyOf(content));
    });

    it('stores empty content', async () => {
      const stored = await store.put(Buffer.alloc(0), 'text/plain');
      expect(stored).toMatchObject({ key: keyOf(''), size: 0 });
      expect((await store.get(stored.key)).length).toBe(0);
      expect(await store.exists(stored.key)).toBe(true);
    });

    it('describes a stored key without its bytes', async () => {
      const content = Buffer.from('<p>hi</p>');
      const stored = await store.put(content, 'text/html');
      expect(await store.head(stored.key)).toEqual(stored);
    });

    it('streams a stored key with its description', async () => {
      const content = Buffer.from('streamed body '.repeat(1000));
      const stored = await store.put(content, 'text/plain');
      const { object, body } = await store.stream(stored.key);
      expect(object).toEqual(stored);
      expect(await text(body)).toBe(content.toString());
    });

    it('says whether a key exists, before and after delete', async () => {
      const stored = await store.put(Buffer.from('to delete'), 'text/plain');
      expect(await store.exists(stored.key)).toBe(true);
      await store.delete(stored.key);
      expect(await store.exists(stored.key)).toBe(false);
      await expect(store.get(stored.key)).rejects.toBeInstanceOf(ArtifactNotFoundError);
    });

    it('stores content again after it was deleted', async () => {
      const content = Buffer.from('phoenix');
      const stored = await store.put(content, 'text/plain');
      await store.delete(stored.key);
      expect(await store.put(content, 'text/csv')).toEqual({ ...stored, contentType: 'text/csv' });
      expect(await store.get(stored.key)).toEqual(content);
    });

    it('treats deleting a missing key as done', async () => {
      await expect(store.delete(keyOf('never stored'))).resolves.toBeUndefined();
    });

    it('reports a missing key as ArtifactNotFoundError (a 404 NOT_FOUND) from get, head and stream', async () => {
      const key = keyOf('never stored');
      expect(await store.exists(key)).toBe(false);
      for (const read of [() => store.get(key), () => store.head(key), () => store.stream(key)]) {
        const err: unknown = await read().then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(ArtifactNotFoundError);
        expect(err).toMatchObject({ code: 'NOT_FOUND', key, httpStatus: 404 });
        expect((err as Error).message).toContain(key);
      }
    });

    it('refuses malformed keys, path traversal included, on every operation', async () => {
      for (const key of MALFORMED_KEYS) {
        for (const op of [() => store.get(key), () => store.head(key), () => store.stream(key), () => store.exists(key), () => store.delete(key)]) {
          await expect(op(), JSON.stringify(key)).rejects.toBeInstanceOf(InvalidArtifactKeyError);
        }
      }
      await expect(store.get('../../etc/passwd')).rejects.toThrow(/invalid artifact key "..\/..\/etc\/passwd": expected sha256\/<64 lowercase hex digits>/);
    });

    it('refuses a content type that cannot be a header', async () => {
      await expect(store.put(Buffer.from('x'), '')).rejects.toThrow(TypeError);
      await expect(store.put(Buffer.from('x'), 'text/plain\r\nx-evil: 1')).rejects.toThrow(/invalid content type/);
    });

    it('stores the same content from concurrent puts once, intact', async () => {
      const content = randomBytes(64 * 1024);
      const results = await Promise.all(Array.from({ length: 20 }, () => store.put(content, 'application/octet-stream')));
      expect(new Set(results.map((r) => r.key))).toEqual(new Set([keyOf(content)]));
      expect((await store.get(keyOf(content))).equals(content)).toBe(true);
    });

    it('keeps many different artifacts apart', async () => {
      const contents = Array.from({ length: 30 }, (_, i) => Buffer.from(`artifact ${i}`));
      const stored = await Promise.all(contents.map((c) => store.put(c, 'text/plain')));
      const back = await Promise.all(stored.map((s) => store.get(s.key)));
      expect(back.map((b) => b.toString())).toEqual(contents.map((c) => c.toString()));
    });

    it('passes its own check and tells where it is', async () => {
      await expect(store.check?.()).resolves.toBeUndefined();
      expect(store.location).toBeTruthy();
      expect(['filesystem', 's3']).toContain(store.kind);
    });
  });
}
