/**
 * Test builders for the domain unit tests: parsed brand / campaign / task records with fixed ids, so
 * resolver and policy tests read as "what differs from the baseline". Not a test file itself.
 */
import { expect } from 'vitest';
import type { z } from 'zod';
import { BrandData } from '../../../src/domain/brand.js';
import { CampaignData } from '../../../src/domain/campaign.js';
import type { VersionedRecord } from '../../../src/domain/context-resolver.js';
import { isPlatformError, type PlatformError } from '../../../src/domain/errors.js';
import { TaskData } from '../../../src/domain/task.js';

export const BRAND_ID = '01900000-0000-7000-8000-00000000b001';
export const CAMPAIGN_ID = '01900000-0000-7000-8000-00000000c001';
export const TASK_ID = '01900000-0000-7000-8000-00000000d001';

export type BrandInput = z.input<typeof BrandData>;
export type CampaignInput = z.input<typeof CampaignData>;
export type TaskInput = z.input<typeof TaskData>;

/** A brand record as the resolver reads it: parsed data (defaults applied), fixed id, a version. */
export function brandRecord(data: BrandInput, version = 1, id = BRAND_ID): VersionedRecord<BrandData> {
  return { id, version, data: BrandData.parse(data) };
}

export function campaignRecord(data: CampaignInput, version = 1, id = CAMPAIGN_ID): VersionedRecord<CampaignData> {
  return { id, version, data: CampaignData.parse(data) };
}

export function taskRecord(data: TaskInput, version = 1, id = TASK_ID): VersionedRecord<TaskData> {
  return { id, version, data: TaskData.parse(data) };
}

/** The baseline brand: identity, some voice and positioning, a banned term, a locale, default policy. */
export const baseBrand = (): BrandInput => ({
  identity: { name: 'Acme', palette: ['#112233', '#AABBCC'] },
  voice: { tone: 'warm', personality: ['bold', 'kind'] },
  positioning: { statement: 'Tools that last.' },
  rules: { bannedTerms: ['cheap'] },
  locale: 'en',
});

export const baseCampaign = (): CampaignInput => ({
  name: 'Spring launch',
  objectives: ['Grow sign-ups'],
  channels: ['instagram', 'email'],
  budget: { amount: 1000, currency: 'EUR' },
  segments: [{ name: 'Students' }],
});

export const baseTask = (): TaskInput => ({
  name: 'Launch post',
  deliverableType: 'social_post',
});

/**
 * Runs `fn`, expects it to throw a PlatformError and returns it for assertions on code and details.
 * Fails the test (with the actual outcome) when nothing, or something else, is thrown.
 */
export function catchPlatformError(fn: () => unknown): PlatformError {
  let thrown: unknown;
  try {
    fn();
  } catch (err) {
    thrown = err;
  }
  expect(thrown, 'expected a PlatformError to be thrown').toBeDefined();
  expect(isPlatformError(thrown), `expected a PlatformError, got ${String(thrown)}`).toBe(true);
  return thrown as PlatformError;
}

/** Freezes a value and everything reachable from it, so an accidental mutation throws (ESM is strict). */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as Record<string, unknown>)) deepFreeze(v);
  }
  return value;
}
