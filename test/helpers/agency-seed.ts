import type { Role } from '../../src/domain/roles.js';
import { issueApiKey } from '../../src/persistence/repositories/api-key.repository.js';
import { createScope } from '../../src/persistence/scope.js';
import type { TestPlatform } from './test-engine.js';

/**
 * Seeding for tests of the agency templates (social_post, email, blog_article, ad_copy) on the
 * offline LLM provider.
 *
 * The brand, campaign and task below are modelled on `npm run demo` (scripts/demo.ts): a voice with
 * preferred terms, banned terms the offline drafts never use, a required disclaimer the agents
 * append verbatim, and a call to action in the task's specs. With them the review gates
 * (`review.gates`: brand compliance + heuristic score) pass on the offline provider, so a supervised
 * run waits for approval and, approved, consolidates one artifact per deliverable. Checked to pass
 * (autopilot completes) for every agency template: social_post on any of linkedin/x/instagram/
 * facebook/tiktok (or the generic `social` branch for other channels), email, article (blog_article)
 * and ad (ad_copy). The task's quality criteria have a `minScore`, which the offline heuristic scorer
 * reports as warnings ("not scored"), never errors.
 */

/** The disclaimer every seeded brand requires (and every passing draft carries verbatim). */
export const AGENCY_DISCLAIMER = 'Pre-order offer valid while supplies last.';

/** Options of {@link seedAgencyTask}. */
export interface AgencySeedOptions {
  /** The campaign's channels (default `['linkedin', 'x']`: two social_post branches). */
  channels?: string[];
  /** Brand governance: every run of the brand needs human approval (default false). */
  requireApproval?: boolean;
  /** The task's deliverable type (default `social_post`); it picks the agency template a run uses. */
  deliverableType?: string;
  /** The brand's name (default `Northwind Coffee <n>`, unique per call). */
  brandName?: string;
}

/** What {@link seedAgencyTask} created. */
export interface AgencySeed {
  brandId: string;
  campaignId: string;
  taskId: string;
  /** The brand's required disclaimer ({@link AGENCY_DISCLAIMER}). */
  disclaimer: string;
}

let brandSeq = 0;

/** The brand body {@link seedAgencyTask} posts (exported for tests that vary it). */
export function agencyBrandBody(name = `Northwind Coffee ${++brandSeq}`, requireApproval = false) {
  return {
    identity: { name, palette: ['#3E2723', '#D7A86E', '#F5F0E6'] },
    voice: {
      tone: 'warm, knowledgeable and unpretentious',
      personality: ['friendly', 'craft-focused', 'honest'],
      preferredTerms: ['small-batch', 'freshly roasted', 'direct trade'],
      avoidTerms: ['best in the world', 'revolutionary'],
      sampleCopy: "Roasted on Monday, in your cup by Thursday. Meet the farmers behind this week's beans.",
    },
    positioning: {
      statement: 'Small-batch specialty coffee, roasted to order every week and shipped within 48 hours.',
      audience: 'Home brewers and small offices who care where their coffee comes from.',
      differentiators: ['roasted to order', 'direct-trade farms', 'compostable packaging'],
      category: 'specialty coffee',
    },
    rules: { bannedTerms: ['cheap', 'guaranteed', 'miracle'], requiredDisclaimers: [AGENCY_DISCLAIMER] },
    locale: 'en',
    ...(requireApproval ? { governance: { requireApproval: true } } : {}),
  };
}

/**
 * Creates brand -> campaign -> task through the API (as `key`, an operator or admin key) with
 * content that passes the quality gates on the offline provider. Throws with the API's answer when
 * a create is refused.
 */
export async function seedAgencyTask(p: TestPlatform, key: string, opts: AgencySeedOptions = {}): Promise<AgencySeed> {
  const post = async (url: string, payload: object) => {
    const res = await p.call(key, { method: 'POST', url, payload });
    if (res.statusCode !== 201) throw new Error(`seedAgencyTask: POST ${url} answered ${res.statusCode} ${res.body}`);
    return (res.json() as { id: string }).id;
  };
  const brandId = await post('/v2/brands', agencyBrandBody(opts.brandName, opts.requireApproval));
  const campaignId = await post('/v2/campaigns', {
    brandId,
    name: 'Autumn Harvest Roast',
    objectives: ['Announce the limited Autumn Harvest roast', 'Drive pre-orders in the first two weeks'],
    channels: opts.channels ?? ['linkedin', 'x'],
    budget: { amount: 2500, currency: 'USD' },
    segments: [{ name: 'home brewers', description: 'People who brew pour-over or espresso at home' }, { name: 'office managers' }],
  });
  const taskId = await post('/v2/tasks', {
    campaignId,
    name: 'Autumn Harvest launch',
    deliverableType: opts.deliverableType ?? 'social_post',
    specs: {
      lengthWords: { max: 60 },
      callToAction: 'Pre-order at northwind.example/autumn',
      notes: 'One piece per channel: a professional angle for LinkedIn, a short punchy one for X.',
    },
    qualityCriteria: [
      { id: 'on-brand-voice', description: 'Warm and knowledgeable, never salesy; uses none of the banned terms.', minScore: 0.7 },
      { id: 'disclaimer', description: 'Carries the required disclaimer verbatim.', minScore: 1 },
    ],
  });
  return { brandId, campaignId, taskId, disclaimer: AGENCY_DISCLAIMER };
}

/** Issues a key of `role` for a tenant of the platform (`p.tenant()` gives admin keys only). */
export async function issueRoleKey(p: TestPlatform, tenantId: string, role: Role): Promise<string> {
  const actor = { type: 'system', id: null, role: 'admin' } as const;
  return (await issueApiKey(createScope(p.db.orm, tenantId, actor), { role, name: `${role} (test)` })).key;
}
