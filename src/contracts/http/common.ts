import { z } from 'zod';
import { ERROR_CATALOG, type ErrorCode } from '../../domain/errors.js';

/** The body of every error answer: `{"error":{"code","message","details"}}`. */
export const ErrorBody = z.object({
  error: z.object({
    code: z.enum(Object.keys(ERROR_CATALOG) as [ErrorCode, ...ErrorCode[]]),
    message: z.string(),
    details: z.record(z.string(), z.unknown()).optional(),
    requestId: z.string().optional(),
  }),
});
/** The parsed form of {@link ErrorBody}. */
export type ErrorBody = z.output<typeof ErrorBody>;

/** A path parameter that must be a UUID. */
export const IdParams = z.strictObject({ id: z.uuid({ message: 'must be a UUID' }) });

/** A path with a record id and a version number. */
export const VersionParams = z.strictObject({
  id: z.uuid({ message: 'must be a UUID' }),
  n: z.coerce.number({ message: 'must be a version number' }).int().min(1).max(1_000_000_000),
});

/** Pagination: `limit` (1–100, default 20) and the opaque `cursor` of the previous page. */
export const PageQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().min(1).max(200).optional(),
});

/** A page of `item`; `nextCursor` is null on the last page. */
export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() });
}

/** The summary of one version in a record's history. */
export const VersionSummary = z.object({
  version: z.number().int(),
  hash: z.string(),
  createdBy: z.string(),
  createdAt: z.string(),
});

/** The error answers every authenticated route may give. */
export const COMMON_ERRORS = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody } as const;
