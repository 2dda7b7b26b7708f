import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppContext } from '../context.js';
import { indexRows, presentVideos } from '../feeds/video-presenter.js';
import type { Auth } from './auth.js';
import { IdParams, PageQuery, PublicUserSchema, UserRefSchema, VideoSchema, errors } from './schemas.js';

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);

export const VideoPage = Type.Object({ items: Type.Array(VideoSchema), cursor: Nullable(Type.String()) });

const SearchQuery = Type.Object({ q: Type.String({ minLength: 1, maxLength: 100 }) });
const TagParams = Type.Object({ tag: Type.String({ minLength: 1, maxLength: 101 }) });

export async function feedRoutes(app: FastifyInstance, ctx: AppContext, auth: Auth): Promise<void> {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const { feeds, social } = ctx;
  const viewerOf = async (request: Parameters<Auth['optionalUser']>[0]) => {
    const p = await auth.optionalUser(request);
    return p ? { userId: p.userId, region: p.region } : null;
  };

  api.get(
    '/feed/for-you',
    {
      schema: {
        tags: ['feeds'],
        summary: 'For You: ranked public clips with the reason each was shown; works without signing in',
        querystring: PageQuery,
        response: { 200: VideoPage, ...errors(400, 401) },
      },
    },
    async (request) => feeds.forYou.page(await viewerOf(request), request.query),
  );

  api.get(
    '/feed/following',
    {
      schema: {
        tags: ['feeds'],
        summary: 'Newest clips from the accounts you follow',
        querystring: PageQuery,
        response: { 200: VideoPage, ...errors(400, 401) },
      },
    },
    async (request) => {
      const me = await auth.requireUser(request);
      return feeds.following.following(me, request.query);
    },
  );

  api.get(
    '/trending',
    {
      schema: {
        tags: ['feeds'],
        summary: 'Clips by time-decayed engagement',
        querystring: PageQuery,
        response: { 200: VideoPage, ...errors(400) },
      },
    },
    async (request) => feeds.following.trending(await viewerOf(request), request.query),
  );

  api.get(
    '/search',
    {
      schema: {
        tags: ['feeds'],
        summary: 'Search users (handle prefix), hashtags and clip captions. Queries are not stored',
        querystring: SearchQuery,
        response: {
          200: Type.Object({
            users: Type.Array(PublicUserSchema),
            videos: Type.Array(VideoSchema),
            hashtags: Type.Array(Type.Object({ tag: Type.String(), videoCount: Type.Integer() })),
          }),
          ...errors(400),
        },
      },
    },
    async (request) => feeds.search.search(request.query.q, await viewerOf(request)),
  );

  api.get(
    '/hashtags/:tag',
    {
      schema: {
        tags: ['feeds'],
        summary: 'A hashtag page: its clips, newest first',
        params: TagParams,
        querystring: PageQuery,
        response: {
          200: Type.Object({
            tag: Type.String(),
            videoCount: Type.Integer(),
            items: Type.Array(VideoSchema),
            cursor: Nullable(Type.String()),
          }),
          ...errors(400, 404),
        },
      },
    },
    async (request) => {
      const viewer = await viewerOf(request);
      const page = await social.hashtags.hashtag(request.params.tag, request.query);
      const items = await presentVideos(ctx, await indexRows(ctx.directory, page.videoIds), viewer);
      return { tag: page.tag, videoCount: page.videoCount, items, cursor: page.cursor };
    },
  );

  api.get(
    '/sounds/:id',
    {
      schema: {
        tags: ['feeds'],
        summary: 'A sound page: the sound and the clips using it, newest first',
        params: IdParams,
        querystring: PageQuery,
        response: {
          200: Type.Object({
            id: Type.String(),
            title: Type.String(),
            author: Type.Union([UserRefSchema, Type.Null()]),
            videoCount: Type.Integer(),
            items: Type.Array(VideoSchema),
            cursor: Nullable(Type.String()),
          }),
          ...errors(400, 404),
        },
      },
    },
    async (request) => {
      const viewer = await viewerOf(request);
      const page = await social.hashtags.sound(request.params.id, request.query);
      const items = await presentVideos(ctx, await indexRows(ctx.directory, page.videoIds), viewer);
      return {
        id: page.id,
        title: page.title,
        author: page.author,
        videoCount: page.videoCount,
        items,
        cursor: page.cursor,
      };
    },
  );
}
