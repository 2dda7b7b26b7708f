import { Type, type TSchema } from '@sinclair/typebox';

/** Shared response pieces for the OpenAPI document. */
export const ErrorSchema = Type.Object({
  error: Type.Object({
    code: Type.String(),
    message: Type.String(),
    details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  }),
});

export function errors(...statuses: number[]): Record<number, TSchema> {
  return Object.fromEntries(statuses.map((s) => [s, ErrorSchema]));
}

export const PrivacySchema = Type.Object({
  privateAccount: Type.Boolean(),
  whoCanComment: Type.Union([Type.Literal('everyone'), Type.Literal('followers'), Type.Literal('no_one')]),
});

export const MeSchema = Type.Object({
  id: Type.String(),
  handle: Type.String(),
  region: Type.String(),
  email: Type.String(),
  birthdate: Type.String(),
  country: Type.String(),
  displayName: Type.String(),
  bio: Type.String(),
  avatarUrl: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String(),
  privacy: PrivacySchema,
});

export const PublicUserSchema = Type.Object({
  id: Type.String(),
  handle: Type.String(),
  region: Type.String(),
  displayName: Type.String(),
  bio: Type.String(),
  avatarUrl: Type.Union([Type.String(), Type.Null()]),
  private: Type.Boolean(),
  createdAt: Type.String(),
  stats: Type.Object({
    followers: Type.Integer(),
    following: Type.Integer(),
    likes: Type.Integer(),
    videos: Type.Integer(),
  }),
  viewer: Type.Optional(
    Type.Object({
      following: Type.Boolean(),
      requested: Type.Boolean(),
      blocked: Type.Boolean(),
      muted: Type.Boolean(),
      self: Type.Boolean(),
    }),
  ),
});

export const UserRefSchema = Type.Object({
  id: Type.String(),
  handle: Type.String(),
  displayName: Type.String(),
  avatarUrl: Type.Union([Type.String(), Type.Null()]),
});

export const HandleParams = Type.Object({ handle: Type.String({ minLength: 1, maxLength: 64 }) });
export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
export const PageQuery = Type.Object({
  cursor: Type.Optional(Type.String({ maxLength: 2048 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
});

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

/** The `Video` object of docs/api.md, for every route that answers clips (`uploading` while bytes arrive). */
export const VideoSchema = Type.Object({
  id: Type.String(),
  status: Type.Union([
    Type.Literal('uploading'),
    Type.Literal('processing'),
    Type.Literal('ready'),
    Type.Literal('failed'),
  ]),
  error: Type.Optional(Type.Object({ code: Type.String(), message: Type.String() })),
  progress: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
  caption: Type.String(),
  hashtags: Type.Array(Type.String()),
  mentions: Type.Array(Type.String()),
  visibility: Type.Union([Type.Literal('public'), Type.Literal('followers'), Type.Literal('private')]),
  author: UserRefSchema,
  durationMs: Nullable(Type.Integer()),
  width: Nullable(Type.Integer()),
  height: Nullable(Type.Integer()),
  playback: Type.Object({ hls: Nullable(Type.String()), poster: Nullable(Type.String()) }),
  sound: Nullable(Type.Object({ id: Type.String(), title: Type.String() })),
  stats: Type.Object({
    views: Type.Integer(),
    likes: Type.Integer(),
    comments: Type.Integer(),
    shares: Type.Integer(),
  }),
  createdAt: Type.String(),
  viewer: Type.Optional(
    Type.Object({ liked: Type.Boolean(), favorited: Type.Boolean(), followingAuthor: Type.Boolean() }),
  ),
  reason: Type.Optional(Type.Object({ source: Type.String(), signals: Type.Array(Type.String()) })),
});
