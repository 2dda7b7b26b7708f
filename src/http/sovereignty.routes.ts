import { ModerationTransparencySchema } from '../moderation/moderation.schema.js';
import { createReadStream } from 'node:fs';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppContext } from '../context.js';
import { ExportJobSchema } from '../accounts/accounts.schema.js';
import { transparencyReport } from '../regions/transparency.js';
import { HomeMoveSchema, HomeRegionMoveBody, HomeRegionSchema } from '../regions/home-move.schema.js';
import type { Auth } from './auth.js';
import { IdParams, errors } from './schemas.js';

const Count = Type.Integer({ minimum: 0 });

/** A user's rights over their data (export, deletion) and the public transparency report. */
export async function sovereigntyRoutes(app: FastifyInstance, ctx: AppContext, auth: Auth): Promise<void> {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();

  api.get(
    '/transparency',
    {
      schema: {
        tags: ['sovereignty'],
        summary:
          'Per region: border flows by type and target, operator accesses by jurisdiction, grants and denials, reports, moderation actions and appeals. Aggregates only',
        response: {
          200: Type.Object({
            generatedAt: Type.String(),
            regions: Type.Array(
              Type.Object({
                region: Type.String(),
                flows: Type.Array(Type.Object({ flow: Type.String(), target: Type.String(), count: Count })),
                accesses: Type.Array(Type.Object({ jurisdiction: Type.String(), allowed: Count, denied: Count })),
                grants: Type.Object({ requested: Count, approved: Count, denied: Count }),
                denials: Count,
                moderation: ModerationTransparencySchema,
              }),
            ),
          }),
        },
      },
    },
    async () => transparencyReport(ctx.cells, ctx.clock.now()),
  );

  api.post(
    '/me/export',
    {
      schema: {
        tags: ['accounts'],
        summary: 'Ask for a copy of all your data (a ZIP built in your home region)',
        response: { 202: ExportJobSchema, ...errors(401) },
      },
    },
    async (request, reply) => reply.status(202).send(await ctx.exports.request(await auth.requireUser(request))),
  );

  api.get(
    '/me/exports/:id',
    {
      schema: {
        tags: ['accounts'],
        summary: 'Where your export is; when ready, a signed link that expires',
        params: IdParams,
        response: { 200: ExportJobSchema, ...errors(401, 404) },
      },
    },
    async (request) => ctx.exports.status(await auth.requireUser(request), request.params.id),
  );

  api.get(
    '/me/exports/:id/download',
    {
      schema: {
        tags: ['accounts'],
        summary: 'Download your export (signed link, for you only)',
        params: IdParams,
        querystring: Type.Object({
          expires: Type.Integer({ minimum: 0 }),
          sig: Type.String({ minLength: 1, maxLength: 128 }),
        }),
        response: { ...errors(401, 404) },
      },
    },
    async (request, reply) => {
      const principal = await auth.requireUser(request);
      const file = await ctx.exports.download(principal, request.params.id, request.query.expires, request.query.sig);
      return reply
        .header('content-type', 'application/zip')
        .header('content-length', file.size)
        .header('content-disposition', `attachment; filename="reelm-${principal.handle}-${request.params.id}.zip"`)
        .header('cache-control', 'private, no-store')
        .send(createReadStream(file.path));
    },
  );

  api.delete(
    '/me',
    {
      schema: {
        tags: ['accounts'],
        summary:
          'Delete your account: deactivated now, erased after the grace period; logging in before then cancels it',
        body: Type.Object({ password: Type.String({ maxLength: 1024 }) }, { additionalProperties: false }),
        response: { 202: Type.Object({ deleteAfter: Type.String() }), ...errors(400, 401, 403, 429) },
      },
    },
    async (request, reply) => {
      const principal = await auth.requireUser(request);
      const result = await ctx.deletion.request(principal, request.body.password, request.ip);
      auth.clearCookie(reply);
      return reply.status(202).send(result);
    },
  );

  api.post(
    '/me/home-region',
    {
      config: { rateLimit: { max: ctx.config.rateLimit.loginPerMinute, timeWindow: '1 minute' } },
      schema: {
        tags: ['accounts'],
        summary:
          'Move your data to the region serving your new country: copied, verified, re-routed, then the old copy shredded',
        body: HomeRegionMoveBody,
        response: { 202: HomeMoveSchema, ...errors(400, 401, 403, 409, 429) },
      },
    },
    async (request, reply) => {
      const principal = await auth.requireUser(request);
      return reply.status(202).send(await ctx.homeMoves.request(principal, request.body, request.ip));
    },
  );

  api.get(
    '/me/home-region',
    {
      schema: {
        tags: ['accounts'],
        summary: 'Your home region and your latest move, with its progress',
        response: { 200: HomeRegionSchema, ...errors(401) },
      },
    },
    async (request) => {
      const principal = await auth.requireUser(request);
      return { region: principal.region, move: await ctx.homeMoves.status(principal) };
    },
  );
}
