import { Type } from '@sinclair/typebox';

/**
 * Request bodies of password change and reset and of an email change (docs/api.md, "Account security"). Like
 * accounts.schema.ts this imports nothing else of Reelm, so the web app derives its types from it.
 */
export const PasswordChangeBody = Type.Object(
  { currentPassword: Type.String({ maxLength: 1024 }), newPassword: Type.String({ maxLength: 1024 }) },
  { additionalProperties: false },
);
export const PasswordResetRequestBody = Type.Object(
  { email: Type.Optional(Type.String({ maxLength: 320 })), handle: Type.Optional(Type.String({ maxLength: 64 })) },
  { additionalProperties: false },
);
export const PasswordResetBody = Type.Object(
  { password: Type.String({ maxLength: 1024 }) },
  { additionalProperties: false },
);
export const EmailChangeBody = Type.Object(
  { email: Type.String({ maxLength: 320 }), password: Type.String({ maxLength: 1024 }) },
  { additionalProperties: false },
);
