import type { Kysely, Transaction } from 'kysely';
import type { Config } from '../config.js';
import { isUniqueViolation } from '../db/errors.js';
import type { CellDb } from '../db/schema.js';
import { ConflictError, ForbiddenError, InvalidInputError, NotFoundError } from '../errors.js';
import type { JobQueue } from '../jobs/job-queue.js';
import type { Logger } from '../logging.js';
import type { Border } from '../regions/border.js';
import type { CellRegistry } from '../regions/cells.js';
import { openField, sealField } from '../regions/keys.js';
import { regionPolicy } from '../regions/policy.js';
import { checkEmail } from './account-rules.js';
import { findToken } from './account-tokens.js';
import type { EmailIndex } from './email-index.js';
import type { PasswordAttempts } from './password-attempts.js';
import { verifyPassword } from './passwords.js';
import type { Principal } from './session.service.js';

/** "Does your cell have an account with this blind index?" — answered with the account's (public) id. */
export const EMAIL_TAKEN_FLOW = 'account.email-taken';

export interface AccountEmailServiceDeps {
  config: Pick<Config, 'policies'>;
  cells: CellRegistry;
  border: Border;
  queues: Map<string, JobQueue>;
  index: EmailIndex;
  now: () => Date;
  log: Logger;
  /** The per account+client backoff every password check shares (`password:<userId>`). */
  attempts?: PasswordAttempts;
}

export const emailTaken = () =>
  new ConflictError(
    'account.email_taken',
    'An account with this email address exists already: sign in, or reset its password.',
  );

/**
 * An account's address: one address, one account across all regions (a keyed blind index in each cell, asked
 * across cells through the border with only the index), and whether its owner proved it is theirs.
 */
export class AccountEmailService {
  constructor(private readonly deps: AccountEmailServiceDeps) {
    deps.border.declareFlow(
      { type: EMAIL_TAKEN_FLOW, fields: { blindIndex: 'interop' }, answers: ['account_emails'] },
      async (payload, to) => ({
        account_emails: await deps.cells
          .get(to)
          .db.selectFrom('account_emails')
          .select('user_id')
          .where('blind_index', '=', String(payload.blindIndex))
          .execute(),
      }),
    );
  }

  blindIndex(email: string): string {
    return this.deps.index.of(email);
  }

  /** Throws `account.email_taken` when any cell has another account with this address. */
  async assertAvailable(from: string, email: string, exceptUserId?: string): Promise<void> {
    const blindIndex = this.deps.index.of(email);
    for (const region of this.deps.cells.regions()) {
      const answer = await this.deps.border.ask(from, region, EMAIL_TAKEN_FLOW, { blindIndex });
      if ((answer.account_emails ?? []).some((r) => r.user_id !== exceptUserId)) throw emailTaken();
    }
  }

  /** Writes a new account's index row in the signup transaction; its unique index settles same-cell races. */
  async record(tx: Transaction<CellDb>, userId: string, email: string, at: string): Promise<void> {
    await tx
      .insertInto('account_emails')
      .values({ user_id: userId, blind_index: this.deps.index.of(email), verified_at: null, updated_at: at })
      .execute();
  }

  /** Queues the verification mail; the job in the home cell makes the token and reads the address. */
  async sendVerification(region: string, userId: string): Promise<void> {
    await this.deps.queues.get(region)!.enqueue('mail.account', { userId, kind: 'email_verification' });
  }

  async isVerified(region: string, userId: string): Promise<boolean> {
    const row = await this.deps.cells
      .get(region)
      .db.selectFrom('account_emails')
      .select('verified_at')
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return !!row?.verified_at;
  }

  /** The region's policy may want a verified address before its users post clips. */
  async requireVerifiedToUpload(principal: Principal): Promise<void> {
    if (!regionPolicy(this.deps.config, principal.region).requireVerifiedEmail) return;
    if (!(await this.isVerified(principal.region, principal.userId)))
      throw new ForbiddenError(
        'account.email_unverified',
        'Confirm your email address before uploading: open the link we mailed you, or ask for a new one in settings.',
      );
  }

  async resendVerification(principal: Principal): Promise<void> {
    if (await this.isVerified(principal.region, principal.userId))
      throw new ConflictError('account.email_verified', 'Your email address is already confirmed.');
    await this.sendVerification(principal.region, principal.userId);
  }

  /** Redeems a verification link. Single use; void once the address changed since it was sent. */
  async verify(token: string): Promise<void> {
    const now = this.deps.now();
    const found = await findToken(this.deps.cells, token, 'email_verification', now);
    if (found.state === 'expired')
      throw new InvalidInputError(
        'email_verification.expired',
        'This confirmation link has expired; ask for a new one in settings.',
      );
    const current =
      found.state === 'valid'
        ? await this.deps.cells
            .get(found.region)
            .db.selectFrom('account_emails')
            .select('blind_index')
            .where('user_id', '=', found.row.user_id)
            .executeTakeFirst()
        : undefined;
    if (found.state !== 'valid' || !current || current.blind_index !== found.row.blind_index)
      throw new NotFoundError('email_verification.invalid', 'This confirmation link is not valid or was already used.');
    const { region, row } = found;
    const at = now.toISOString();
    const used = await this.deps.cells
      .get(region)
      .db.transaction()
      .execute(async (tx) => {
        const res = await tx
          .updateTable('account_tokens')
          .set({ used_at: at })
          .where('id', '=', row.id)
          .where('used_at', 'is', null)
          .executeTakeFirst();
        if (Number(res.numUpdatedRows) !== 1) return false;
        await tx
          .updateTable('account_emails')
          .set({ verified_at: at, updated_at: at })
          .where('user_id', '=', row.user_id)
          .execute();
        return true;
      });
    if (!used)
      throw new NotFoundError('email_verification.invalid', 'This confirmation link is not valid or was already used.');
  }

  /** A new address (the password confirms it is the owner): unverified until its link is opened. */
  async changeEmail(principal: Principal, rawEmail: string, password: string, client = ''): Promise<void> {
    const email = checkEmail(rawEmail);
    const { region, userId } = principal;
    const db = this.deps.cells.get(region).db;
    const account = await db
      .selectFrom('accounts')
      .innerJoin('user_keys', 'user_keys.user_id', 'accounts.id')
      .select(['accounts.password_hash', 'user_keys.wrapped_dek'])
      .where('accounts.id', '=', userId)
      .executeTakeFirst();
    if (!account) throw new NotFoundError('account.not_found', 'This account no longer exists.');
    const check = () => verifyPassword(account.password_hash, password);
    const ok = this.deps.attempts ? await this.deps.attempts.check(`password:${userId}`, client, check) : await check();
    if (!ok) throw new ForbiddenError('account.password_wrong', 'The password is wrong.');
    await this.assertAvailable(region, email, userId);
    const dek = this.deps.cells.get(region).keys.unwrapDek(userId, account.wrapped_dek);
    const at = this.deps.now().toISOString();
    const blindIndex = this.deps.index.of(email);
    try {
      await db.transaction().execute(async (tx) => {
        await tx
          .updateTable('accounts')
          .set({ email_enc: sealField(dek, userId, 'email', email), updated_at: at })
          .where('id', '=', userId)
          .execute();
        await tx
          .insertInto('account_emails')
          .values({ user_id: userId, blind_index: blindIndex, verified_at: null, updated_at: at })
          .onConflict((oc) =>
            oc.column('user_id').doUpdateSet({ blind_index: blindIndex, verified_at: null, updated_at: at }),
          )
          .execute();
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw emailTaken();
      throw err;
    }
    await this.sendVerification(region, userId);
  }

  /**
   * Gives accounts made before the blind index their row, and re-indexes rows made under another key (run at start:
   * a migration has no keys). An address already indexed for another account of the cell is left out and counted,
   * never logged.
   */
  async backfill(): Promise<{ indexed: number; duplicates: number }> {
    let indexed = 0;
    let duplicates = 0;
    for (const cell of this.deps.cells.all()) {
      const db = cell.db as Kysely<CellDb>;
      const rows = await db
        .selectFrom('accounts')
        .innerJoin('user_keys', 'user_keys.user_id', 'accounts.id')
        .leftJoin('account_emails', 'account_emails.user_id', 'accounts.id')
        .select(['accounts.id', 'accounts.email_enc', 'user_keys.wrapped_dek'])
        .where((eb) =>
          eb.or([
            eb('account_emails.user_id', 'is', null),
            eb('account_emails.blind_index', 'not like', `${this.deps.index.keyId}.%`),
          ]),
        )
        .execute();
      const at = this.deps.now().toISOString();
      for (const row of rows) {
        const email = openField(cell.keys.unwrapDek(row.id, row.wrapped_dek), row.id, 'email', row.email_enc);
        try {
          const blindIndex = this.deps.index.of(email);
          // A row under an older key keeps its verification: the address is the same.
          await db
            .insertInto('account_emails')
            .values({ user_id: row.id, blind_index: blindIndex, verified_at: null, updated_at: at })
            .onConflict((oc) => oc.column('user_id').doUpdateSet({ blind_index: blindIndex, updated_at: at }))
            .execute();
          indexed++;
        } catch (err) {
          if (!isUniqueViolation(err)) throw err;
          duplicates++;
        }
      }
    }
    if (indexed || duplicates)
      this.deps.log.info({ indexed, duplicates }, 'email blind index: existing accounts indexed');
    return { indexed, duplicates };
  }
}
