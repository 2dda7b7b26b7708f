import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { UserRefSchema } from '../accounts/accounts.schema.js';

/**
 * The `Video` object of docs/api.md, the one definition of a clip as the API answers it: routes validate and
 * document with the schema, the presenter and the web app use the type derived from it. Imports nothing of
 * Reelm but other schemas, so the web app can import its types.
 */

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

export const VIDEO_STATUSES = ['uploading', 'processing', 'ready', 'failed'] as const;
export const VideoStatusSchema = Type.Union(VIDEO_STATUSES.map((s) => Type.Literal(s)));
export type VideoStatus = Static<typeof VideoStatusSchema>;

export const VisibilitySchema = Type.Union([
  Type.Literal('public'),
  Type.Literal('followers'),
  Type.Literal('private'),
]);

export const ReasonSchema = Type.Object({ source: Type.String(), signals: Type.Array(Type.String()) });
/** Why For You showed a clip. */
export type Reason = Static<typeof ReasonSchema>;

/**
 * The clip a duet or stitch was made from, while it is in the public index (anyone may see it); null once it is
 * deleted, removed or no longer public — the duet itself plays on as published, it is its own author's clip.
 */
export const RemixRefSchema = Type.Object({
  id: Type.String(),
  author: Type.Object({ id: Type.String(), handle: Type.String() }),
});
export type RemixRef = Static<typeof RemixRefSchema>;

export const VideoSchema = Type.Object({
  id: Type.String(),
  /** `uploading` (owner only) until the bytes are in. */
  status: VideoStatusSchema,
  error: Type.Optional(Type.Object({ code: Type.String(), message: Type.String() })),
  progress: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
  caption: Type.String(),
  hashtags: Type.Array(Type.String()),
  mentions: Type.Array(Type.String()),
  visibility: VisibilitySchema,
  author: UserRefSchema,
  durationMs: Nullable(Type.Integer()),
  width: Nullable(Type.Integer()),
  height: Nullable(Type.Integer()),
  playback: Type.Object({ hls: Nullable(Type.String()), poster: Nullable(Type.String()) }),
  sound: Nullable(Type.Object({ id: Type.String(), title: Type.String() })),
  duetOf: Nullable(RemixRefSchema),
  stitchOf: Nullable(RemixRefSchema),
  /** What the author lets others do with the clip (PATCH /videos/:id): the app offers Duet and Stitch by them. */
  allowDuets: Type.Boolean(),
  allowStitches: Type.Boolean(),
  allowComments: Type.Boolean(),
  stats: Type.Object({
    views: Type.Integer(),
    likes: Type.Integer(),
    comments: Type.Integer(),
    shares: Type.Integer(),
  }),
  createdAt: Type.String(),
  /** WebVTT captions, one per BCP 47 language; also subtitle renditions of the master playlist. */
  captions: Type.Array(Type.Object({ lang: Type.String(), url: Type.String() })),
  /** The moment (ms) the poster was taken from, when its owner picked one. */
  coverMs: Nullable(Type.Integer()),
  /** Owner only: true while the clip is a draft (nobody else sees it). */
  draft: Type.Optional(Type.Boolean()),
  /** Owner only: when a scheduled clip is published (nobody else sees it before). */
  scheduledFor: Type.Optional(Nullable(Type.String())),
  viewer: Type.Optional(
    Type.Object({ liked: Type.Boolean(), favorited: Type.Boolean(), followingAuthor: Type.Boolean() }),
  ),
  reason: Type.Optional(ReasonSchema),
  /** What moderation decided about the clip; shown to its author (and to moderators) only. */
  moderation: Type.Optional(
    Type.Object({
      status: Type.Union([Type.Literal('removed'), Type.Literal('restricted'), Type.Literal('withheld')]),
      policy: Nullable(Type.String()),
      decisionId: Nullable(Type.String()),
      regions: Type.Optional(Type.Array(Type.String())),
    }),
  ),
});
export type Video = Static<typeof VideoSchema>;

export const VideoPageSchema = Type.Object({ items: Type.Array(VideoSchema), cursor: Nullable(Type.String()) });
