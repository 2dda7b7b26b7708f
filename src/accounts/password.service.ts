import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DirectoryDb } from '../db/schema.js';
import { ForbiddenError, InvalidInputError, NotFoundError } from '../errors.js';
import type { JobQueue } from '../jobs/job-queue.js';
import type { Logger } from '../logging.js';
import type { Border } from '../regions/border.js';
import type { CellRegistry } from '../regions/cells.js';
import { checkEmail, checkPassword } from './account-rules.js';
import { findToken } from './account-tokens.js';
import type { EmailIndex } from './email-index.js';
import type { PasswordAttempts } from './password-attempts.js';
import { hashPassword, verifyPassword } from './passwords.js';
import type { Principal } from './session.service.js';

/** "Reset the password of your account with this blind index, if you have one" — nothing answers back. */
export const RESET_REQUEST_FLOW = 'account.password-reset-request';

export interface PasswordServiceDeps {
  directory: Kysely<DirectoryDb>;
  cells: CellRegistry;
  border: Border;
  queues: Map<string, JobQueue>;
  index: EmailIndex;
  now: () => Date;
  log: Logger;
  /** Backoff on wrong passwords per account and client, as for sign-in and deletion. */
  attempts?: PasswordAttempts;
}

/**
 * Password change (the owner, with the current password) and reset (by a single-use link mailed to the
 * account's address). A reset request says nothing about whether the account exists: it is answered before
 * any lookup, and the lookup asks every cell the same question either way.
 */
export class PasswordService {
  private readonly inflight = new Set<Promise<void>>();
  private dummy: Promise<string> | undefined;

  constructor(private readonly deps: PasswordServiceDeps) {
    deps.border.declareFlow({ type: RESET_REQUEST_FLOW, fields: { blindIndex: 'interop' } }, async (payload, to) => {
      const row = await deps.cells
        .get(to)
        .db.selectFrom('account_emails')
        .innerJoin('accounts', 'accounts.id', 'account_emails.user_id')
        .select(['accounts.id', 'accounts.status'])
        .where('account_emails.blind_index', '=', String(payload.blindIndex))
        .executeTakeFirst();
      if (row?.status === 'active') await this.queueMail(to, row.id);
    });
  }

  async change(principal: Principal, currentPassword: string, newPassword: string, client = ''): Promise<void> {
    const db = this.deps.cells.get(principal.region).db;
    const account = await db
      .selectFrom('accounts')
      .select(['password_hash', 'handle'])
      .where('id', '=', principal.userId)
      .executeTakeFirst();
    if (!account) throw new NotFoundError('account.not_found', 'This account no longer exists.');
    const check = () => verifyPassword(account.password_hash, currentPassword);
    const ok = this.deps.attempts
      ? await this.deps.attempts.check(`password:${principal.userId}`, client, check)
      : await check();
    if (!ok) throw new ForbiddenError('account.password_wrong', 'Your current password is wrong.');
    checkPassword(newPassword, account.handle, [currentPassword]);
    const hash = await hashPassword(newPassword);
    await db.transaction().execute(async (tx) => {
      await tx
        .updateTable('accounts')
        .set({ password_hash: hash, updated_at: this.deps.now().toISOString() })
        .where('id', '=', principal.userId)
        .execute();
      // Whoever else knew the old password is signed out; this session stays.
      await tx
        .deleteFrom('sessions')
        .where('user_id', '=', principal.userId)
        .where('id', '!=', principal.sessionId)
        .execute();
    });
  }

  /**
   * Starts a reset by address or handle and returns at once: the lookup and the mail happen after the answer,
   * so neither the answer nor its timing depends on whether such an account exists.
   */
  requestReset(target: { email?: string; handle?: string }): void {
    if (!!target.email === !!target.handle)
      throw new InvalidInputError('password_reset.target_invalid', 'Send either your email address or your handle.');
    const email = target.email !== undefined ? checkEmail(target.email) : undefined;
    const work = (email ? this.resetByEmail(email) : this.resetByHandle(target.handle!))
      .catch((err: Error) => this.deps.log.error({ err }, 'password reset request failed'))
      .finally(() => this.inflight.delete(work));
    this.inflight.add(work);
  }

  /** Resolves when every reset request taken so far has been looked up (tests, shutdown). */
  async settled(): Promise<void> {
    while (this.inflight.size) await Promise.all([...this.inflight]);
  }

  private async resetByEmail(email: string): Promise<void> {
    const blindIndex = this.deps.index.of(email);
    // Each cell answers for itself: the index goes to every cell, the address to none.
    for (const region of this.deps.cells.regions())
      await this.deps.border.deliver(region, region, RESET_REQUEST_FLOW, { blindIndex });
  }

  private async resetByHandle(raw: string): Promise<void> {
    const user = await this.deps.directory
      .selectFrom('users')
      .select(['id', 'region'])
      .where('handle', '=', raw.trim().replace(/^@/, '').toLowerCase())
      .where('status', '=', 'active')
      .executeTakeFirst();
    if (user && this.deps.cells.has(user.region)) await this.queueMail(user.region, user.id);
  }

  private async queueMail(region: string, userId: string): Promise<void> {
    // One job per account per minute at most: a reset form cannot be used to flood someone's mailbox.
    const minute = Math.floor(this.deps.now().getTime() / 60_000);
    await this.deps.queues
      .get(region)!
      .enqueue('mail.account', { userId, kind: 'password_reset' }, { dedupeKey: `reset:${userId}:${minute}` });
  }

  /** Sets a new password with a reset link: single use, one hour; every session of the account ends. */
  async reset(token: string, password: string): Promise<void> {
    const now = this.deps.now();
    const found = await findToken(this.deps.cells, token, 'password_reset', now);
    if (found.state === 'unknown') {
      // The same work as a real reset, so a guessed token learns nothing from the timing either.
      this.dummy ??= hashPassword('reelm-timing-equaliser-' + randomBytes(8).toString('hex'));
      await verifyPassword(await this.dummy, password);
      throw new NotFoundError(
        'password_reset.invalid',
        'This reset link is not valid or was already used; ask for a new one.',
      );
    }
    if (found.state === 'expired')
      throw new InvalidInputError(
        'password_reset.expired',
        'This reset link has expired (after one hour); ask for a new one.',
      );
    const { region, row } = found;
    const db = this.deps.cells.get(region).db;
    const account = await db.selectFrom('accounts').select(['handle']).where('id', '=', row.user_id).executeTakeFirst();
    if (!account)
      throw new NotFoundError(
        'password_reset.invalid',
        'This reset link is not valid or was already used; ask for a new one.',
      );
    // A weak password leaves the link usable for a better one.
    checkPassword(password, account.handle);
    const hash = await hashPassword(password);
    const at = now.toISOString();
    const done = await db.transaction().execute(async (tx) => {
      const res = await tx
        .updateTable('account_tokens')
        .set({ used_at: at })
        .where('user_id', '=', row.user_id)
        .where('purpose', '=', 'password_reset')
        .where('used_at', 'is', null)
        .where('id', '=', row.id)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) return false;
      // Other reset links of the account die with this one.
      await tx
        .updateTable('account_tokens')
        .set({ used_at: at })
        .where('user_id', '=', row.user_id)
        .where('purpose', '=', 'password_reset')
        .where('used_at', 'is', null)
        .execute();
      await tx
        .updateTable('accounts')
        .set({ password_hash: hash, updated_at: at })
        .where('id', '=', row.user_id)
        .execute();
      await tx.deleteFrom('sessions').where('user_id', '=', row.user_id).execute();
      return true;
    });
    if (!done)
      throw new NotFoundError(
        'password_reset.invalid',
        'This reset link is not valid or was already used; ask for a new one.',
      );
  }
}
