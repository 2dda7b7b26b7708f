import { Type, type TSchema } from '@sinclair/typebox';

/** Shared response pieces for the OpenAPI document. */
export const ErrorSchema = Type.Object({
  error: Type.Object({ code: Type.String(), message: Type.String(), details: Type.Optional(Type.Record(Type.String(), Type.Unknown())) }),
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
  stats: Type.Object({ followers: Type.Integer(), following: Type.Integer(), likes: Type.Integer(), videos: Type.Integer() }),
  viewer: Type.Optional(
    Type.Object({ following: Type.Boolean(), requested: Type.Boolean(), blocked: Type.Boolean(), muted: Type.Boolean(), self: Type.Boolean() }),
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
