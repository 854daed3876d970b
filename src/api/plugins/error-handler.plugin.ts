import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { ERROR_CATALOG, isPlatformError, type ErrorCode } from '../../domain/errors.js';

/** The error codes Fastify raises for a client mistake, mapped onto the catalog. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'VALIDATION_FAILED',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'VALIDATION_FAILED',
  FST_ERR_CTP_INVALID_JSON_BODY: 'MALFORMED_JSON',
};

const STATUS_CODES: Record<number, ErrorCode> = {
  400: 'VALIDATION_FAILED', 401: 'UNAUTHENTICATED', 403: 'FORBIDDEN', 404: 'ROUTE_NOT_FOUND',
  409: 'VERSION_CONFLICT', 413: 'PAYLOAD_TOO_LARGE', 415: 'UNSUPPORTED_MEDIA_TYPE',
};

interface Answer {
  status: number;
  code: ErrorCode;
  message: string;
  details?: Record<string, unknown>;
}

function classify(err: FastifyError, request: FastifyRequest): Answer {
  if (isPlatformError(err)) {
    return { status: err.httpStatus, code: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) };
  }
  if (hasZodFastifySchemaValidationErrors(err)) {
    const where = err.validationContext ?? 'request';
    const issues = err.validation.map((v) => ({
      path: [where, ...v.instancePath.split('/').filter(Boolean)].join('.'),
      message: v.message ?? 'invalid',
    }));
    const first = issues[0];
    return {
      status: 400, code: 'VALIDATION_FAILED',
      message: first ? `${first.path}: ${first.message}` : `invalid ${where}`,
      details: { issues },
    };
  }
  if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    const got = request.headers['content-type'] ?? 'none';
    return { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', message: `the body must be application/json (got ${got})` };
  }
  const byCode = err.code ? FASTIFY_CODES[err.code] : undefined;
  if (byCode) return { status: ERROR_CATALOG[byCode].httpStatus, code: byCode, message: err.message };
  if (err instanceof SyntaxError && err.statusCode === 400) return { status: 400, code: 'MALFORMED_JSON', message: `body is not valid JSON: ${err.message}` };
  const status = err.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    return { status, code: STATUS_CODES[status] ?? 'VALIDATION_FAILED', message: err.message };
  }
  return { status: 500, code: 'INTERNAL', message: 'internal error' };
}

/**
 * One error handler for the whole API: every error becomes `{"error":{"code","message","details"}}`
 * with the catalog's status. A 5xx never carries internals: the message is generic and the
 * `requestId` leads to the logged stack.
 */
export const errorHandlerPlugin = fp(
  async (app: FastifyInstance) => {
    app.setErrorHandler((err: FastifyError, request, reply) => {
      const answer = classify(err, request);
      if (answer.status >= 500) request.log.error({ err }, 'request failed');
      else request.log.info({ code: answer.code, msg: answer.message }, 'request refused');
      const body = {
        error: {
          code: answer.code,
          message: answer.status >= 500 ? `${answer.message}; quote request id ${request.id} to the operators` : answer.message,
          ...(answer.details ? { details: answer.details } : {}),
          requestId: request.id,
        },
      };
      return reply.code(answer.status).type('application/json').serializer(JSON.stringify).send(body);
    });
    app.setNotFoundHandler((request, reply) =>
      reply.code(404).type('application/json').send({
        error: { code: 'ROUTE_NOT_FOUND', message: `no route for ${request.method} ${request.url.split('?')[0]}`, requestId: request.id },
      }),
    );
  },
  { name: 'error-handler' },
);
