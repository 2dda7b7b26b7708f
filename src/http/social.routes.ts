import { requireMayPost } from '../accounts/account-rules.js';
import { addressBlock } from '../accounts/password-attempts.js';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppContext } from '../context.js';
import { PublicUserSchema, UserRefSchema } from '../accounts/accounts.schema.js';
import { VideoPageSchema as VideoPage } from '../media/video.schema.js';
import { CommentPageSchema, NotificationSchema } from '../social/social.schema.js';
import type { Auth } from './auth.js';
import { HandleParams, IdParams, Nullable, PageQuery, errors } from './schemas.js';

const NoContent = { 204: Type.Null() };

const CommentPage = CommentPageSchema;

// Up to 20,000 characters pass the schema so that an over-long comment gets the clear `comment.too_long` message.
const CommentBody = Type.Object(
  { text: Type.String({ maxLength: 20_000 }), parentId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })) },
  { additionalProperties: false },
);
const ViewBody = Type.Object(
  { watchedMs: Type.Integer({ minimum: 0 }), completed: Type.Boolean() },
  { additionalProperties: false },
);
const ShareBody = Type.Union([
  Type.Object({ channel: Type.Optional(Type.String({ maxLength: 32 })) }, { additionalProperties: false }),
  Type.Null(),
]);

/** How often an open notification stream also reads the cell (for notifications written by other processes). */
const STREAM_POLL_MS = 2000;
const STREAM_PING_MS = 15_000;

export async function socialRoutes(app: FastifyInstance, ctx: AppContext, auth: Auth): Promise<void> {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const { social } = ctx;
  const me = async (request: FastifyRequest) => {
    const p = await auth.requireUser(request);
    return { userId: p.userId, region: p.region };
  };
  // A visitor is counted by their client: address block and user agent, hashed by the service and never stored.
  // The block is the rate limits' own (an IPv6 /64, an IPv4-mapped address as IPv4), so hopping addresses inside
  // one's /64 counts no second view.
  const visitorClient = (request: FastifyRequest) =>
    `${addressBlock(request.ip)}\0${request.headers['user-agent'] ?? ''}`;
  const viewerOf = async (request: FastifyRequest) => {
    const p = await auth.optionalUser(request);
    return p ? { userId: p.userId, region: p.region } : null;
  };
  const s = <T extends object>(summary: string, extra: T) => ({ schema: { tags: ['social'], summary, ...extra } });

  // Engagement on clips
  api.post(
    '/videos/:id/views',
    s('Record a watch: milliseconds watched (up to 4× the clip length) and whether it was watched to the end', {
      params: IdParams,
      body: ViewBody,
      response: { ...NoContent, ...errors(400, 404) },
    }),
    async (request, reply) => {
      await social.engagement.view(await viewerOf(request), request.params.id, request.body, visitorClient(request));
      return reply.status(204).send(null);
    },
  );
  for (const [verb, on] of [
    ['put', true],
    ['delete', false],
  ] as const) {
    api[verb](
      '/videos/:id/like',
      s(on ? 'Like a clip (idempotent)' : 'Remove your like', {
        params: IdParams,
        response: { ...NoContent, ...errors(401, 404) },
      }),
      async (request, reply) => {
        const user = await me(request);
        await (on
          ? social.engagement.like(user, request.params.id)
          : social.engagement.unlike(user, request.params.id));
        return reply.status(204).send(null);
      },
    );
    api[verb](
      '/videos/:id/favorite',
      s(on ? 'Save a clip to your favorites (private to you)' : 'Remove from favorites', {
        params: IdParams,
        response: { ...NoContent, ...errors(401, 404) },
      }),
      async (request, reply) => {
        await social.engagement.favorite(await me(request), request.params.id, on);
        return reply.status(204).send(null);
      },
    );
    api[verb](
      '/comments/:id/like',
      s(on ? 'Like a comment' : 'Remove your like from a comment', {
        params: IdParams,
        response: { ...NoContent, ...errors(401, 404) },
      }),
      async (request, reply) => {
        await social.comments.like(await me(request), request.params.id, on);
        return reply.status(204).send(null);
      },
    );
    api[verb](
      '/users/:handle/follow',
      s(on ? 'Follow an account (a private account gets a request)' : 'Unfollow, or withdraw a request', {
        params: HandleParams,
        response: { ...NoContent, ...errors(400, 401, 403, 404) },
      }),
      async (request, reply) => {
        const user = await me(request);
        if (on) await social.graph.follow(user, request.params.handle);
        else await social.graph.unfollow(user, request.params.handle);
        return reply.status(204).send(null);
      },
    );
    api[verb](
      '/users/:handle/block',
      s(on ? 'Block an account: follows end both ways; they cannot follow you, comment or see your clips' : 'Unblock', {
        params: HandleParams,
        response: { ...NoContent, ...errors(400, 401, 404) },
      }),
      async (request, reply) => {
        const user = await me(request);
        if (on) await social.graph.block(user, request.params.handle);
        else await social.graph.unblock(user, request.params.handle);
        return reply.status(204).send(null);
      },
    );
    api[verb](
      '/users/:handle/mute',
      s(on ? 'Mute an account: its clips leave your feeds' : 'Unmute', {
        params: HandleParams,
        response: { ...NoContent, ...errors(400, 401, 404) },
      }),
      async (request, reply) => {
        await social.graph.mute(await me(request), request.params.handle, on);
        return reply.status(204).send(null);
      },
    );
  }

  api.post(
    '/videos/:id/shares',
    s('Count a share and get the link to share', {
      params: IdParams,
      body: ShareBody,
      response: { 201: Type.Object({ url: Type.String() }), ...errors(400, 404) },
    }),
    async (request, reply) =>
      reply
        .status(201)
        .send(await social.engagement.share(await viewerOf(request), request.params.id, visitorClient(request))),
  );

  api.post(
    '/videos/:id/not-interested',
    s('Show less like this: the clip leaves your For You and its creator ranks lower', {
      params: IdParams,
      response: { ...NoContent, ...errors(401, 404) },
    }),
    async (request, reply) => {
      await social.engagement.notInterested(await me(request), request.params.id);
      return reply.status(204).send(null);
    },
  );

  // Comments
  api.get(
    '/videos/:id/comments',
    s('Top-level comments, newest first', {
      params: IdParams,
      querystring: PageQuery,
      response: { 200: CommentPage, ...errors(400, 404) },
    }),
    async (request) => social.comments.list(request.params.id, await viewerOf(request), request.query),
  );
  api.post(
    '/videos/:id/comments',
    s(
      'Comment (1 to 1,000 characters). A reply to a reply is attached to the top-level comment: replies are one level deep',
      {
        params: IdParams,
        body: CommentBody,
        response: { 201: Type.Object({ id: Type.String() }), ...errors(400, 401, 403, 404) },
      },
    ),
    async (request, reply) => {
      const principal = await auth.requireUser(request);
      requireMayPost(principal, ctx.clock.now());
      const created = await social.comments.create(
        { userId: principal.userId, region: principal.region },
        request.params.id,
        request.body,
      );
      return reply.status(201).send({ id: created.id });
    },
  );
  api.get(
    '/comments/:id/replies',
    s('Replies to a comment, oldest first', {
      params: IdParams,
      querystring: PageQuery,
      response: { 200: CommentPage, ...errors(400, 404) },
    }),
    async (request) => social.comments.replies(request.params.id, await viewerOf(request), request.query),
  );
  api.delete(
    '/comments/:id',
    s('Delete a comment (its author, or the creator of the clip); its replies go with it', {
      params: IdParams,
      response: { ...NoContent, ...errors(401, 403, 404) },
    }),
    async (request, reply) => {
      await social.comments.remove(await me(request), request.params.id);
      return reply.status(204).send(null);
    },
  );

  // Social graph
  const UserPage = Type.Object({ items: Type.Array(PublicUserSchema), cursor: Nullable(Type.String()) });
  api.get(
    '/users/:handle/followers',
    s('Who follows an account (hidden for private accounts unless you follow them)', {
      params: HandleParams,
      querystring: PageQuery,
      response: { 200: UserPage, ...errors(400, 403, 404) },
    }),
    async (request) => social.graph.followers(request.params.handle, await viewerOf(request), request.query),
  );
  api.get(
    '/users/:handle/following',
    s('Whom an account follows (hidden for private accounts unless you follow them)', {
      params: HandleParams,
      querystring: PageQuery,
      response: { 200: UserPage, ...errors(400, 403, 404) },
    }),
    async (request) => social.graph.following(request.params.handle, await viewerOf(request), request.query),
  );
  api.get(
    '/me/follow-requests',
    s('Pending requests to follow you', {
      querystring: PageQuery,
      response: {
        200: Type.Object({ items: Type.Array(UserRefSchema), cursor: Nullable(Type.String()) }),
        ...errors(400, 401),
      },
    }),
    async (request) => social.graph.followRequests(await me(request), request.query),
  );
  for (const [action, approve] of [
    ['approve', true],
    ['deny', false],
  ] as const) {
    api.post(
      `/me/follow-requests/:handle/${action}`,
      s(approve ? 'Approve a follow request' : 'Deny a follow request', {
        params: HandleParams,
        response: { ...NoContent, ...errors(401, 404) },
      }),
      async (request, reply) => {
        await social.graph.decide(await me(request), request.params.handle, approve);
        return reply.status(204).send(null);
      },
    );
  }

  // Your own lists: read from your cell only.
  for (const kind of ['favorites', 'likes'] as const) {
    api.get(
      `/me/${kind}`,
      s(`Your ${kind} (private to you), newest first`, {
        querystring: PageQuery,
        response: { 200: VideoPage, ...errors(400, 401) },
      }),
      async (request) => {
        const user = await me(request);
        const page = await social.engagement.list(user, kind, request.query);
        const found = await ctx.media.access.locateMany(page.videoIds);
        const clips = page.videoIds.flatMap((id) => (found.has(id) ? [found.get(id)!] : []));
        return { items: await ctx.media.presenter.present(user, clips), cursor: page.cursor };
      },
    );
  }

  // Notifications
  api.get(
    '/notifications',
    s('Your notifications, newest first, with the unread count', {
      querystring: PageQuery,
      response: {
        200: Type.Object({
          items: Type.Array(NotificationSchema),
          cursor: Nullable(Type.String()),
          unread: Type.Integer(),
        }),
        ...errors(400, 401),
      },
    }),
    async (request) => social.notifications.list(await me(request), request.query),
  );
  api.post(
    '/notifications/read',
    s('Mark every notification read', { response: { ...NoContent, ...errors(401) } }),
    async (request, reply) => {
      await social.notifications.markAllRead(await me(request));
      return reply.status(204).send(null);
    },
  );
  api.get(
    '/notifications/stream',
    s('Server-Sent Events: event `notification` with a Notification, as they arrive', { response: errors(401) }),
    async (request, reply) => {
      const user = await me(request);
      const resume = request.headers['last-event-id'];
      let last =
        typeof resume === 'string' && /^[0-9a-z]{26}$/.test(resume)
          ? resume
          : await social.notifications.newestId(user);
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      res.write(': connected\n\n');
      let busy = false;
      let again = false;
      let closed = false;
      const flush = async (): Promise<void> => {
        if (busy) {
          again = true;
          return;
        }
        busy = true;
        try {
          do {
            again = false;
            for (const n of await social.notifications.since(user, last)) {
              if (closed) return;
              res.write(`id: ${n.id}\nevent: notification\ndata: ${JSON.stringify(n)}\n\n`);
              last = n.id;
            }
          } while (again && !closed);
        } catch (err) {
          request.log.warn({ err }, 'notification stream read failed');
        } finally {
          busy = false;
        }
      };
      const unsubscribe = social.notifications.subscribe(user.userId, () => void flush());
      const poll = setInterval(() => void flush(), STREAM_POLL_MS);
      const ping = setInterval(() => res.write(': ping\n\n'), STREAM_PING_MS);
      request.raw.on('close', () => {
        closed = true;
        clearInterval(poll);
        clearInterval(ping);
        unsubscribe();
      });
    },
  );
}
