import type { DomainCatalog } from '../regions/catalog.js';

export const accountEmailCatalog: DomainCatalog = {
  cell: {
    account_emails: {
      // A user id is public (it is in the directory); the "is this address taken?" flow answers with it.
      user_id: 'public',
      // Keyed: without the deployment's key it says nothing; it crosses cells only in the declared lookup flows.
      blind_index: 'interop',
      verified_at: 'protected',
      updated_at: 'protected',
    },
    account_tokens: {
      id: 'protected',
      user_id: 'protected',
      purpose: 'protected',
      token_hash: 'protected',
      blind_index: 'protected',
      created_at: 'protected',
      expires_at: 'protected',
      used_at: 'protected',
    },
  },
};
