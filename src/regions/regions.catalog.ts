import type { DomainCatalog } from './catalog.js';

export const regionsCatalog: DomainCatalog = {
  // The flow ledger holds counts only: published in the transparency report.
  cell: { border_flows: { day: 'public', flow: 'public', target: 'public', count: 'public' } },
};
