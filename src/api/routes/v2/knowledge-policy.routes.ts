import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { COMMON_ERRORS, ErrorBody, IdParams } from '../../../contracts/http/common.js';
import { KnowledgePolicyBody, KnowledgePolicyResource, RetentionResultResource } from '../../../contracts/http/knowledge-policy.js';
import type { KnowledgePolicy } from '../../../persistence/entities/knowledge.entity.js';
import type { Orm } from '../../../persistence/orm.js';
import { getBrand } from '../../../persistence/repositories/brand.repository.js';
import {
  deleteBrandKnowledgePolicy, loadKnowledgePolicies, setKnowledgePolicy, type KnowledgePolicies,
} from '../../../persistence/repositories/knowledge-policy.repository.js';
import { resolveThreshold } from '../../../rag/learning/learning-signals.js';
import { applyRetention, type KnowledgePurger } from '../../../rag/retention/knowledge-retention.js';
import { parseIfMatch, setVersionTag } from '../../if-match.js';

/** What the knowledge policy routes need. */
export interface KnowledgePolicyRouteOptions {
  orm: Orm;
  /** Deletes chunks with their vectors (the knowledge layer's indexer, or rows only without one). */
  purger: KnowledgePurger;
  /** `KNOWLEDGE_MIN_QUALITY_SCORE`: the threshold when neither tenant nor brand sets one. */
  defaultMinQualityScore: number;
}

const ADMIN = { role: 'admin' as const };
const CHANGE_ERRORS = { ...COMMON_ERRORS, 409: ErrorBody, 410: ErrorBody, 428: ErrorBody } as const;

function present(level: KnowledgePolicy | null, policies: KnowledgePolicies, brandId: string | null, fallback: number): z.output<typeof KnowledgePolicyResource> {
  const t = resolveThreshold(policies.brand?.minQualityScore, policies.tenant?.minQualityScore, fallback);
  const brandDays = policies.brand?.retentionDays ?? null;
  const tenantDays = policies.tenant?.retentionDays ?? null;
  return {
    scope: brandId ? 'brand' : 'tenant', brandId,
    minQualityScore: level?.minQualityScore ?? null, retentionDays: level?.retentionDays ?? null,
    version: level?.version ?? 0, updatedAt: level ? level.updatedAt.toISOString() : null,
    effective: {
      minQualityScore: t.threshold, minQualityScoreFrom: t.source,
      retentionDays: brandDays ?? tenantDays, retentionDaysFrom: brandDays !== null ? 'brand' : tenantDays !== null ? 'tenant' : 'default',
    },
  };
}

/** `If-Match` when sent (required by the repository once the policy exists). */
function ifMatch(request: FastifyRequest): number | undefined {
  const h = request.headers['if-match'];
  return h === undefined ? undefined : parseIfMatch(String(h));
}

function tag(reply: FastifyReply, version: number): void {
  if (version > 0) setVersionTag(reply, version);
}

/**
 * The knowledge policy: the tenant's minimum quality score for indexing and retention, a brand's
 * override of either, and applying retention now. Reading needs a viewer key; changes need admin
 * and are audited (`knowledge_policy.set`, `knowledge_policy.delete`, `knowledge.retention_apply`).
 * Versioned: answers carry `ETag: "<version>"` once a policy is set; a change of an existing policy
 * needs it back as `If-Match` (428 without, 409 when stale); the first PUT goes without.
 */
export async function knowledgePolicyRoutes(app: FastifyInstance, opts: KnowledgePolicyRouteOptions): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['knowledge'];
  const load = (request: FastifyRequest, brandId: string | null) => loadKnowledgePolicies(opts.orm, request.scope.tenantId, brandId);

  r.get('/knowledge/policy', {
    schema: { tags, summary: "The tenant's knowledge policy and what is in force", response: { 200: KnowledgePolicyResource, ...COMMON_ERRORS } },
  }, async (request, reply) => {
    const p = await load(request, null);
    tag(reply, p.tenant?.version ?? 0);
    return present(p.tenant, p, null, opts.defaultMinQualityScore);
  });

  r.put('/knowledge/policy', {
    config: ADMIN,
    schema: {
      tags, summary: "Set the tenant's knowledge policy", body: KnowledgePolicyBody,
      description: '`minQualityScore` (0..1): learnings below it are not indexed. `retentionDays` (1..3650): knowledge older than that is removed; null keeps it forever. Omitted or null: not set (the platform default applies). Send `If-Match` with the version once the policy exists.',
      response: { 200: KnowledgePolicyResource, 201: KnowledgePolicyResource, ...CHANGE_ERRORS },
    },
  }, async (request, reply) => {
    const { policy, created } = await setKnowledgePolicy(request.scope, null, { minQualityScore: request.body.minQualityScore ?? null, retentionDays: request.body.retentionDays ?? null }, ifMatch(request));
    const p = await load(request, null);
    tag(reply, policy.version);
    return reply.code(created ? 201 : 200).send(present(p.tenant, p, null, opts.defaultMinQualityScore));
  });

  r.get('/brands/:id/knowledge-policy', {
    schema: { tags, summary: "A brand's knowledge policy override and what is in force for the brand", params: IdParams, response: { 200: KnowledgePolicyResource, ...COMMON_ERRORS, 410: ErrorBody } },
  }, async (request, reply) => {
    await getBrand(request.scope, request.params.id);
    const p = await load(request, request.params.id);
    tag(reply, p.brand?.version ?? 0);
    return present(p.brand, p, request.params.id, opts.defaultMinQualityScore);
  });

  r.put('/brands/:id/knowledge-policy', {
    config: ADMIN,
    schema: {
      tags, summary: "Set a brand's knowledge policy override", params: IdParams, body: KnowledgePolicyBody,
      description: 'Overrides the tenant policy for this brand, field by field (null: the tenant value applies).',
      response: { 200: KnowledgePolicyResource, 201: KnowledgePolicyResource, ...CHANGE_ERRORS },
    },
  }, async (request, reply) => {
    await getBrand(request.scope, request.params.id);
    const { policy, created } = await setKnowledgePolicy(request.scope, request.params.id, { minQualityScore: request.body.minQualityScore ?? null, retentionDays: request.body.retentionDays ?? null }, ifMatch(request));
    const p = await load(request, request.params.id);
    tag(reply, policy.version);
    return reply.code(created ? 201 : 200).send(present(p.brand, p, request.params.id, opts.defaultMinQualityScore));
  });

  r.delete('/brands/:id/knowledge-policy', {
    config: ADMIN,
    schema: { tags, summary: "Remove a brand's override (the tenant policy applies again)", params: IdParams, response: { 204: z.null(), ...CHANGE_ERRORS } },
  }, async (request, reply) => {
    await getBrand(request.scope, request.params.id);
    await deleteBrandKnowledgePolicy(request.scope, request.params.id, ifMatch(request));
    return reply.code(204).send(null);
  });

  r.post('/knowledge/retention/apply', {
    config: ADMIN,
    schema: {
      tags, summary: 'Apply the retention policy now',
      description: 'Removes, per brand, the chunks, vectors and learning records older than its retention (the brand override, else the tenant policy), and what deleted brands left. The web process also does this every hour.',
      response: { 200: RetentionResultResource, ...COMMON_ERRORS },
    },
  }, async (request) => applyRetention(opts.orm, opts.purger, request.scope.tenantId, { actor: request.scope.actor, requestId: request.id, auditAlways: true }));
}
