import type { FastifyError, FastifyInstance } from 'fastify';
import {
  ConflictError,
  DomainError,
  ForbiddenError,
  InvalidInputError,
  NotFoundError,
  PayloadTooLargeError,
  RateLimitedError,
  UnauthorizedError,
  UnavailableError,
} from '../errors.js';

export interface ErrorBody {
  error: { code: string; message: string; details?: Record<string, unknown> };
}

const STATUS: [new (...args: any[]) => DomainError, number][] = [
  [InvalidInputError, 400],
  [UnauthorizedError, 401],
  [ForbiddenError, 403],
  [NotFoundError, 404],
  [ConflictError, 409],
  [PayloadTooLargeError, 413],
  [RateLimitedError, 429],
  [UnavailableError, 503],
];

export function statusOf(err: DomainError): number {
  return STATUS.find(([cls]) => err instanceof cls)?.[1] ?? 500;
}

export function errorBody(code: string, message: string, details?: Record<string, unknown>): ErrorBody {
  return details ? { error: { code, message, details } } : { error: { code, message } };
}

/** Fastify's own errors (parsing, validation, limits) turned into Reelm's stable codes. */
function fromFastify(err: FastifyError): { status: number; body: ErrorBody } | undefined {
  if (err.validation) {
    const first = err.validation[0];
    const where = err.validationContext ?? 'request';
    const path = first?.instancePath ? first.instancePath.replace(/^\//, '').replace(/\//g, '.') : '';
    let message: string;
    if (first?.keyword === 'additionalProperties')
      message = `Unknown field "${(first.params as { additionalProperty?: string }).additionalProperty}" in the ${where}.`;
    else if (first?.keyword === 'required')
      message = `The ${where} is missing "${(first.params as { missingProperty?: string }).missingProperty}".`;
    else message = `${path ? `"${path}" in the ${where}` : `The ${where}`} ${first?.message ?? 'is invalid'}.`;
    return { status: 400, body: errorBody('request.invalid', message) };
  }
  switch (err.code) {
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { status: 400, body: errorBody('request.malformed_json', 'The request body is empty; send JSON.') };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return {
        status: 415,
        body: errorBody('request.unsupported_media_type', 'This content type is not accepted here.'),
      };
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
    case 'FST_REQ_FILE_TOO_LARGE':
      return { status: 413, body: errorBody('request.too_large', 'The request is too large.') };
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return { status: 400, body: errorBody('request.invalid_length', 'The Content-Length does not match the body.') };
  }
  if (err instanceof SyntaxError || err.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
    return { status: 400, body: errorBody('request.malformed_json', 'The request body is not valid JSON.') };
  }
  if (err.statusCode === 429)
    return { status: 429, body: errorBody('request.rate_limited', 'Too many attempts; wait a minute and try again.') };
  if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
    return { status: err.statusCode, body: errorBody('request.invalid', 'The request could not be processed.') };
  }
  return undefined;
}

/** The one place where errors become HTTP answers. A 5xx never says more than "something went wrong". */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (err instanceof DomainError) {
      const status = statusOf(err);
      if (status >= 500) request.log.error({ err }, 'domain error');
      const domain = err as DomainError;
      // A backoff knows how long the caller must wait; the route limits set their own header.
      const retryAfter = (err as { retryAfterSeconds?: unknown }).retryAfterSeconds;
      if (typeof retryAfter === 'number') reply.header('retry-after', String(retryAfter));
      return reply.status(status).send(errorBody(domain.code, domain.message, domain.details));
    }
    const mapped = fromFastify(err);
    if (mapped) return reply.status(mapped.status).send(mapped.body);
    request.log.error({ err }, 'unhandled error');
    return reply.status(500).send(errorBody('internal', 'Something went wrong on our side. Try again in a moment.'));
  });
}
