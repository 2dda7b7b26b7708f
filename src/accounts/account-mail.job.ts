import type { Config } from '../config.js';
import type { JobContext, JobMap } from '../jobs/job-types.js';
import type { Logger } from '../logging.js';
import type { Mailer } from '../mail/mailer.js';
import { renderMail, type MailLanguage } from '../mail/templates.js';
import type { CellRegistry } from '../regions/cells.js';
import { openField } from '../regions/keys.js';
import { issueToken } from './account-tokens.js';

export interface AccountMailJobDeps {
  config: Pick<Config, 'publicUrl'>;
  cells: CellRegistry;
  mailer: Mailer;
  now: () => Date;
  log: Logger;
}

const PATHS = { email_verification: 'verify-email', password_reset: 'reset' } as const;

/**
 * `mail.account`: in the account's home cell, opens the address with the user's data key, makes the link's
 * token (which therefore exists only in the mail), renders the mail in the user's language and sends it.
 * A retry sends a fresh link; an account gone or already verified gets nothing.
 */
export function accountMailJob(deps: AccountMailJobDeps) {
  return async function accountMail(payload: JobMap['mail.account'], job: JobContext): Promise<void> {
    const { userId, kind } = payload;
    const cell = deps.cells.get(job.region);
    const account = await cell.db
      .selectFrom('accounts')
      .innerJoin('user_keys', 'user_keys.user_id', 'accounts.id')
      .leftJoin('account_emails', 'account_emails.user_id', 'accounts.id')
      .select([
        'accounts.handle',
        'accounts.status',
        'accounts.language',
        'accounts.email_enc',
        'user_keys.wrapped_dek',
        'account_emails.blind_index',
        'account_emails.verified_at',
      ])
      .where('accounts.id', '=', userId)
      .executeTakeFirst();
    if (!account || account.status !== 'active') {
      deps.log.info({ userId, kind }, 'mail not sent: the account is gone or inactive');
      return;
    }
    if (kind === 'email_verification' && (account.verified_at || !account.blind_index)) {
      deps.log.info({ userId, kind }, 'mail not sent: nothing to verify');
      return;
    }
    const dek = cell.keys.unwrapDek(userId, account.wrapped_dek);
    const token = await issueToken(
      cell.db,
      job.region,
      userId,
      kind,
      deps.now(),
      kind === 'email_verification' ? account.blind_index : null,
    );
    const language: MailLanguage = account.language === 'de' ? 'de' : 'en';
    const link = `${deps.config.publicUrl}/${PATHS[kind]}/${token}`;
    const mail = renderMail(kind, language, { handle: account.handle, link });
    const via = await deps.mailer.deliver(cell.db, dek, {
      userId,
      kind,
      language,
      to: openField(dek, userId, 'email', account.email_enc),
      ...mail,
    });
    deps.log.info({ userId, kind, via }, 'mail sent');
  };
}
