import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppContext } from '../context.js';
import {
  AccountStandingSchema,
  BlockedTermsSchema,
  CasePageSchema,
  CaseSchema,
  DecisionBodySchema,
  ReportBodySchema,
} from '../moderation/moderation.schema.js';
import type { Auth } from './auth.js';
import { IdParams, errors } from './schemas.js';

const QueueQuery = Type.Object({
  status: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('decided')])),
  kind: Type.Optional(Type.Union([Type.Literal('report'), Type.Literal('appeal')])),
  region: Type.Optional(Type.String({ minLength: 1, maxLength: 16 })),
  cursor: Type.Optional(Type.String({ maxLength: 512 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
});
const RegionQuery = Type.Object({ region: Type.String({ minLength: 1, maxLength: 16 }) });

/** Trust and safety (docs/moderation.md): reports, the moderators' queue and decisions, appeals, blocked terms. */
export async function moderationRoutes(app: FastifyInstance, ctx: AppContext, auth: Auth): Promise<void> {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const { reports, cases, standing } = ctx.moderation;
  const user = async (request: Parameters<Auth['requireUser']>[0]) => {
    const p = await auth.requireUser(request);
    return { userId: p.userId, region: p.region };
  };

  api.post(
    '/reports',
    {
      schema: {
        tags: ['moderation'],
        summary:
          "Report a clip, comment, account or sound; the report stays in the reporter's cell, the case opens in the target's region",
        body: ReportBodySchema,
        response: { 201: Type.Object({ id: Type.String() }), ...errors(400, 401, 404, 429) },
      },
    },
    async (request, reply) => reply.status(201).send(await reports.file(await user(request), request.body)),
  );

  api.get(
    '/moderation/queue',
    {
      schema: {
        tags: ['moderation'],
        summary: "Open (or decided) cases of the moderator's regions, most urgent first",
        querystring: QueueQuery,
        response: { 200: CasePageSchema, ...errors(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const op = await cases.requireModerator((await user(request)).userId);
      return cases.queue(op, request.query);
    },
  );

  api.get(
    '/moderation/cases/:id',
    {
      schema: {
        tags: ['moderation'],
        summary: 'A case with its reports (never the reporters), target, history and decision; the read is audited',
        params: IdParams,
        response: { 200: CaseSchema, ...errors(401, 403, 404) },
      },
    },
    async (request) => {
      const op = await cases.requireModerator((await user(request)).userId);
      return cases.get(op, request.params.id);
    },
  );

  api.post(
    '/moderation/cases/:id/decision',
    {
      schema: {
        tags: ['moderation'],
        summary:
          'Decide a case: remove, restrict, withhold, dismiss, suspend or ban; an appeal: uphold or reverse (another moderator)',
        params: IdParams,
        body: DecisionBodySchema,
        response: { 200: CaseSchema, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      const op = await cases.requireModerator((await user(request)).userId);
      return cases.decide(op, request.params.id, request.body);
    },
  );

  api.get(
    '/me/moderation',
    {
      schema: {
        tags: ['moderation'],
        summary: "Decisions about the user's content and account, strikes and suspension, with what can be appealed",
        response: { 200: AccountStandingSchema, ...errors(401) },
      },
    },
    async (request) => standing.mine(await user(request)),
  );

  api.post(
    '/moderation/decisions/:id/appeal',
    {
      schema: {
        tags: ['moderation'],
        summary: 'Appeal a decision about your content or account, once; another moderator decides it',
        params: IdParams,
        // The service checks the length, so an over-long appeal gets its own code (the body limit caps it here).
        body: Type.Object({ text: Type.String() }, { additionalProperties: false }),
        response: { 201: Type.Object({ id: Type.String() }), ...errors(400, 401, 404, 409) },
      },
    },
    async (request, reply) =>
      reply.status(201).send(await standing.appeal(await user(request), request.params.id, request.body.text)),
  );

  api.get(
    '/moderation/blocked-terms',
    {
      schema: {
        tags: ['moderation'],
        summary: "A region's blocked terms (its moderators)",
        querystring: RegionQuery,
        response: { 200: BlockedTermsSchema, ...errors(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const { region } = request.query;
      await cases.requireModerator((await user(request)).userId, region);
      return { region, terms: await ctx.moderation.terms.list(region) };
    },
  );

  api.put(
    '/moderation/blocked-terms',
    {
      schema: {
        tags: ['moderation'],
        summary:
          "Replace a region's blocked terms: captions, comments and display names there that contain one are refused",
        querystring: RegionQuery,
        // The service checks the list (`blocked_terms.invalid`, `blocked_terms.too_many`); the body limit caps it.
        body: Type.Object({ terms: Type.Array(Type.String()) }, { additionalProperties: false }),
        response: { 204: Type.Null(), ...errors(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const { region } = request.query;
      const op = await cases.requireModerator((await user(request)).userId, region);
      await ctx.moderation.replaceBlockedTerms(op, region, request.body.terms);
      return reply.status(204).send(null);
    },
  );
}
