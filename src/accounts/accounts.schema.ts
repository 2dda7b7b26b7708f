import { Type, type Static } from '@sinclair/typebox';

/**
 * The account objects of docs/api.md as TypeBox schemas: the routes validate and document with them, and the
 * server's and the web app's types are derived from them (`Static<typeof …>`). This file imports nothing else
 * of Reelm, so the web app can import its types.
 */

export const WhoCanCommentSchema = Type.Union([
  Type.Literal('everyone'),
  Type.Literal('followers'),
  Type.Literal('no_one'),
]);
export type WhoCanComment = Static<typeof WhoCanCommentSchema>;

export const PrivacySchema = Type.Object({ privateAccount: Type.Boolean(), whoCanComment: WhoCanCommentSchema });
export type Privacy = Static<typeof PrivacySchema>;

/** The languages the app (and its mail) speaks. */
export const LANGUAGES = ['en', 'de'] as const;
export const LanguageSchema = Type.Union(LANGUAGES.map((l) => Type.Literal(l)));
export type Language = Static<typeof LanguageSchema>;

export const MeSchema = Type.Object({
  id: Type.String(),
  handle: Type.String(),
  region: Type.String(),
  email: Type.String(),
  /** Whether the owner opened the link mailed to `email` (a change makes it false again). */
  emailVerified: Type.Boolean(),
  birthdate: Type.String(),
  country: Type.String(),
  displayName: Type.String(),
  bio: Type.String(),
  avatarUrl: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String(),
  privacy: PrivacySchema,
  /** The app's language as the user picked it; null follows the browser. */
  language: Type.Union([LanguageSchema, Type.Null()]),
  /** Until when moderation suspended the account (it may read, not post or comment); null when it is not. */
  suspendedUntil: Type.Union([Type.String(), Type.Null()]),
  /** The account's operator role, if it has one (the web app shows the consoles it opens). */
  operator: Type.Union([Type.Object({ jurisdiction: Type.String(), role: Type.String() }), Type.Null()]),
});
export type Me = Static<typeof MeSchema>;

/** The embedded form of a user in clips, comments and notifications. */
export const UserRefSchema = Type.Object({
  id: Type.String(),
  handle: Type.String(),
  displayName: Type.String(),
  avatarUrl: Type.Union([Type.String(), Type.Null()]),
});
export type UserRef = Static<typeof UserRefSchema>;

export const ProfileViewerSchema = Type.Object({
  following: Type.Boolean(),
  requested: Type.Boolean(),
  blocked: Type.Boolean(),
  muted: Type.Boolean(),
  self: Type.Boolean(),
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
  viewer: Type.Optional(ProfileViewerSchema),
});
export type PublicUser = Static<typeof PublicUserSchema>;

export const RegionSchema = Type.Object({ id: Type.String(), countries: Type.Array(Type.String()) });
export type Region = Static<typeof RegionSchema>;

/** A "download your data" job. */
export const ExportJobSchema = Type.Object({
  id: Type.String(),
  status: Type.Union([Type.Literal('queued'), Type.Literal('ready'), Type.Literal('failed'), Type.Literal('expired')]),
  url: Type.Optional(Type.String()),
  expiresAt: Type.Optional(Type.String()),
});
export type ExportJob = Static<typeof ExportJobSchema>;
