import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppContext } from '../context.js';
import {
  RecoveryCodesSchema,
  SessionListSchema,
  TotpEnrolmentSchema,
  TotpStatusSchema,
} from '../accounts/sign-in.schema.js';
import type { Auth } from './auth.js';
import { IdParams, errors } from './schemas.js';

/** Where you are signed in, and two-step sign-in (TOTP). */
export async function signInRoutes(app: FastifyInstance, ctx: AppContext, auth: Auth): Promise<void> {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();

  api.get(
    '/me/sessions',
    {
      schema: {
        tags: ['accounts'],
        summary: 'Your sessions (the current one first), with the user agent each signed in with',
        response: { 200: SessionListSchema, ...errors(401) },
      },
    },
    async (request) => ctx.sessionList.list(await auth.requireUser(request)),
  );

  api.delete(
    '/me/sessions/:id',
    {
      schema: {
        tags: ['accounts'],
        summary: 'Sign out one of your sessions (the current one too)',
        params: IdParams,
        response: { 204: Type.Null(), ...errors(401, 404) },
      },
    },
    async (request, reply) => {
      const me = await auth.requireUser(request);
      await ctx.sessionList.revoke(me, request.params.id);
      if (request.params.id === me.sessionId) auth.clearCookie(reply);
      return reply.status(204).send(null);
    },
  );

  api.delete(
    '/me/sessions',
    {
      schema: {
        tags: ['accounts'],
        summary: 'Sign out everywhere else: every session but this one',
        response: { 204: Type.Null(), ...errors(401) },
      },
    },
    async (request, reply) => {
      await ctx.sessionList.revokeOthers(await auth.requireUser(request));
      return reply.status(204).send(null);
    },
  );

  api.get(
    '/me/totp',
    {
      schema: {
        tags: ['accounts'],
        summary: 'Whether two-step sign-in is on',
        response: { 200: TotpStatusSchema, ...errors(401) },
      },
    },
    async (request) => {
      const me = await auth.requireUser(request);
      return { enabled: await ctx.totp.enabled(me.userId, me.region) };
    },
  );

  api.post(
    '/me/totp',
    {
      schema: {
        tags: ['accounts'],
        summary:
          'Start two-step sign-in: a new secret (RFC 6238, SHA-1, 6 digits, 30 s) and its otpauth:// URL; on once confirmed',
        response: { 201: TotpEnrolmentSchema, ...errors(401, 409) },
      },
    },
    async (request, reply) => reply.status(201).send(await ctx.totp.enrol(await auth.requireUser(request))),
  );

  api.post(
    '/me/totp/confirm',
    {
      schema: {
        tags: ['accounts'],
        summary: 'Confirm with a current code: two-step sign-in is on, and ten one-time recovery codes are shown once',
        body: Type.Object({ code: Type.String({ maxLength: 16 }) }, { additionalProperties: false }),
        response: { 200: RecoveryCodesSchema, ...errors(400, 401, 409, 429) },
      },
    },
    async (request) => ctx.totp.confirm(await auth.requireUser(request), request.body.code, request.ip),
  );

  api.delete(
    '/me/totp',
    {
      schema: {
        tags: ['accounts'],
        summary: 'Turn two-step sign-in off (needs your password)',
        body: Type.Object({ password: Type.String({ maxLength: 1024 }) }, { additionalProperties: false }),
        response: { 204: Type.Null(), ...errors(400, 401, 403, 409, 429) },
      },
    },
    async (request, reply) => {
      await ctx.totp.disable(await auth.requireUser(request), request.body.password, request.ip);
      return reply.status(204).send(null);
    },
  );
}
