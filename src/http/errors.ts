import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  ConflictError,
  DomainError,
  ForbiddenError,
  InvalidInputError,
  NotFoundError,
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
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
  [UnsupportedMediaTypeError, 415],
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

/** A request line longer than this, cut off by Node's header limit, is answered as a URL too long. */
const LONG_REQUEST_LINE = 4096;

/**
 * Node's own answers to requests it could not parse (`clientError`: headers over maxHeaderSize, a URL too long,
 * garbage, a timeout) are written straight to the socket; this writes them in Reelm's error shape instead.
 */
export function answerClientError(err: Error & { code?: string; rawPacket?: unknown }, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  let status = 400;
  let body = errorBody('request.malformed', 'The request is not valid HTTP.');
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    status = 408;
    body = errorBody('request.timeout', 'The request took too long to arrive.');
  } else if (err.code === 'HPE_HEADER_OVERFLOW') {
    // Node counts the request line with the headers; one that alone fills the limit is a URL too long.
    const raw = Buffer.isBuffer(err.rawPacket) ? err.rawPacket : undefined;
    const lineEnd = raw?.indexOf('\r\n') ?? 0;
    const longLine = raw !== undefined && (lineEnd < 0 || lineEnd > LONG_REQUEST_LINE);
    status = longLine ? 414 : 431;
    body = longLine
      ? errorBody('request.url_too_long', 'The URL is too long.')
      : errorBody('request.headers_too_large', 'The request headers are too large.');
  }
  if (socket.writable) {
    const json = JSON.stringify(body);
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Length: ${Buffer.byteLength(json)}\r\n` +
        `Content-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n${json}`,
    );
  }
  socket.destroy();
}

/** Errors Fastify's router raises before any route runs (a path segment over maxParamLength, a bad escape). */
export function answerFrameworkError(err: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  if (err.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    void reply.status(414).send(errorBody('request.url_too_long', 'A part of the URL is too long.'));
    return;
  }
  if (err.code === 'FST_ERR_BAD_URL') {
    void reply.status(400).send(errorBody('request.url_invalid', 'The URL is not valid (check its % escapes).'));
    return;
  }
  void reply.status(500).send(errorBody('internal', 'Something went wrong on our side. Try again in a moment.'));
}
