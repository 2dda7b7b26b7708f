import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppContext } from '../context.js';
import { clampLimit, decodeCursor, encodeCursor } from '../db/pagination.js';
import { ForbiddenError, NotFoundError } from '../errors.js';
import { PROTECTED_FIELDS, ROLE_FIELDS } from '../regions/access-policy.js';
import { checkReason, parseFields } from '../regions/operator-access.js';
import type { Auth } from './auth.js';
import { IdParams, errors } from './schemas.js';

const GrantSchema = Type.Object({
  id: Type.String(),
  region: Type.String(),
  requesterId: Type.String(),
  subjectId: Type.String(),
  fields: Type.Array(Type.String()),
  reason: Type.String(),
  durationMinutes: Type.Integer(),
  breakGlass: Type.Boolean(),
  status: Type.String(),
  approvals: Type.Array(Type.String()),
  approvalsNeeded: Type.Integer(),
  createdAt: Type.String(),
  approvedAt: Type.Union([Type.String(), Type.Null()]),
  expiresAt: Type.Union([Type.String(), Type.Null()]),
});

const GrantBody = Type.Object(
  {
    subjectId: Type.String({ minLength: 1, maxLength: 64 }),
    fields: Type.Array(Type.String({ maxLength: 40 }), { minItems: 1, maxItems: PROTECTED_FIELDS.length }),
    reason: Type.String({ maxLength: 1000 }),
    durationMinutes: Type.Integer(),
    breakGlass: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

const RegionQuery = Type.Object({
  region: Type.String({ minLength: 1, maxLength: 16 }),
  cursor: Type.Optional(Type.String({ maxLength: 512 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
});

/** The operator console's API: policy-checked reads of protected data, grants, the audit chain and config. */
export async function operatorRoutes(app: FastifyInstance, ctx: AppContext, auth: Auth): Promise<void> {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const access = ctx.operatorAccess;

  api.get(
    '/operator/users/:id/protected',
    {
      schema: {
        tags: ['operator'],
        summary:
          "Read named protected fields of a user, decrypted in the user's home cell; allowed by role and jurisdiction or by a grant. Audited either way",
        params: IdParams,
        querystring: Type.Object({
          fields: Type.String({ maxLength: 200 }),
          reason: Type.Optional(Type.String({ maxLength: 1000 })),
        }),
        response: {
          200: Type.Object({ id: Type.String(), fields: Type.Record(Type.String(), Type.Unknown()) }),
          ...errors(400, 401, 403, 404),
        },
      },
    },
    async (request) => {
      const principal = await auth.requireUser(request);
      return access.readProtected(principal, request.params.id, request.query.fields, request.query.reason);
    },
  );

  api.post(
    '/operator/grants',
    {
      schema: {
        tags: ['operator'],
        summary:
          "Ask for a time-boxed grant to read a subject's fields; approved by a security operator of the subject's region (two for break-glass)",
        body: GrantBody,
        response: { 201: GrantSchema, ...errors(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const principal = await auth.requireUser(request);
      const operator = await access.requireOperator(principal);
      const fields = parseFields(request.body.fields);
      const reason = checkReason(request.body.reason);
      const subject = await access.locateSubject(request.body.subjectId);
      if (!subject) throw new NotFoundError('user.not_found', 'There is no such user.');
      const grant = await ctx.grants.request(operator, {
        subject,
        fields,
        reason,
        durationMinutes: request.body.durationMinutes,
        breakGlass: request.body.breakGlass ?? false,
      });
      return reply.status(201).send(grant);
    },
  );

  api.post(
    '/operator/grants/:id/approve',
    {
      schema: {
        tags: ['operator'],
        summary: 'Approve a grant (security operators of the subject region; not the requester)',
        params: IdParams,
        response: { 200: GrantSchema, ...errors(401, 403, 404, 409) },
      },
    },
    async (request) => {
      const principal = await auth.requireUser(request);
      const operator = await access.requireOperator(principal);
      return ctx.grants.approve(operator, request.params.id);
    },
  );

  api.get(
    '/operator/grants/:id',
    {
      schema: {
        tags: ['operator'],
        summary: 'A grant: for its requester, and for security operators and auditors of its region',
        params: IdParams,
        response: { 200: GrantSchema, ...errors(401, 403, 404) },
      },
    },
    async (request) => {
      const principal = await auth.requireUser(request);
      const operator = await access.requireOperator(principal);
      const found = await ctx.grants.find(request.params.id);
      if (!found) throw new NotFoundError('grant.not_found', 'There is no such grant.');
      const oversees =
        (operator.role === 'security' || operator.role === 'auditor') &&
        (operator.jurisdiction === found.region || (operator.role === 'auditor' && operator.jurisdiction === 'global'));
      if (found.requesterId !== operator.userId && !oversees)
        throw new ForbiddenError(
          'grant.not_yours',
          'Only the requester and the region’s security operators and auditors see this grant.',
        );
      return ctx.grants.get(found.region, request.params.id);
    },
  );

  api.get(
    '/operator/grants',
    {
      schema: {
        tags: ['operator'],
        summary: "A region's grants, newest first (security operators and auditors of the region)",
        querystring: Type.Intersect([
          RegionQuery,
          Type.Object({ status: Type.Optional(Type.Union([Type.Literal('pending'), Type.Literal('approved')])) }),
        ]),
        response: {
          200: Type.Object({ items: Type.Array(GrantSchema), cursor: Type.Union([Type.String(), Type.Null()]) }),
          ...errors(400, 401, 403, 404),
        },
      },
    },
    async (request) => {
      const principal = await auth.requireUser(request);
      const operator = await access.requireOperator(principal);
      const { region, status } = request.query;
      if (!ctx.cells.has(region))
        throw new NotFoundError('region.unknown', `There is no region "${region}" in this deployment.`);
      const allowed =
        (operator.role === 'security' && operator.jurisdiction === region) ||
        (operator.role === 'auditor' && [region, 'global'].includes(operator.jurisdiction));
      if (!allowed)
        throw new ForbiddenError(
          'operator.not_permitted',
          `Only security operators and auditors of ${region} list its grants.`,
        );
      const limit = clampLimit(request.query.limit);
      const before = decodeCursor<{ id: string }>(request.query.cursor, ['id'])?.id;
      const items = await ctx.grants.list(region, {
        ...(status ? { status } : {}),
        ...(before ? { before } : {}),
        limit,
      });
      return { items, cursor: items.length === limit ? encodeCursor({ id: items[items.length - 1]!.id }) : null };
    },
  );

  api.get(
    '/operator/audit',
    {
      schema: {
        tags: ['operator'],
        summary:
          "A region's audit chain, newest first (auditors of the region, or global auditors); the read is itself audited",
        querystring: Type.Intersect([
          RegionQuery,
          Type.Object({ action: Type.Optional(Type.String({ maxLength: 64 })) }),
        ]),
        response: {
          200: Type.Object({
            region: Type.String(),
            head: Type.Union([Type.Object({ seq: Type.Integer(), hash: Type.String() }), Type.Null()]),
            items: Type.Array(
              Type.Object({
                seq: Type.Integer(),
                at: Type.String(),
                actor: Type.String(),
                action: Type.String(),
                subject: Type.String(),
                details: Type.Record(Type.String(), Type.Unknown()),
                prevHash: Type.String(),
                hash: Type.String(),
              }),
            ),
            cursor: Type.Union([Type.String(), Type.Null()]),
          }),
          ...errors(400, 401, 403, 404),
        },
      },
    },
    async (request) => {
      const principal = await auth.requireUser(request);
      const { region, action } = request.query;
      const auditor = await access.requireAuditor(principal, region);
      const chain = ctx.audit.for(region);
      const limit = clampLimit(request.query.limit);
      const beforeSeq = decodeCursor<{ seq: number }>(request.query.cursor, ['seq'])?.seq;
      const items = await chain.list({
        limit,
        ...(beforeSeq !== undefined ? { beforeSeq: Number(beforeSeq) } : {}),
        ...(action ? { action } : {}),
      });
      const head = (await chain.head()) ?? null;
      await chain.append({
        actor: auditor.userId,
        action: 'audit.read',
        subject: '',
        details: { jurisdiction: auditor.jurisdiction, count: items.length },
      });
      return {
        region,
        head,
        items,
        cursor: items.length === limit ? encodeCursor({ seq: items[items.length - 1]!.seq }) : null,
      };
    },
  );

  api.get(
    '/operator/notices',
    {
      schema: {
        tags: ['operator'],
        summary: 'Break-glass notices for the auditors of a region',
        querystring: RegionQuery,
        response: {
          200: Type.Object({
            items: Type.Array(
              Type.Object({
                id: Type.String(),
                kind: Type.String(),
                grantId: Type.String(),
                requesterId: Type.String(),
                subjectId: Type.String(),
                createdAt: Type.String(),
              }),
            ),
            cursor: Type.Union([Type.String(), Type.Null()]),
          }),
          ...errors(400, 401, 403, 404),
        },
      },
    },
    async (request) => {
      const principal = await auth.requireUser(request);
      await access.requireAuditor(principal, request.query.region);
      const limit = clampLimit(request.query.limit);
      const before = decodeCursor<{ id: string }>(request.query.cursor, ['id'])?.id;
      const items = await ctx.grants.notices(request.query.region, { limit, ...(before ? { before } : {}) });
      return { items, cursor: items.length === limit ? encodeCursor({ id: items[items.length - 1]!.id }) : null };
    },
  );

  api.get(
    '/operator/config',
    {
      schema: {
        tags: ['operator'],
        summary: "The deployment's regions, country map, limits and policies (no secrets), for operators",
        response: { 200: Type.Record(Type.String(), Type.Unknown()), ...errors(401, 403) },
      },
    },
    async (request) => {
      const principal = await auth.requireUser(request);
      await access.requireOperator(principal);
      const c = ctx.config;
      return {
        regions: ctx.cells.regions(),
        countryRegion: c.countryRegion,
        limits: c.limits,
        policies: c.policies,
        roleFields: ROLE_FIELDS,
        protectedFields: PROTECTED_FIELDS,
        deletionGraceDays: c.deletionGraceDays,
        exportExpiryDays: c.exportExpiryDays,
        grantMaxMinutes: c.grantMaxMinutes,
        auditCheckpointEvery: c.auditCheckpointEvery,
        sessionTtlHours: c.sessionTtlHours,
        rateLimit: c.rateLimit,
        storage: Object.fromEntries(
          ctx.cells
            .regions()
            .map((r) => [r, { store: c.cellUrls[r] ? 'postgres' : 'sqlite', media: c.mediaUrls[r] ? 's3' : 'folder' }]),
        ),
      };
    },
  );
}
