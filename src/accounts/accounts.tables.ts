import type { Generated } from 'kysely';

/** Directory: routing and the public profile. Nothing protected may live here (see accounts.catalog.ts). */
export interface DirectoryUsersTable {
  id: string;
  handle: string;
  region: string;
  /**
   * 'pending' while the home cell writes the account, then 'active'; 'deactivated' during the deletion grace period;
   * 'banned' after a moderation ban.
   */
  status: string;
  display_name: string;
  bio: string;
  avatar_url: string | null;
  private_account: number;
  follower_count: Generated<number>;
  following_count: Generated<number>;
  like_count: Generated<number>;
  video_count: Generated<number>;
  created_at: string;
  updated_at: string;
  /** A copy of the account's `media_epoch` (migration 0002). */
  media_epoch: Generated<number>;
}

/** A global operator's record (jurisdiction `global`) lives in the directory; regional ones in their cell. */
export interface OperatorsTable {
  user_id: string;
  jurisdiction: string;
  role: string;
  created_at: string;
}

export interface AccountsTable {
  id: string;
  handle: string;
  status: string;
  password_hash: string;
  email_enc: string;
  birthdate_enc: string;
  country: string;
  display_name: string;
  bio: string;
  private_account: number;
  who_can_comment: string;
  created_at: string;
  updated_at: string;
  deactivated_at: string | null;
  delete_after: string | null;
  /** Bumped when access to all the account's clips narrows; part of their media URLs (migration 0002). */
  media_epoch: Generated<number>;
  /** One of LANGUAGES, or null to follow the browser (migration 0003). */
  language: string | null;
  /** Until when moderation suspended the account (migration 0004); null when it is not. */
  suspended_until: string | null;
}

export interface UserKeysTable {
  user_id: string;
  wrapped_dek: string;
  created_at: string;
}

export interface SessionsTable {
  id: string;
  user_id: string;
  token_hash: string;
  ip_enc: string | null;
  user_agent_enc: string | null;
  created_at: string;
  expires_at: string;
  /** When the session was last used, to the minute (migration 0010); null until its first use after login. */
  last_seen_at: string | null;
}

/** A TOTP second factor (migration 0011); `confirmed_at` null while enrolment waits for a first code. */
export interface TotpFactorsTable {
  user_id: string;
  totp_secret_enc: string;
  confirmed_at: string | null;
  /** The last time step a code was accepted for: a code is good once, and never for an earlier step. */
  last_step: number | null;
  created_at: string;
}

export interface TotpRecoveryCodesTable {
  user_id: string;
  /** SHA-256 of the normalised code (80 random bits). */
  code_hash: string;
  used_at: string | null;
  created_at: string;
}

export interface AccountsDirectoryTables {
  users: DirectoryUsersTable;
  operators: OperatorsTable;
}

export interface AccountsCellTables {
  accounts: AccountsTable;
  user_keys: UserKeysTable;
  sessions: SessionsTable;
  operators: OperatorsTable;
  totp_factors: TotpFactorsTable;
  totp_recovery_codes: TotpRecoveryCodesTable;
}
