/**
 * A cell's outbox: where mail goes when no SMTP server is configured (the embedded default), read with
 * `reelm mail list|show`. The address and the bodies (which carry links with tokens) are sealed with the
 * recipient's data key, so purging the account or shredding its key makes them unreadable.
 */
export interface MailOutboxTable {
  id: string;
  user_id: string;
  /** What the mail is for (a MailKind), e.g. `email_verification`. */
  kind: string;
  language: string;
  subject: string;
  to_enc: string;
  text_enc: string;
  html_enc: string;
  created_at: string;
}

export interface MailCellTables {
  mail_outbox: MailOutboxTable;
}
