import { CampaignData } from '../../domain/campaign.js';
import { applyMergePatch } from '../../domain/merge-patch.js';
import { assertOverridesAllowed, assertValidLockedFields, type OverrideRules } from '../../domain/override-policy.js';
import { parseOrThrow } from '../../domain/validation.js';
import { Campaign, CampaignVersion } from '../entities/campaign.entity.js';
import type { Page, PageRequest } from '../pagination.js';
import type { Scope } from '../scope.js';
import { getBrand, type BrandRecord } from './brand.repository.js';
import { VersionedStore, type Versioned } from './versioned-store.js';

/** A campaign at one version. */
export type CampaignRecord = Versioned<Campaign, CampaignData>;

/** The append-only store of campaigns. */
export const campaignStore = new VersionedStore<Campaign, CampaignData>('campaign', Campaign, CampaignVersion, 'campaign');

function rulesOf(brand: BrandRecord): OverrideRules {
  return { brand: { level: 'brand', id: brand.head.id, version: brand.head.currentVersion, policy: brand.version.data.overridePolicy } };
}

/** Checks the campaign's locks and overrides; returns the data with its overrides normalized. */
function withCheckedRules(data: CampaignData, brand: BrandRecord): CampaignData {
  assertValidLockedFields(data.lockedFields);
  return { ...data, overrides: assertOverridesAllowed('campaign', data.overrides, rulesOf(brand)) };
}

/**
 * Creates a campaign (version 1) under a brand of the tenant (404 otherwise). Its overrides are
 * checked against the brand's current override policy: a locked field is refused with 422 naming the
 * field and the brand version that locks it.
 */
export async function createCampaign(scope: Scope, input: { brandId: string; data: CampaignData }): Promise<CampaignRecord> {
  const brand = await getBrand(scope, input.brandId);
  return campaignStore.create(scope, { brand: brand.head }, withCheckedRules(input.data, brand));
}

/** Applies a JSON merge patch as version `expected + 1`; all overrides are re-checked against the brand's current policy. */
export async function patchCampaign(scope: Scope, id: string, expected: number, patch: Record<string, unknown>): Promise<CampaignRecord> {
  return campaignStore.append(scope, id, expected, async (current) => {
    const next = parseOrThrow(CampaignData, applyMergePatch(current.version.data, patch), 'body');
    return withCheckedRules(next, await getBrand(scope, current.head.brand.id));
  });
}

/** A campaign at its current version; 404 when unknown in this tenant. */
export function getCampaign(scope: Scope, id: string): Promise<CampaignRecord> {
  return campaignStore.get(scope, id);
}

/** The tenant's campaigns at their current versions, optionally of one brand. */
export function listCampaigns(scope: Scope, filter: { brandId?: string | undefined }, page: PageRequest): Promise<Page<CampaignRecord>> {
  return campaignStore.list(scope, filter.brandId ? { brand: filter.brandId } : {}, page);
}
