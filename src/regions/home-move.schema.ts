import { Type, type Static } from '@sinclair/typebox';

export const HomeRegionMoveBody = Type.Object(
  {
    country: Type.String({ minLength: 1, maxLength: 8, description: 'ISO 3166-1 alpha-2 code of your new country' }),
    password: Type.String({ maxLength: 1024 }),
  },
  { additionalProperties: false },
);
export type HomeRegionMoveBody = Static<typeof HomeRegionMoveBody>;

export const HomeMoveSchema = Type.Object({
  id: Type.String(),
  status: Type.Union([Type.Literal('running'), Type.Literal('done'), Type.Literal('failed')]),
  step: Type.String({
    description:
      'the last step done: queued, freezing (the copy started: the account is read-only until the move ends), copied, media, verified, rerouted, shredded',
  }),
  from: Type.String(),
  to: Type.String(),
  country: Type.String(),
  createdAt: Type.String(),
  finishedAt: Type.Union([Type.String(), Type.Null()]),
  error: Type.Union([Type.Object({ code: Type.String(), message: Type.String() }), Type.Null()]),
});

export const HomeRegionSchema = Type.Object({
  region: Type.String(),
  move: Type.Union([HomeMoveSchema, Type.Null()]),
});
