import type { DomainCatalog } from '../regions/catalog.js';

// Job rows stay in their cell; payloads hold ids only, but the table is kept protected so nothing exports it.
export const jobsCatalog: DomainCatalog = {
  cell: {
    jobs: {
      id: 'protected',
      name: 'protected',
      payload: 'protected',
      status: 'protected',
      attempts: 'protected',
      max_attempts: 'protected',
      run_at: 'protected',
      locked_by: 'protected',
      locked_until: 'protected',
      last_error: 'protected',
      dedupe_key: 'protected',
      created_at: 'protected',
      updated_at: 'protected',
    },
  },
};
