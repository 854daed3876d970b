import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { COMMON_ERRORS, ErrorBody, IdParams } from '../../../contracts/http/common.js';
import {
  CredentialNameParams, ToolCredentialBody, ToolCredentialResource, ToolListQuery, ToolPermissionBody, ToolPermissionResource,
  ToolRateLimitBody, ToolRateLimitResource, ToolResource, ToolSourcesResource, ToolUsageQuery, ToolUsageResource,
} from '../../../contracts/http/tools.js';
import { PlatformError } from '../../../domain/errors.js';
import { Project } from '../../../persistence/entities/tenant.entity.js';
import type { ToolCredentialRef, ToolPermission, ToolRateLimit } from '../../../persistence/entities/tool-governance.entity.js';
import { toolUsage } from '../../../persistence/repositories/tool-call.repository.js';
import {
  createPermission, deleteCredentialRef, deletePermission, deleteRateLimit, listCredentialRefs, listPermissions, listRateLimits,
  replacePermission, setCredentialRef, setRateLimit, type PermissionInput,
} from '../../../persistence/repositories/tool-governance.repository.js';
import { credentialRefProblem } from '../../../tools/governance/credentials.js';
import type { ToolApiDeps } from '../../types.js';

const ADMIN = { role: 'admin' as const };
const CHANGE_ERRORS = { ...COMMON_ERRORS, 422: ErrorBody } as const;
const CIRCUIT = ['closed', 'open', 'half-open', 'isolated'] as const;

const presentPermission = (p: ToolPermission) => ({
  id: p.id, tool: p.tool, effect: p.effect, projectId: p.projectId ?? null, agent: p.agent ?? null, constraints: p.constraints ?? null,
  description: p.description ?? null, createdAt: p.createdAt.toISOString(), updatedAt: p.updatedAt.toISOString(),
});
const presentLimit = (l: ToolRateLimit) => ({
  id: l.id, tool: l.tool, action: l.action, limit: l.limit, windowMs: l.windowMs, onLimit: l.onLimit, maxWaitMs: l.maxWaitMs,
  createdAt: l.createdAt.toISOString(), updatedAt: l.updatedAt.toISOString(),
});
const presentRef = (r: ToolCredentialRef) => ({
  id: r.id, name: r.name, provider: r.provider, ref: r.ref, description: r.description ?? null, createdAt: r.createdAt.toISOString(), updatedAt: r.updatedAt.toISOString(),
});

async function permissionInput(request: FastifyRequest, body: z.output<typeof ToolPermissionBody>): Promise<PermissionInput> {
  if (body.projectId && !(await request.scope.em.findOne(Project, { id: body.projectId }))) {
    throw new PlatformError('INVALID_REFERENCE', `project ${body.projectId} does not exist in this tenant`, { field: 'projectId', id: body.projectId });
  }
  return {
    tool: body.tool, effect: body.effect, projectId: body.projectId ?? null, agent: body.agent ?? null,
    constraints: body.constraints ?? null, description: body.description ?? null,
  };
}

/**
 * The tool catalog (with JSON Schemas), the status of plugins and MCP servers, and the tenant's
 * governance: permission rules, rate limits and credential references (admin only; every change
 * audited and applied at once in this process), plus tool usage and cost.
 */
export async function toolRoutes(app: FastifyInstance, opts: ToolApiDeps): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['tools'];
  const changed = (request: FastifyRequest) => opts.governance.invalidate(request.scope.tenantId);

  r.get('/tools', {
    schema: { tags, summary: 'The tool catalog: every tool version this tenant can see, with input and output JSON Schemas', querystring: ToolListQuery, response: { 200: z.object({ items: z.array(ToolResource) }), ...COMMON_ERRORS } },
  }, async (request) => ({ items: opts.registry.list(request.scope.tenantId).filter((t) => !request.query.name || t.name === request.query.name) }));

  r.get('/tools/plugins', {
    schema: { tags, summary: 'Plugins and MCP servers: loaded, connected or failed (with the reason), and the circuit breakers', response: { 200: ToolSourcesResource, ...COMMON_ERRORS } },
  }, async (request) => ({
    items: opts.sources().filter((s) => s.tenantId === null || s.tenantId === request.scope.tenantId).map(({ tenantId: _t, ...s }) => s),
    circuits: Object.entries(opts.circuits()).map(([key, state]) => ({ key, state: CIRCUIT[state] ?? 'closed' })),
  }));

  r.get('/tool-permissions', {
    schema: { tags, summary: "The tenant's tool permission rules", response: { 200: z.object({ items: z.array(ToolPermissionResource) }), ...COMMON_ERRORS } },
  }, async (request) => ({ items: (await listPermissions(request.scope)).map(presentPermission) }));

  r.post('/tool-permissions', {
    config: ADMIN,
    schema: {
      tags, summary: 'Add a permission rule', body: ToolPermissionBody, response: { 201: ToolPermissionResource, ...CHANGE_ERRORS },
      description: 'A deny that applies wins; otherwise the most specific allow (agent and project) decides and its argument constraints must hold. Without a rule, read tools are allowed and write/external tools denied.',
    },
  }, async (request, reply) => {
    const rule = await createPermission(request.scope, await permissionInput(request, request.body));
    changed(request);
    return reply.code(201).send(presentPermission(rule));
  });

  r.put('/tool-permissions/:id', {
    config: ADMIN,
    schema: { tags, summary: 'Replace a permission rule', params: IdParams, body: ToolPermissionBody, response: { 200: ToolPermissionResource, ...CHANGE_ERRORS } },
  }, async (request) => {
    const rule = await replacePermission(request.scope, request.params.id, await permissionInput(request, request.body));
    changed(request);
    return presentPermission(rule);
  });

  r.delete('/tool-permissions/:id', {
    config: ADMIN,
    schema: { tags, summary: 'Remove a permission rule', params: IdParams, response: { 204: z.null(), ...COMMON_ERRORS } },
  }, async (request, reply) => {
    await deletePermission(request.scope, request.params.id);
    changed(request);
    return reply.code(204).send(null);
  });

  r.get('/tool-rate-limits', {
    schema: { tags, summary: "The tenant's tool rate limits", response: { 200: z.object({ items: z.array(ToolRateLimitResource) }), ...COMMON_ERRORS } },
  }, async (request) => ({ items: (await listRateLimits(request.scope)).map(presentLimit) }));

  r.put('/tool-rate-limits', {
    config: ADMIN,
    schema: {
      tags, summary: 'Set the rate limit of a tool and action (created or replaced)', body: ToolRateLimitBody,
      description: 'At most `limit` calls per `windowMs` for the tenant. Over it, `wait` waits for the window (up to `maxWaitMs`), `fail` fails the call with its retry-after.',
      response: { 200: ToolRateLimitResource, 201: ToolRateLimitResource, ...CHANGE_ERRORS },
    },
  }, async (request, reply) => {
    const { limit, created } = await setRateLimit(request.scope, request.body);
    changed(request);
    return reply.code(created ? 201 : 200).send(presentLimit(limit));
  });

  r.delete('/tool-rate-limits/:id', {
    config: ADMIN,
    schema: { tags, summary: 'Remove a rate limit', params: IdParams, response: { 204: z.null(), ...COMMON_ERRORS } },
  }, async (request, reply) => {
    await deleteRateLimit(request.scope, request.params.id);
    changed(request);
    return reply.code(204).send(null);
  });

  r.get('/tool-credentials', {
    schema: { tags, summary: "The tenant's credential references (never secrets)", response: { 200: z.object({ items: z.array(ToolCredentialResource) }), ...COMMON_ERRORS } },
  }, async (request) => ({ items: (await listCredentialRefs(request.scope)).map(presentRef) }));

  r.put('/tool-credentials/:name', {
    config: ADMIN,
    schema: {
      tags, summary: 'Set a credential reference (created or replaced)', params: CredentialNameParams, body: ToolCredentialBody,
      description: 'Stores where the secret is (an environment variable or a file of the platform host), never the secret; it is read when a tool asks for it.',
      response: { 200: ToolCredentialResource, 201: ToolCredentialResource, ...CHANGE_ERRORS },
    },
  }, async (request, reply) => {
    const problem = credentialRefProblem(request.body, opts.credentialSources);
    if (problem) throw new PlatformError('INVALID_CREDENTIAL_REF', problem, { provider: request.body.provider });
    const { ref, created } = await setCredentialRef(request.scope, { name: request.params.name, provider: request.body.provider, ref: request.body.ref, description: request.body.description ?? null });
    changed(request);
    return reply.code(created ? 201 : 200).send(presentRef(ref));
  });

  r.delete('/tool-credentials/:name', {
    config: ADMIN,
    schema: { tags, summary: 'Remove a credential reference', params: CredentialNameParams, response: { 204: z.null(), ...COMMON_ERRORS } },
  }, async (request, reply) => {
    await deleteCredentialRef(request.scope, request.params.name);
    changed(request);
    return reply.code(204).send(null);
  });

  r.get('/tool-usage', {
    schema: { tags, summary: 'Tool calls and their cost by tool, for the tenant or one run', querystring: ToolUsageQuery, response: { 200: ToolUsageResource, ...COMMON_ERRORS } },
  }, async (request) => {
    const items = await toolUsage(opts.orm, request.scope.tenantId, request.query.runId);
    return { runId: request.query.runId ?? null, totalCostUsd: items.reduce((s, i) => s + i.costUsd, 0), items };
  });
}
