import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppContext } from '../context.js';
import { HashtagPageSchema, MutedWordsSchema, SearchResultsSchema, SoundPageSchema } from '../feeds/feeds.schema.js';
import { MUTED_WORD_MAX_LENGTH, MUTED_WORDS_MAX } from '../feeds/muted-words.js';
import { VideoPageSchema as VideoPage } from '../media/video.schema.js';
import type { Auth } from './auth.js';
import { IdParams, PageQuery, errors } from './schemas.js';

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

  const mutedWords = {
    tags: ['feeds'],
    response: { 200: MutedWordsSchema, ...errors(400, 401) },
  };
  api.get(
    '/me/muted-words',
    {
      schema: {
        ...mutedWords,
        summary: 'Your muted words: clips they match are left out of your feeds, hashtag and sound pages and search',
      },
    },
    async (request) => ({ words: await feeds.muted.list(await auth.requireUser(request)) }),
  );
  api.put(
    '/me/muted-words',
    {
      schema: {
        ...mutedWords,
        summary: `Replace your muted words (each 1–${MUTED_WORD_MAX_LENGTH} characters, at most ${MUTED_WORDS_MAX}; "#tag" mutes a hashtag)`,
        body: Type.Object({ words: Type.Array(Type.String({ maxLength: 1000 }), { maxItems: 10_000 }) }),
      },
    },
    async (request) => ({ words: await feeds.muted.replace(await auth.requireUser(request), request.body.words) }),
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
        response: { 200: SearchResultsSchema, ...errors(400) },
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
        response: { 200: HashtagPageSchema, ...errors(400, 404) },
      },
    },
    async (request) => {
      const viewer = await viewerOf(request);
      const page = await social.hashtags.hashtag(request.params.tag, request.query);
      const shown = await ctx.media.presenter.present(viewer, await ctx.media.access.fromIndex(page.videoIds));
      const items = await feeds.muted.filter(viewer, shown);
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
        response: { 200: SoundPageSchema, ...errors(400, 404) },
      },
    },
    async (request) => {
      const viewer = await viewerOf(request);
      const page = await social.hashtags.sound(request.params.id, request.query);
      const shown = await ctx.media.presenter.present(viewer, await ctx.media.access.fromIndex(page.videoIds));
      const items = await feeds.muted.filter(viewer, shown);
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
