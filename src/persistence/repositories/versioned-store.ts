import { OptimisticLockError, UniqueConstraintViolationException, type EntityClass, type FilterQuery } from '@mikro-orm/core';
import { contentHash } from '../../domain/canonical-json.js';
import { PlatformError, notFound } from '../../domain/errors.js';
import { uuidv7 } from '../../domain/ids.js';
import { nextVersion } from '../../domain/versioning.js';
import type { VersionRow, VersionedHead } from '../entities/versioned.js';
import { decodeCursor, decodeVersionCursor, encodeVersionCursor, toPage, type Page, type PageRequest } from '../pagination.js';
import { actorLabel, type Scope } from '../scope.js';
import { recordAudit } from './audit.repository.js';

/** A record at one version: its head row and that version's row. */
export interface Versioned<H extends VersionedHead, D> {
  head: H;
  version: VersionRow<D>;
}

/** Summary of one version, as listed in a record's history. */
export interface VersionSummary {
  id: string;
  version: number;
  hash: string;
  createdBy: string;
  createdAt: Date;
}

/**
 * The append-only store behind brands, campaigns and tasks: creating writes head + version 1;
 * changing writes version n+1 and moves the head, guarded twice against a stale writer (the head's
 * optimistic-lock column and the unique (head, version) key). Every write carries its audit event
 * in the same transaction.
 *
 * MikroORM's generic entity typing cannot follow a head/version pair chosen at run time, so the
 * few `em.create`/`em.find` calls below go through `unknown`; the public methods are fully typed.
 */
export class VersionedStore<H extends VersionedHead, D> {
  constructor(
    /** The record kind, used in messages and audit actions (`brand`, `campaign`, `task`). */
    readonly kind: string,
    private readonly headClass: EntityClass<H>,
    private readonly versionClass: EntityClass<VersionRow<D>>,
    /** The version entity's relation to its head. */
    private readonly link: string,
  ) {}

  /**
   * Writes head + version 1 and the `<kind>.create` audit event in one transaction; `alsoWrite` may
   * add more rows (audit events) to the same transaction.
   */
  async create(scope: Scope, headProps: Record<string, unknown>, data: D, alsoWrite?: (record: Versioned<H, D>) => void): Promise<Versioned<H, D>> {
    const em = scope.em;
    const now = new Date();
    const head = em.create(this.headClass, {
      id: uuidv7(),
      tenant: scope.tenantId,
      currentVersion: 1,
      createdAt: now,
      updatedAt: now,
      ...headProps,
    } as unknown as H);
    const version = this.newVersion(scope, head, 1, data);
    recordAudit(scope, { action: `${this.kind}.create`, targetType: this.kind, targetId: head.id, version: 1, after: data });
    alsoWrite?.({ head, version });
    await em.flush();
    return { head, version };
  }

  /** The record at its current version, or null when the id is unknown in this tenant. */
  async find(scope: Scope, id: string): Promise<Versioned<H, D> | null> {
    const head = await scope.em.findOne(this.headClass, { id } as FilterQuery<H>);
    if (!head) return null;
    const version = await scope.em.findOne(this.versionClass, { [this.link]: id, version: head.currentVersion } as FilterQuery<VersionRow<D>>);
    if (!version) throw new Error(`${this.kind} ${id}: head at version ${head.currentVersion} has no version row`);
    return { head, version };
  }

  /** The record at its current version; 404 when the id is unknown in this tenant. */
  async get(scope: Scope, id: string): Promise<Versioned<H, D>> {
    const found = await this.find(scope, id);
    if (!found) throw notFound(this.kind, id);
    return found;
  }

  /** A page of records at their current versions, oldest first. */
  async list(scope: Scope, where: Record<string, unknown>, page: PageRequest): Promise<Page<Versioned<H, D>>> {
    const heads = await scope.em.find(
      this.headClass,
      { ...where, ...(page.cursor ? { id: { $gt: decodeCursor(page.cursor) } } : {}) } as FilterQuery<H>,
      { orderBy: { id: 'asc' } as never, limit: page.limit + 1 },
    );
    const shown = heads.slice(0, page.limit);
    const versions = shown.length === 0 ? [] : await scope.em.find(this.versionClass, {
      $or: shown.map((h) => ({ [this.link]: h.id, version: h.currentVersion })),
    } as FilterQuery<VersionRow<D>>);
    const byHead = new Map(versions.map((v) => [this.headIdOf(v), v]));
    const { nextCursor } = toPage(heads, page.limit);
    return {
      items: shown.map((head) => {
        const version = byHead.get(head.id);
        if (!version) throw new Error(`${this.kind} ${head.id}: missing version ${head.currentVersion}`);
        return { head, version };
      }),
      nextCursor,
    };
  }

  /**
   * Appends version `expected + 1` built by `build` from the current one. Refused with 409 when the
   * record is no longer at `expected` (checked on read, and again by the database on write).
   * `build` may throw a PlatformError to refuse the change; nothing is written then. A change that
   * leaves the content unchanged returns the current version and writes nothing.
   */
  async append(
    scope: Scope,
    id: string,
    expected: number,
    build: (current: Versioned<H, D>) => D | Promise<D>,
    audit?: (current: Versioned<H, D>, next: D) => void,
  ): Promise<Versioned<H, D>> {
    const current = await this.get(scope, id);
    const n = nextVersion(current.head.currentVersion, expected, `${this.kind} ${id}`);
    const data = await build(current);
    // A change that leaves the content as it is (same hash) adds no version and no audit event.
    if (contentHash(data) === current.version.hash) return current;
    const head = current.head;
    head.updatedAt = new Date();
    const version = this.newVersion(scope, head, n, data);
    recordAudit(scope, {
      action: `${this.kind}.update`, targetType: this.kind, targetId: id, version: n,
      before: current.version.data, after: data,
    });
    audit?.(current, data);
    try {
      await scope.em.flush();
    } catch (err) {
      if (err instanceof OptimisticLockError || err instanceof UniqueConstraintViolationException) {
        scope.em.clear();
        const latest = await this.get(scope, id);
        throw new PlatformError('VERSION_CONFLICT', `${this.kind} ${id} changed meanwhile: it is now at version ${latest.head.currentVersion}; re-read it and apply your change again`, {
          currentVersion: latest.head.currentVersion, expectedVersion: expected,
        });
      }
      throw err;
    }
    if (head.currentVersion !== n) throw new Error(`${this.kind} ${id}: head moved to ${head.currentVersion}, expected ${n}`);
    return { head, version };
  }

  /** A page of a record's versions, newest first; 404 when the record is unknown. */
  async versions(scope: Scope, id: string, page: PageRequest): Promise<Page<VersionSummary>> {
    await this.get(scope, id);
    const rows = await scope.em.find(
      this.versionClass,
      { [this.link]: id, ...(page.cursor ? { version: { $lt: decodeVersionCursor(page.cursor) } } : {}) } as FilterQuery<VersionRow<D>>,
      { orderBy: { version: 'desc' } as never, limit: page.limit + 1 },
    );
    const items = rows.slice(0, page.limit).map((v) => ({ id: v.id, version: v.version, hash: v.hash, createdBy: v.createdBy, createdAt: v.createdAt }));
    const last = items[items.length - 1];
    return { items, nextCursor: rows.length > page.limit && last ? encodeVersionCursor(last.version) : null };
  }

  /** The record at version `n`; 404 when the record or that version does not exist. */
  async atVersion(scope: Scope, id: string, n: number): Promise<Versioned<H, D>> {
    const head = await scope.em.findOne(this.headClass, { id } as FilterQuery<H>);
    if (!head) throw notFound(this.kind, id);
    const version = await scope.em.findOne(this.versionClass, { [this.link]: id, version: n } as FilterQuery<VersionRow<D>>);
    if (!version) throw new PlatformError('NOT_FOUND', `${this.kind} ${id} has no version ${n} (current is ${head.currentVersion})`, { kind: this.kind, id, version: n });
    return { head, version };
  }

  private newVersion(scope: Scope, head: H, n: number, data: D): VersionRow<D> {
    const version = scope.em.create(this.versionClass, {
      id: uuidv7(),
      tenant: scope.tenantId,
      [this.link]: head,
      version: n,
      data,
      hash: contentHash(data),
      createdBy: actorLabel(scope.actor),
      createdAt: new Date(),
    } as unknown as VersionRow<D>);
    scope.em.persist(version);
    return version;
  }

  private headIdOf(v: VersionRow<D>): string {
    return (v as unknown as Record<string, { id: string }>)[this.link]!.id;
  }
}
