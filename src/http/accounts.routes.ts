import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppContext } from '../context.js';
import type { Auth } from './auth.js';
import {
  LanguageSchema,
  MeSchema,
  PrivacySchema,
  PublicUserSchema,
  RegionSchema,
} from '../accounts/accounts.schema.js';
import { languageFromHeader } from '../accounts/language.js';
import { HandleParams, errors } from './schemas.js';

const SignupBody = Type.Object(
  {
    handle: Type.String({ maxLength: 64 }),
    password: Type.String({ maxLength: 1024 }),
    email: Type.String({ maxLength: 320 }),
    birthdate: Type.String({ maxLength: 32 }),
    country: Type.String({ maxLength: 8 }),
    /** The app's (and its mail's) language; without it, the browser's Accept-Language if the app speaks it. */
    language: Type.Optional(LanguageSchema),
  },
  { additionalProperties: false },
);

const LoginBody = Type.Object(
  {
    handle: Type.String({ maxLength: 64 }),
    password: Type.String({ maxLength: 1024 }),
    /** A current TOTP code or an unused recovery code, for accounts with two-step sign-in. */
    otp: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false },
);

const ProfilePatch = Type.Object(
  {
    displayName: Type.Optional(Type.String({ maxLength: 200 })),
    bio: Type.Optional(Type.String({ maxLength: 1000 })),
    language: Type.Optional(Type.Union([LanguageSchema, Type.Null()])),
  },
  { additionalProperties: false },
);

const PrivacyPatch = Type.Partial(PrivacySchema, { additionalProperties: false });

export async function accountRoutes(app: FastifyInstance, ctx: AppContext, auth: Auth): Promise<void> {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const perMinute = (max: number) => ({ rateLimit: { max, timeWindow: '1 minute' } });

  api.post(
    '/accounts',
    {
      config: perMinute(ctx.config.rateLimit.signupPerMinute),
      schema: {
        tags: ['accounts'],
        summary: 'Sign up; the account lives in the region of the declared country',
        body: SignupBody,
        response: {
          201: Type.Object({ id: Type.String(), handle: Type.String(), region: Type.String() }),
          ...errors(400, 409, 429),
        },
      },
    },
    async (request, reply) => {
      const language = request.body.language ?? languageFromHeader(request.headers['accept-language']);
      return reply.status(201).send(await ctx.accounts.signup({ ...request.body, ...(language ? { language } : {}) }));
    },
  );

  api.post(
    '/sessions',
    {
      config: perMinute(ctx.config.rateLimit.loginPerMinute),
      schema: {
        tags: ['accounts'],
        summary:
          'Log in; answered by the home cell. Returns a bearer token and sets the session cookie; `deletionCancelled` says that this login cancelled a pending account deletion',
        body: LoginBody,
        response: {
          201: Type.Object({ token: Type.String(), expiresAt: Type.String(), deletionCancelled: Type.Boolean() }),
          ...errors(400, 401, 429),
        },
      },
    },
    async (request, reply) => {
      const session = await ctx.sessions.login(request.body.handle, request.body.password, {
        ip: request.ip,
        userAgent: request.headers['user-agent'],
        ...(request.body.otp !== undefined ? { otp: request.body.otp } : {}),
      });
      auth.setCookie(request, reply, session.token, session.expiresAt);
      return reply
        .status(201)
        .send({ token: session.token, expiresAt: session.expiresAt, deletionCancelled: session.deletionCancelled });
    },
  );

  api.delete(
    '/sessions/current',
    { schema: { tags: ['accounts'], summary: 'Log out', response: { 204: Type.Null(), ...errors(401) } } },
    async (request, reply) => {
      await ctx.sessions.logout(await auth.requireUser(request));
      auth.clearCookie(reply);
      return reply.status(204).send(null);
    },
  );

  api.get(
    '/me',
    {
      schema: {
        tags: ['accounts'],
        summary: 'Your own account, from your home cell',
        response: { 200: MeSchema, ...errors(401) },
      },
    },
    async (request) => {
      const me = await auth.requireUser(request);
      return ctx.accounts.me(me.userId, me.region);
    },
  );

  api.patch(
    '/me',
    {
      schema: {
        tags: ['accounts'],
        summary: 'Edit your display name and bio, and pick the app’s language (null follows the browser)',
        body: ProfilePatch,
        response: { 200: MeSchema, ...errors(400, 401) },
      },
    },
    async (request) => {
      const me = await auth.requireUser(request);
      return ctx.accounts.updateProfile(me.userId, me.region, request.body);
    },
  );

  api.patch(
    '/me/privacy',
    {
      schema: {
        tags: ['accounts'],
        summary: 'Private account and who can comment',
        body: PrivacyPatch,
        response: { 200: PrivacySchema, ...errors(400, 401) },
      },
    },
    async (request) => {
      const me = await auth.requireUser(request);
      return ctx.accounts.updatePrivacy(me.userId, me.region, request.body);
    },
  );

  api.get(
    '/users/:handle',
    {
      schema: {
        tags: ['accounts'],
        summary:
          "A public profile, from the directory; with `viewer` (follow, request, block, mute) from a signed-in caller's own cell",
        params: HandleParams,
        response: { 200: PublicUserSchema, ...errors(404) },
      },
    },
    async (request) => {
      const [profile, viewer] = await Promise.all([
        ctx.accounts.publicProfile(request.params.handle),
        auth.optionalUser(request),
      ]);
      if (!viewer) return profile;
      return { ...profile, viewer: await ctx.social.graph.viewerState(viewer, profile.id) };
    },
  );

  api.get(
    '/regions',
    {
      schema: {
        tags: ['accounts'],
        summary: 'The regions of this deployment and which countries they serve',
        response: {
          200: Type.Object({
            regions: Type.Array(RegionSchema),
          }),
        },
      },
    },
    async () => ({
      regions: ctx.cells.regions().map((id) => ({
        id,
        countries: Object.entries(ctx.config.countryRegion)
          .filter(([, r]) => r === id)
          .map(([c]) => c),
      })),
    }),
  );
}
