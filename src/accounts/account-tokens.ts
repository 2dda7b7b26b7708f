import { randomBytes } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import { newId } from '../db/ids.js';
import type { CellDb } from '../db/schema.js';
import type { CellRegistry } from '../regions/cells.js';
import type { AccountTokensTable } from './account-email.tables.js';
import { hashToken } from './session.service.js';

export type TokenPurpose = 'email_verification' | 'password_reset';

export const TOKEN_TTL_MS: Record<TokenPurpose, number> = {
  email_verification: 48 * 3600_000,
  password_reset: 3600_000,
};

/**
 * Issues a single-use mail token `<region>.<secret>` (like a session token, the region finds the cell without
 * the directory); only its SHA-256 is stored. The token itself lives only in the mail.
 */
export async function issueToken(
  db: Kysely<CellDb>,
  region: string,
  userId: string,
  purpose: TokenPurpose,
  now: Date,
  blindIndex: string | null = null,
): Promise<string> {
  const token = `${region}.${randomBytes(32).toString('base64url')}`;
  await db
    .insertInto('account_tokens')
    .values({
      id: newId(now.getTime()),
      user_id: userId,
      purpose,
      token_hash: hashToken(token),
      blind_index: blindIndex,
      created_at: now.toISOString(),
      expires_at: new Date(now.getTime() + TOKEN_TTL_MS[purpose]).toISOString(),
      used_at: null,
    })
    .execute();
  return token;
}

export type TokenLookup =
  { state: 'valid'; region: string; row: Selectable<AccountTokensTable> } | { state: 'expired' } | { state: 'unknown' };

/** Finds a token of `purpose` in its cell; used tokens and tokens of another purpose are unknown. */
export async function findToken(
  cells: CellRegistry,
  token: string,
  purpose: TokenPurpose,
  now: Date,
): Promise<TokenLookup> {
  const dot = token.indexOf('.');
  const region = dot > 0 ? token.slice(0, dot) : '';
  if (!region || !cells.has(region)) return { state: 'unknown' };
  const row = await cells
    .get(region)
    .db.selectFrom('account_tokens')
    .selectAll()
    .where('token_hash', '=', hashToken(token))
    .executeTakeFirst();
  if (!row || row.purpose !== purpose || row.used_at) return { state: 'unknown' };
  if (row.expires_at <= now.toISOString()) return { state: 'expired' };
  return { state: 'valid', region, row };
}
