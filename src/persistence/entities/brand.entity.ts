import { EntitySchema, type Ref } from '@mikro-orm/core';
import type { BrandData } from '../../domain/brand.js';
import { tenantFilter } from './tenant-scope.js';
import { Project } from './tenant.entity.js';
import { VersionRow, VersionedHead, headProperties, versionProperties } from './versioned.js';

/** A brand's head row; its content lives in {@link BrandVersion}. */
export class Brand extends VersionedHead {
  project!: Ref<Project>;
  /** Set when the brand was deleted: it is gone from the API and its knowledge is purged. */
  deletedAt?: Date | null;
}

/** One immutable version of a brand's content. */
export class BrandVersion extends VersionRow<BrandData> {
  brand!: Ref<Brand>;
}

export const BrandSchema = new EntitySchema<Brand>({
  class: Brand,
  indexes: [{ properties: ['tenant', 'id'] }, { properties: ['project'] }],
  tableName: 'brand',
  filters: tenantFilter,
  properties: {
    ...headProperties(),
    project: { kind: 'm:1', entity: () => Project, ref: true },
    deletedAt: { type: 'datetime', nullable: true },
  },
});

export const BrandVersionSchema = new EntitySchema<BrandVersion>({
  class: BrandVersion,
  tableName: 'brand_version',
  filters: tenantFilter,
  uniques: [{ properties: ['brand', 'version'] }],
  properties: {
    ...versionProperties(),
    brand: { kind: 'm:1', entity: () => Brand, ref: true },
  },
});
