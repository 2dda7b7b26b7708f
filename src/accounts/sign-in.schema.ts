import { Type, type Static } from '@sinclair/typebox';

/**
 * Sign-in's objects of docs/api.md (sessions, two-step sign-in) as TypeBox schemas; the server and the
 * web app derive their types from them. Imports nothing else of Reelm, so the web app can import its types.
 */

export const SessionItemSchema = Type.Object({
  id: Type.String(),
  /** The session making this request. */
  current: Type.Boolean(),
  createdAt: Type.String(),
  /** To about the minute. */
  lastSeenAt: Type.String(),
  /** The browser or app that signed in, as it named itself; null when it sent nothing. */
  userAgent: Type.Union([Type.String(), Type.Null()]),
});
export type SessionItem = Static<typeof SessionItemSchema>;

export const SessionListSchema = Type.Object({ items: Type.Array(SessionItemSchema) });
export type SessionList = Static<typeof SessionListSchema>;

export const TotpStatusSchema = Type.Object({ enabled: Type.Boolean() });
export type TotpStatus = Static<typeof TotpStatusSchema>;

export const TotpEnrolmentSchema = Type.Object({
  /** Base32, for typing into an authenticator app that cannot scan. */
  secret: Type.String(),
  otpauthUrl: Type.String(),
});
export type TotpEnrolment = Static<typeof TotpEnrolmentSchema>;

export const RecoveryCodesSchema = Type.Object({ recoveryCodes: Type.Array(Type.String()) });
export type RecoveryCodes = Static<typeof RecoveryCodesSchema>;
