import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppContext } from '../context.js';
import { MeSchema } from '../accounts/accounts.schema.js';
import {
  EmailChangeBody,
  PasswordChangeBody,
  PasswordResetBody,
  PasswordResetRequestBody,
} from '../accounts/account-security.schema.js';
import type { Auth } from './auth.js';
import { errors } from './schemas.js';

const TokenParams = Type.Object({ token: Type.String({ minLength: 1, maxLength: 128 }) });

/** Password change and reset, email change and verification (docs/api.md, "Account security"). */
export async function accountSecurityRoutes(app: FastifyInstance, ctx: AppContext, auth: Auth): Promise<void> {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const perMinute = (max: number) => ({ rateLimit: { max, timeWindow: '1 minute' } });
  const passwordChecks = perMinute(ctx.config.rateLimit.loginPerMinute);

  api.post(
    '/me/password',
    {
      config: passwordChecks,
      schema: {
        tags: ['accounts'],
        summary: 'Change your password; every other session ends',
        body: PasswordChangeBody,
        response: { 204: Type.Null(), ...errors(400, 401, 403, 429) },
      },
    },
    async (request, reply) => {
      const me = await auth.requireUser(request);
      await ctx.passwords.change(me, request.body.currentPassword, request.body.newPassword, request.ip);
      return reply.status(204).send(null);
    },
  );

  api.post(
    '/password-resets',
    {
      config: passwordChecks,
      schema: {
        tags: ['accounts'],
        summary:
          'Ask for a password reset link by email address or handle; always 202, whether or not such an account exists',
        body: PasswordResetRequestBody,
        response: { 202: Type.Null(), ...errors(400, 429) },
      },
    },
    async (request, reply) => {
      ctx.passwords.requestReset(request.body);
      return reply.status(202).send(null);
    },
  );

  api.post(
    '/password-resets/:token',
    {
      config: passwordChecks,
      schema: {
        tags: ['accounts'],
        summary: 'Set a new password with a reset link (single use, one hour); every session ends',
        params: TokenParams,
        body: PasswordResetBody,
        response: { 204: Type.Null(), ...errors(400, 404, 429) },
      },
    },
    async (request, reply) => {
      await ctx.passwords.reset(request.params.token, request.body.password);
      return reply.status(204).send(null);
    },
  );

  api.post(
    '/email-verifications/:token',
    {
      config: passwordChecks,
      schema: {
        tags: ['accounts'],
        summary: 'Confirm an email address with the link mailed to it (single use, 48 hours)',
        params: TokenParams,
        response: { 204: Type.Null(), ...errors(400, 404, 429) },
      },
    },
    async (request, reply) => {
      await ctx.accountEmails.verify(request.params.token);
      return reply.status(204).send(null);
    },
  );

  api.post(
    '/me/email-verification',
    {
      // A few per quarter hour: each one is a mail.
      config: { rateLimit: { max: 5, timeWindow: '15 minutes' } },
      schema: {
        tags: ['accounts'],
        summary: 'Send the confirmation link again',
        response: { 202: Type.Null(), ...errors(401, 409, 429) },
      },
    },
    async (request, reply) => {
      await ctx.accountEmails.resendVerification(await auth.requireUser(request));
      return reply.status(202).send(null);
    },
  );

  api.patch(
    '/me/email',
    {
      config: passwordChecks,
      schema: {
        tags: ['accounts'],
        summary: 'Change your email address (your password confirms it); the new one gets a confirmation link',
        body: EmailChangeBody,
        response: { 200: MeSchema, ...errors(400, 401, 403, 409, 429) },
      },
    },
    async (request) => {
      const me = await auth.requireUser(request);
      await ctx.accountEmails.changeEmail(me, request.body.email, request.body.password, request.ip);
      return ctx.accounts.me(me.userId, me.region);
    },
  );
}
