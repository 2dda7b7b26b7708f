import type { Kysely } from 'kysely';
import nodemailer from 'nodemailer';
import { newId } from '../db/ids.js';
import type { CellDb } from '../db/schema.js';
import { openField, sealField } from '../regions/keys.js';

/** One mail to one user, ready to go; it exists only in the memory of the job sending it. */
export interface OutgoingMail {
  userId: string;
  kind: string;
  language: string;
  to: string;
  subject: string;
  text: string;
  html: string;
}

/** Where mail leaves the process: an SMTP server. */
export interface MailTransport {
  send(mail: { from: string; to: string; subject: string; text: string; html: string }): Promise<void>;
}

/** SMTP through nodemailer (`REELM_SMTP_URL`), e.g. `smtp://user:pass@host:587` or `smtps://…`. */
export function smtpTransport(url: string): MailTransport {
  // nodemailer's logger stays off (its default): it would print the recipient's address.
  const transport = nodemailer.createTransport(url);
  return {
    async send(mail) {
      try {
        await transport.sendMail(mail);
      } catch (err) {
        // A server's refusal usually quotes the recipient ("550 <bob@…>: unknown user"); the job's error goes to a
        // log and the queue, so only the codes travel on.
        const e = err as { code?: string; responseCode?: number; command?: string };
        // No `cause`: it would carry the address along.
        // eslint-disable-next-line preserve-caught-error
        throw new Error(
          `SMTP refused the mail (${[e.code, e.responseCode, e.command].filter((x) => x !== undefined).join(' ')})`,
        );
      }
    },
  };
}

export interface OutboxEntry {
  id: string;
  userId: string;
  kind: string;
  language: string;
  subject: string;
  createdAt: string;
}

/** An outbox entry opened with its recipient's data key. */
export interface OpenedOutboxEntry extends OutboxEntry {
  to: string;
  text: string;
  html: string;
}

/**
 * Sends a user's mail from their home cell: over SMTP when configured, otherwise into the cell's outbox,
 * sealed with the recipient's data key. Callers are jobs in that cell; the address never leaves it but to SMTP.
 */
export class Mailer {
  constructor(private readonly deps: { from: string; transport: MailTransport | undefined; now: () => Date }) {}

  get mode(): 'smtp' | 'outbox' {
    return this.deps.transport ? 'smtp' : 'outbox';
  }

  async deliver(db: Kysely<CellDb>, dek: Buffer, mail: OutgoingMail): Promise<'smtp' | 'outbox'> {
    if (this.deps.transport) {
      await this.deps.transport.send({
        from: this.deps.from,
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
      });
      return 'smtp';
    }
    const now = this.deps.now();
    await db
      .insertInto('mail_outbox')
      .values({
        id: newId(now.getTime()),
        user_id: mail.userId,
        kind: mail.kind,
        language: mail.language,
        subject: mail.subject,
        to_enc: sealField(dek, mail.userId, 'to', mail.to),
        text_enc: sealField(dek, mail.userId, 'text', mail.text),
        html_enc: sealField(dek, mail.userId, 'html', mail.html),
        created_at: now.toISOString(),
      })
      .execute();
    return 'outbox';
  }
}

/** The newest outbox entries of a cell, without opening anything. */
export async function listOutbox(db: Kysely<CellDb>, limit = 50): Promise<OutboxEntry[]> {
  const rows = await db
    .selectFrom('mail_outbox')
    .select(['id', 'user_id', 'kind', 'language', 'subject', 'created_at'])
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    id: r.id,
    userId: r.user_id,
    kind: r.kind,
    language: r.language,
    subject: r.subject,
    createdAt: r.created_at,
  }));
}

/** One outbox entry, opened with `dekOf(userId)`; undefined when there is none (or its key was shredded). */
export async function showOutbox(
  db: Kysely<CellDb>,
  id: string,
  dekOf: (userId: string) => Promise<Buffer | undefined>,
): Promise<OpenedOutboxEntry | undefined> {
  const row = await db.selectFrom('mail_outbox').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) return undefined;
  const dek = await dekOf(row.user_id);
  if (!dek) return undefined;
  return {
    id: row.id,
    userId: row.user_id,
    kind: row.kind,
    language: row.language,
    subject: row.subject,
    createdAt: row.created_at,
    to: openField(dek, row.user_id, 'to', row.to_enc),
    text: openField(dek, row.user_id, 'text', row.text_enc),
    html: openField(dek, row.user_id, 'html', row.html_enc),
  };
}
