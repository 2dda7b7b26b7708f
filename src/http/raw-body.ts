import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { PayloadTooLargeError, UnsupportedMediaTypeError } from '../errors.js';

/** What a raw (non-JSON) body route takes: its media types, its largest size, and the codes it answers with. */
export interface RawBodyRule {
  types: readonly string[];
  maxBytes: number;
  tooLarge: { code: string; message: string };
  wrongType: { code: string; message: string };
}

/** The media type of a request, without parameters, lowercased. */
export function mediaTypeOf(request: FastifyRequest): string {
  return (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
}

/**
 * Parsers for raw bodies in an encapsulated scope: the accepted types are read into a Buffer, refused with the
 * rule's own 413 code once they pass the limit (a declared Content-Length first, then the bytes as they come).
 */
export function addRawBodyParsers(app: FastifyInstance, rule: RawBodyRule): void {
  const tooLarge = () => new PayloadTooLargeError(rule.tooLarge.code, rule.tooLarge.message, { limit: rule.maxBytes });
  app.addContentTypeParser(
    [...rule.types],
    { bodyLimit: rule.maxBytes * 4 },
    async (request: FastifyRequest, payload: IncomingMessage) => {
      if (Number(request.headers['content-length'] ?? 0) > rule.maxBytes) throw tooLarge();
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of payload) {
        size += (chunk as Buffer).length;
        if (size > rule.maxBytes) throw tooLarge();
        chunks.push(chunk as Buffer);
      }
      return Buffer.concat(chunks);
    },
  );
  // Any other type reaches the route unread, which answers it with the rule's own 415 (not a generic one).
  app.addContentTypeParser('*', (_request: FastifyRequest, payload: IncomingMessage, done) => {
    payload.resume();
    done(null, undefined);
  });
}

/** The body as the rule takes it, or the rule's 415 for any other type (JSON included). */
export function rawBody(request: FastifyRequest, rule: RawBodyRule): Buffer {
  if (!rule.types.includes(mediaTypeOf(request)) || !Buffer.isBuffer(request.body)) {
    throw new UnsupportedMediaTypeError(rule.wrongType.code, rule.wrongType.message);
  }
  return request.body;
}
