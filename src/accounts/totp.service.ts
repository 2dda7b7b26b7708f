import { ConflictError, ForbiddenError, InvalidInputError, NotFoundError } from '../errors.js';
import { dataKeyOf, type Cell, type CellRegistry } from '../regions/cells.js';
import { openField, sealField } from '../regions/keys.js';
import type { PasswordAttempts } from './password-attempts.js';
import { verifyPassword } from './passwords.js';
import type { Principal } from './session.service.js';
import { newRecoveryCodes, newTotpSecret, recoveryCodeHash, totpStep, totpUrl } from './totp.js';

export interface TotpServiceDeps {
  cells: CellRegistry;
  attempts: PasswordAttempts;
  now: () => Date;
}

/** What a login's second factor came to. */
export type SecondFactor = 'off' | 'ok' | 'required' | 'invalid';

const SECRET_FIELD = 'totp_secret';

async function dekOf(cell: Cell, userId: string): Promise<Buffer> {
  const dek = await dataKeyOf(cell, userId);
  if (!dek) throw new NotFoundError('account.not_found', 'This account no longer exists.');
  return dek;
}

/**
 * The TOTP second factor, in the user's home cell: the secret sealed with their data key (so it is shredded with
 * them), ten hashed recovery codes, and the last accepted time step so that a code works once.
 */
export class TotpService {
  constructor(private readonly deps: TotpServiceDeps) {}

  async enabled(userId: string, region: string): Promise<boolean> {
    const row = await this.deps.cells
      .get(region)
      .db.selectFrom('totp_factors')
      .select('confirmed_at')
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return !!row?.confirmed_at;
  }

  /** Starts (or restarts) enrolment; the factor counts only once a code confirms it. */
  async enrol(principal: Principal): Promise<{ secret: string; otpauthUrl: string }> {
    const cell = this.deps.cells.get(principal.region);
    const { db } = cell;
    if (await this.enabled(principal.userId, principal.region))
      throw new ConflictError('totp.already_enabled', 'Two-step sign-in is already on; turn it off first to re-enrol.');
    const secret = newTotpSecret();
    const dek = await dekOf(cell, principal.userId);
    const now = this.deps.now().toISOString();
    await db.transaction().execute(async (tx) => {
      await tx.deleteFrom('totp_factors').where('user_id', '=', principal.userId).execute();
      await tx
        .insertInto('totp_factors')
        .values({
          user_id: principal.userId,
          totp_secret_enc: sealField(dek, principal.userId, SECRET_FIELD, secret),
          confirmed_at: null,
          last_step: null,
          created_at: now,
        })
        .execute();
    });
    return { secret, otpauthUrl: totpUrl(secret, principal.handle) };
  }

  /** The first good code turns the factor on and hands out the recovery codes, once. */
  async confirm(principal: Principal, code: string, client: string): Promise<{ recoveryCodes: string[] }> {
    const cell = this.deps.cells.get(principal.region);
    const { db } = cell;
    const factor = await db
      .selectFrom('totp_factors')
      .selectAll()
      .where('user_id', '=', principal.userId)
      .executeTakeFirst();
    if (!factor)
      throw new ConflictError('totp.not_enrolled', 'Start setting up two-step sign-in first (POST /me/totp).');
    if (factor.confirmed_at) throw new ConflictError('totp.already_enabled', 'Two-step sign-in is already on.');
    const secret = openField(
      await dekOf(cell, principal.userId),
      principal.userId,
      SECRET_FIELD,
      factor.totp_secret_enc,
    );
    const at = this.deps.now();
    let step: number | undefined;
    const ok = await this.deps.attempts.check(`totp:${principal.userId}`, client, async () => {
      step = totpStep(secret, code.trim(), at);
      return step !== undefined;
    });
    if (!ok || step === undefined)
      throw new InvalidInputError('totp.code_invalid', 'That code is not right; type the 6 digits your app shows now.');
    const codes = newRecoveryCodes();
    await db.transaction().execute(async (tx) => {
      await tx
        .updateTable('totp_factors')
        .set({ confirmed_at: at.toISOString(), last_step: step! })
        .where('user_id', '=', principal.userId)
        .execute();
      await tx.deleteFrom('totp_recovery_codes').where('user_id', '=', principal.userId).execute();
      await tx
        .insertInto('totp_recovery_codes')
        .values(
          codes.map((c) => ({
            user_id: principal.userId,
            code_hash: recoveryCodeHash(c),
            used_at: null,
            created_at: at.toISOString(),
          })),
        )
        .execute();
    });
    return { recoveryCodes: codes };
  }

  /** Turning the factor off needs the password (a stolen session alone must not do it). */
  async disable(principal: Principal, password: string, client: string): Promise<void> {
    const { db } = this.deps.cells.get(principal.region);
    const account = await db
      .selectFrom('accounts')
      .select('password_hash')
      .where('id', '=', principal.userId)
      .executeTakeFirst();
    if (!account) throw new NotFoundError('account.not_found', 'This account no longer exists.');
    const ok = await this.deps.attempts.check(`password:${principal.userId}`, client, () =>
      verifyPassword(account.password_hash, password),
    );
    if (!ok)
      throw new ForbiddenError('account.password_wrong', 'That is not your password; two-step sign-in stays on.');
    if (!(await this.enabled(principal.userId, principal.region)))
      throw new ConflictError('totp.not_enabled', 'Two-step sign-in is not on.');
    await db.transaction().execute(async (tx) => {
      await tx.deleteFrom('totp_recovery_codes').where('user_id', '=', principal.userId).execute();
      await tx.deleteFrom('totp_factors').where('user_id', '=', principal.userId).execute();
    });
  }

  /**
   * The second factor of a login whose password was right: a code for a step later than the last one used, or an
   * unused recovery code (spent by the same statement that finds it, so two logins cannot both use it).
   */
  async check(userId: string, region: string, otp: string | undefined): Promise<SecondFactor> {
    const cell = this.deps.cells.get(region);
    const { db } = cell;
    const factor = await db
      .selectFrom('totp_factors')
      .select(['totp_secret_enc', 'confirmed_at', 'last_step'])
      .where('user_id', '=', userId)
      .executeTakeFirst();
    if (!factor?.confirmed_at) return 'off';
    const given = (otp ?? '').trim();
    if (!given) return 'required';
    const at = this.deps.now();
    if (/^\d{6}$/.test(given)) {
      const secret = openField(await dekOf(cell, userId), userId, SECRET_FIELD, factor.totp_secret_enc);
      const step = totpStep(secret, given, at);
      if (step === undefined) return 'invalid';
      const moved = await db
        .updateTable('totp_factors')
        .set({ last_step: step })
        .where('user_id', '=', userId)
        .where((eb) => eb.or([eb('last_step', 'is', null), eb('last_step', '<', step)]))
        .executeTakeFirst();
      return Number(moved.numUpdatedRows) === 1 ? 'ok' : 'invalid';
    }
    const spent = await db
      .updateTable('totp_recovery_codes')
      .set({ used_at: at.toISOString() })
      .where('user_id', '=', userId)
      .where('code_hash', '=', recoveryCodeHash(given))
      .where('used_at', 'is', null)
      .executeTakeFirst();
    return Number(spent.numUpdatedRows) === 1 ? 'ok' : 'invalid';
  }
}
