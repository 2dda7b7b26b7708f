import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { PublicUserSchema, UserRefSchema } from '../accounts/accounts.schema.js';
import { VideoSchema } from '../media/video.schema.js';

/** The discovery answers of docs/api.md (search, hashtag and sound pages); types derived for server and web app. */

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

export const HashtagCountSchema = Type.Object({ tag: Type.String(), videoCount: Type.Integer() });

export const SearchResultsSchema = Type.Object({
  users: Type.Array(PublicUserSchema),
  videos: Type.Array(VideoSchema),
  hashtags: Type.Array(HashtagCountSchema),
});
export type SearchResults = Static<typeof SearchResultsSchema>;

export const HashtagPageSchema = Type.Object({
  tag: Type.String(),
  videoCount: Type.Integer(),
  items: Type.Array(VideoSchema),
  cursor: Nullable(Type.String()),
});
export type HashtagPage = Static<typeof HashtagPageSchema>;

export const SoundPageSchema = Type.Object({
  id: Type.String(),
  title: Type.String(),
  author: Nullable(UserRefSchema),
  videoCount: Type.Integer(),
  items: Type.Array(VideoSchema),
  cursor: Nullable(Type.String()),
});
export type SoundPage = Static<typeof SoundPageSchema>;

/** A viewer's muted words (GET and PUT /me/muted-words). */
export const MutedWordsSchema = Type.Object({ words: Type.Array(Type.String()) });
