import { EntitySchema, type Ref } from '@mikro-orm/core';
import type { CampaignData } from '../../domain/campaign.js';
import { Brand } from './brand.entity.js';
import { tenantFilter } from './tenant-scope.js';
import { VersionRow, VersionedHead, headProperties, versionProperties } from './versioned.js';

/** A campaign's head row; its content lives in {@link CampaignVersion}. */
export class Campaign extends VersionedHead {
  brand!: Ref<Brand>;
}

/** One immutable version of a campaign's content. */
export class CampaignVersion extends VersionRow<CampaignData> {
  campaign!: Ref<Campaign>;
}

export const CampaignSchema = new EntitySchema<Campaign>({
  class: Campaign,
  indexes: [{ properties: ['tenant', 'id'] }, { properties: ['brand'] }],
  tableName: 'campaign',
  filters: tenantFilter,
  properties: {
    ...headProperties(),
    brand: { kind: 'm:1', entity: () => Brand, ref: true },
  },
});

export const CampaignVersionSchema = new EntitySchema<CampaignVersion>({
  class: CampaignVersion,
  tableName: 'campaign_version',
  filters: tenantFilter,
  uniques: [{ properties: ['campaign', 'version'] }],
  properties: {
    ...versionProperties(),
    campaign: { kind: 'm:1', entity: () => Campaign, ref: true },
  },
});
