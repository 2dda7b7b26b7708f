import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { AVATAR_MAX_BYTES } from '../accounts/avatar.service.js';
import type { AppContext } from '../context.js';
import { keyParts } from '../media/media-store.js';
import type { Auth } from './auth.js';
import { userMediaKeys } from '../media/media-paths.js';
import { errorBody } from './errors.js';
import { addRawBodyParsers, rawBody, type RawBodyRule } from './raw-body.js';
import { errors } from './schemas.js';

const AVATAR_BODY: RawBodyRule = {
  types: ['image/jpeg', 'image/png', 'image/webp'],
  maxBytes: AVATAR_MAX_BYTES,
  tooLarge: { code: 'avatar.too_large', message: 'A profile picture has at most 5 MB.' },
  wrongType: {
    code: 'avatar.content_type',
    message: 'Send the picture as the body, with Content-Type image/jpeg, image/png or image/webp.',
  },
};

/** `/api/v1/me/avatar`: set or remove your profile picture. */
export async function avatarRoutes(app: FastifyInstance, ctx: AppContext, auth: Auth): Promise<void> {
  // Image bodies, in a scope of their own so that only this route takes them.
  await app.register(async (scoped) => {
    addRawBodyParsers(scoped, AVATAR_BODY);
    const api = scoped.withTypeProvider<TypeBoxTypeProvider>();
    api.put(
      '/me/avatar',
      {
        schema: {
          tags: ['accounts'],
          summary: 'Set your profile picture (JPEG, PNG or WebP body, ≤ 5 MB): re-encoded square, metadata stripped',
          consumes: [...AVATAR_BODY.types],
          response: { 200: Type.Object({ avatarUrl: Type.String() }), ...errors(400, 401, 413, 415) },
        },
      },
      async (request) => {
        const me = await auth.requireUser(request);
        return ctx.avatars.put(me, rawBody(request, AVATAR_BODY));
      },
    );
    api.delete(
      '/me/avatar',
      {
        schema: {
          tags: ['accounts'],
          summary: 'Remove your profile picture',
          response: { 204: Type.Null(), ...errors(401) },
        },
      },
      async (request, reply) => {
        await ctx.avatars.remove(await auth.requireUser(request));
        return reply.status(204).send(null);
      },
    );
  });
}

/** Each picture version has its own URL: caches may keep it for good (a new picture is a new URL). */
export const AVATAR_CACHE = 'public, max-age=31536000, immutable';

/** `/avatars/<region>/<userId>/<version>/<size>.webp`: profile pictures (public data) from the home cell's store. */
export async function avatarFileRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const notFound = (reply: FastifyReply) =>
    reply.status(404).send(errorBody('media.not_found', 'There is no such media file.'));
  app.get('/avatars/:region/:userId/:version/:file', { schema: { hide: true } }, async (request, reply) => {
    const { region, userId, version, file } = request.params as {
      region: string;
      userId: string;
      version: string;
      file: string;
    };
    const store = ctx.media.stores.get(region);
    if (!store || !/^\d+\.webp$/.test(file)) return notFound(reply);
    const key = userMediaKeys.avatar(userId, version, file);
    try {
      keyParts(key);
    } catch {
      return notFound(reply);
    }
    const size = await store.size(key);
    const body = size === undefined ? undefined : await store.read(key);
    if (!body) return notFound(reply);
    return reply
      .header('content-type', 'image/webp')
      .header('content-length', size)
      .header('cache-control', AVATAR_CACHE)
      .header('x-content-type-options', 'nosniff')
      .send(body);
  });
}
