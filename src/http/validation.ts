import { Ajv } from 'ajv';
import formatsPlugin from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

/**
 * Bodies are validated strictly (no type coercion, unknown fields refused) so that a wrong type is an
 * error rather than silently converted; query strings, params and headers arrive as text and are coerced.
 */
export function validatorCompiler(): FastifySchemaCompiler<any> {
  const strict = new Ajv({
    allErrors: false,
    coerceTypes: false,
    removeAdditional: false,
    useDefaults: true,
    strict: false,
  });
  const coercing = new Ajv({
    allErrors: false,
    coerceTypes: 'array',
    removeAdditional: false,
    useDefaults: true,
    strict: false,
  });
  const addFormats = formatsPlugin as unknown as (ajv: Ajv) => Ajv;
  addFormats(strict);
  addFormats(coercing);
  return ({ schema, httpPart }) => (httpPart === 'body' ? strict : coercing).compile(schema as object);
}
