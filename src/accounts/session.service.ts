import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { newId } from '../db/ids.js';
import { PreparedQuery } from '../db/prepared-query.js';
import type { CellDb, DirectoryDb } from '../db/schema.js';
import { ForbiddenError, NotFoundError, UnauthorizedError } from '../errors.js';
import { dataKeyOf, type CellRegistry } from '../regions/cells.js';
import { sealField } from '../regions/keys.js';
import type { PasswordAttempts } from './password-attempts.js';
import { hashPassword, verifyPassword } from './passwords.js';
import type { SecondFactor } from './totp.service.js';

export interface Principal {
  userId: string;
  handle: string;
  region: string;
  sessionId: string;
  /** Until when moderation suspended the account (null or past: not suspended); see `requireMayPost`. */
  suspendedUntil?: string | null;
}

/** Every signed-in request runs this lookup. */
const SESSION_BY_TOKEN = new PreparedQuery((db: Kysely<CellDb>, tokenHash: string) =>
  db
    .selectFrom('sessions')
    .innerJoin('accounts', 'accounts.id', 'sessions.user_id')
    .select([
      'sessions.id as sessionId',
      'sessions.expires_at',
      'sessions.last_seen_at',
      'accounts.id as userId',
      'accounts.handle',
      'accounts.status',
      'accounts.suspended_until',
    ])
    .where('sessions.token_hash', '=', tokenHash),
);

/** "Last seen" is kept to about the minute, so most requests read the session without writing it. */
const LAST_SEEN_EVERY_MS = 60_000;
const TOUCH_SESSION = new PreparedQuery((db: Kysely<CellDb>, at: string, id: string) =>
  db.updateTable('sessions').set({ last_seen_at: at }).where('id', '=', id),
);

export interface SessionServiceDeps {
  directory: Kysely<DirectoryDb>;
  cells: CellRegistry;
  now: () => Date;
  ttlHours: number;
  /** Brings back an account deactivated for deletion when its owner logs in during the grace period. */
  reactivate?: (userId: string, region: string) => Promise<boolean>;
  /** The second factor of an account whose password was right (TotpService.check). */
  secondFactor?: (userId: string, region: string, otp: string | undefined) => Promise<SecondFactor>;
  /** Backoff per account and client on wrong passwords and codes. */
  attempts?: PasswordAttempts;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/**
 * Sessions live in the user's home cell. A token is `<region>.<secret>`: the region routes the lookup to
 * the right cell without asking the directory; only the SHA-256 of the token is stored.
 */
export class SessionService {
  private dummy: Promise<string> | undefined;

  constructor(private readonly deps: SessionServiceDeps) {}

  async login(
    handleRaw: string,
    password: string,
    client: { ip?: string; userAgent?: string; otp?: string } = {},
  ): Promise<{ token: string; expiresAt: string; userId: string; region: string; deletionCancelled: boolean }> {
    const handle = handleRaw.trim().replace(/^@/, '').toLowerCase();
    // Keyed by the handle as typed, so a locked pair says nothing about whether the handle exists.
    await this.deps.attempts?.assertOpen(`login:${handle}`, client.ip ?? '');
    const user = await this.deps.directory
      .selectFrom('users')
      .select(['id', 'region'])
      .where('handle', '=', handle)
      .where('status', 'in', ['active', 'deactivated', 'banned'])
      .executeTakeFirst();
    const cell = user && this.deps.cells.has(user.region) ? this.deps.cells.get(user.region) : undefined;
    const account =
      cell && user
        ? await cell.db
            .selectFrom('accounts')
            .select(['id', 'password_hash', 'status'])
            .where('id', '=', user.id)
            .executeTakeFirst()
        : undefined;
    // Unknown handles verify against a dummy hash so that timing does not reveal which handles exist.
    this.dummy ??= hashPassword('reelm-timing-equaliser-' + randomBytes(8).toString('hex'));
    const ok = await verifyPassword(account?.password_hash ?? (await this.dummy), password);
    if (!ok) await this.deps.attempts?.failed(`login:${handle}`, client.ip ?? '');
    // Asked only once the password is right, so a wrong password never tells whether the account has a factor.
    const factor = ok && account && user ? await this.deps.secondFactor?.(user.id, user.region, client.otp) : 'off';
    if (factor === 'required')
      throw new UnauthorizedError('auth.totp_required', 'Enter the 6-digit code from your authenticator app.');
    if (factor === 'invalid') {
      await this.deps.attempts?.failed(`login:${handle}`, client.ip ?? '');
      throw new UnauthorizedError(
        'auth.totp_invalid',
        'That code is not right (or was used already); try the next one.',
      );
    }
    const reactivated =
      ok && account?.status === 'deactivated' && !!user && !!(await this.deps.reactivate?.(user.id, user.region));
    if (ok && account?.status === 'banned')
      throw new ForbiddenError('account.banned', 'This account was banned for breaking the rules; it cannot sign in.');
    const usable = account?.status === 'active' || reactivated;
    if (!ok || !account || !cell || !user || !usable) {
      throw new UnauthorizedError('auth.invalid_credentials', 'The handle or password is wrong.');
    }
    await this.deps.attempts?.succeeded(`login:${handle}`, client.ip ?? '');
    const token = `${user.region}.${randomBytes(32).toString('base64url')}`;
    const now = this.deps.now();
    const expiresAt = new Date(now.getTime() + this.deps.ttlHours * 3600_000).toISOString();
    const dek = await dataKeyOf(cell, user.id);
    if (!dek) throw new NotFoundError('account.not_found', 'This account no longer exists.');
    const id = newId(now.getTime());
    await cell.db
      .insertInto('sessions')
      .values({
        id,
        user_id: user.id,
        token_hash: hashToken(token),
        ip_enc: client.ip ? sealField(dek, user.id, 'ip', client.ip) : null,
        user_agent_enc: client.userAgent ? sealField(dek, user.id, 'user_agent', client.userAgent.slice(0, 512)) : null,
        created_at: now.toISOString(),
        expires_at: expiresAt,
        last_seen_at: now.toISOString(),
      })
      .execute();
    return { token, expiresAt, userId: user.id, region: user.region, deletionCancelled: reactivated };
  }

  /** Resolves a bearer token to its principal, or throws 401. */
  async authenticate(token: string): Promise<Principal> {
    const dot = token.indexOf('.');
    const region = dot > 0 ? token.slice(0, dot) : '';
    if (!region || !this.deps.cells.has(region))
      throw new UnauthorizedError('auth.invalid_token', 'Your session is not valid; sign in again.');
    const hash = hashToken(token);
    // The region in a token is where the session began: an account that moved home region took its sessions
    // along (src/regions/home-move.ts), so a miss asks the other cells for the same hash before giving up.
    const found = await this.deps.cells.first(async (cell) => {
      const row = await SESSION_BY_TOKEN.executeTakeFirst(cell.db, hash);
      return row && { row, db: cell.db, home: cell.region };
    }, region);
    if (!found || found.row.status !== 'active')
      throw new UnauthorizedError('auth.invalid_token', 'Your session is not valid; sign in again.');
    const { row, db, home } = found;
    const now = this.deps.now();
    if (row.expires_at <= now.toISOString())
      throw new UnauthorizedError('auth.session_expired', 'Your session has expired; sign in again.');
    if (!row.last_seen_at || now.getTime() - Date.parse(row.last_seen_at) >= LAST_SEEN_EVERY_MS)
      await TOUCH_SESSION.execute(db, now.toISOString(), row.sessionId);
    return {
      userId: row.userId,
      handle: row.handle,
      region: home,
      sessionId: row.sessionId,
      suspendedUntil: row.suspended_until,
    };
  }

  async logout(principal: Principal): Promise<void> {
    await this.deps.cells
      .get(principal.region)
      .db.deleteFrom('sessions')
      .where('id', '=', principal.sessionId)
      .execute();
  }
}
