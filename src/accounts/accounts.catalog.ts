import type { DomainCatalog } from '../regions/catalog.js';

export const accountsCatalog: DomainCatalog = {
  directory: {
    users: {
      id: 'public',
      handle: 'public',
      region: 'public',
      status: 'public',
      display_name: 'public',
      bio: 'public',
      avatar_url: 'public',
      private_account: 'public',
      follower_count: 'public',
      following_count: 'public',
      like_count: 'public',
      video_count: 'public',
      created_at: 'public',
      updated_at: 'public',
      media_epoch: 'public',
    },
    // Staff roles, not personal data: a global operator's record is public so every cell can check it.
    operators: { user_id: 'public', jurisdiction: 'public', role: 'public', created_at: 'public' },
  },
  cell: {
    accounts: {
      id: 'public',
      handle: 'public',
      status: 'public',
      password_hash: 'protected',
      email_enc: 'protected',
      birthdate_enc: 'protected',
      country: 'protected',
      display_name: 'public',
      bio: 'public',
      private_account: 'public',
      who_can_comment: 'public',
      created_at: 'public',
      updated_at: 'public',
      deactivated_at: 'protected',
      delete_after: 'protected',
      media_epoch: 'public',
      // The app's language the user picked: their own setting, not part of the public profile.
      language: 'protected',
      // Moderation notes about the account (a suspension): the user's and their region's moderators' alone.
      suspended_until: 'protected',
    },
    user_keys: { user_id: 'public', wrapped_dek: 'protected', created_at: 'protected' },
    sessions: {
      id: 'protected',
      user_id: 'protected',
      token_hash: 'protected',
      ip_enc: 'protected',
      user_agent_enc: 'protected',
      created_at: 'protected',
      expires_at: 'protected',
      last_seen_at: 'protected',
    },
    // The second factor protects the account; nothing of it leaves the cell (the export leaves the secrets out).
    totp_factors: {
      user_id: 'protected',
      totp_secret_enc: 'protected',
      confirmed_at: 'protected',
      last_step: 'protected',
      created_at: 'protected',
    },
    totp_recovery_codes: {
      user_id: 'protected',
      code_hash: 'protected',
      used_at: 'protected',
      created_at: 'protected',
    },
    operators: { user_id: 'interop', jurisdiction: 'interop', role: 'interop', created_at: 'interop' },
  },
  // The rest (user_keys, sessions, operators) follow the user-column naming convention.
  owners: { directory: { users: ['id'] }, cell: { accounts: ['id'] } },
};
