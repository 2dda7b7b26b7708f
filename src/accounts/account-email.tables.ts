/**
 * The account's address as a keyed blind index (one address, one account, across regions) and whether it was
 * verified; kept apart from `accounts` so a lookup by address never needs to open a sealed field.
 */
export interface AccountEmailsTable {
  user_id: string;
  /** HMAC-SHA256 of the normalised address with the deployment-wide blind-index key (src/accounts/email-index.ts). */
  blind_index: string;
  /** When the current address was verified; null until then (and again after a change). */
  verified_at: string | null;
  updated_at: string;
}

/** Single-use tokens sent by mail (verify an address, reset a password); only their SHA-256 is stored. */
export interface AccountTokensTable {
  id: string;
  user_id: string;
  /** A TokenPurpose: `email_verification` or `password_reset`. */
  purpose: string;
  token_hash: string;
  /** For a verification: the blind index of the address it was sent to (a later change makes it void). */
  blind_index: string | null;
  created_at: string;
  expires_at: string;
  used_at: string | null;
}

export interface AccountEmailCellTables {
  account_emails: AccountEmailsTable;
  account_tokens: AccountTokensTable;
}
