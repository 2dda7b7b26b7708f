import type { DomainCatalog } from '../regions/catalog.js';

// Mail to a user is theirs alone: it stays in the home cell, is exported to them (opened) and purged with them.
export const mailCatalog: DomainCatalog = {
  cell: {
    mail_outbox: {
      id: 'protected',
      user_id: 'protected',
      kind: 'protected',
      language: 'protected',
      subject: 'protected',
      to_enc: 'protected',
      text_enc: 'protected',
      html_enc: 'protected',
      created_at: 'protected',
    },
  },
};
