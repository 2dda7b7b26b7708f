import type { DomainCatalog } from '../regions/catalog.js';

/** FTS5 keeps its index in shadow tables named after the virtual table; all derived from public captions. */
export const FTS_SHADOW_SUFFIXES = ['_data', '_idx', '_content', '_docsize', '_config'] as const;

export const feedsCatalog: DomainCatalog = {
  directory: {
    video_search: { video_id: 'public', caption: 'public', hashtags: 'public' },
  },
  cell: {
    // What a viewer does not want to see says much about them: it never leaves the home cell.
    muted_words: { user_id: 'protected', word: 'protected', position: 'protected', created_at: 'protected' },
  },
};
