import { z } from 'zod';
import { ROLES } from '../../domain/roles.js';

/** POST /v2/api-keys */
export const CreateApiKeyBody = z.strictObject({
  name: z.string().trim().min(1).max(200),
  role: z.enum(ROLES),
});

/** An API key as listed: never the secret, only its non-secret prefix. */
export const ApiKeyResource = z.object({
  id: z.uuid(),
  name: z.string(),
  role: z.enum(ROLES),
  prefix: z.string(),
  createdAt: z.string(),
  createdBy: z.string().nullable(),
  revokedAt: z.string().nullable(),
});

/** The answer to POST /v2/api-keys: the only time the key itself is shown. */
export const CreatedApiKeyResource = ApiKeyResource.extend({ key: z.string() });

/** GET /v2/audit filters. */
export const AuditQuery = z.strictObject({
  targetType: z.string().min(1).max(64).optional(),
  targetId: z.string().min(1).max(64).optional(),
  action: z.string().min(1).max(64).optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
});

/** One audit event. */
export const AuditEventResource = z.object({
  id: z.uuid(),
  action: z.string(),
  actorType: z.string(),
  actorId: z.string().nullable(),
  targetType: z.string(),
  targetId: z.string(),
  version: z.number().int().nullable(),
  beforeHash: z.string().nullable(),
  afterHash: z.string().nullable(),
  details: z.record(z.string(), z.unknown()).nullable(),
  requestId: z.string().nullable(),
  createdAt: z.string(),
});
