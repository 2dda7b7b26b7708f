import type { DomainCatalog } from '../regions/catalog.js';

export const mediaCatalog: DomainCatalog = {
  directory: {
    videos: {
      id: 'public', author_id: 'public', region: 'public', caption: 'public', hashtags: 'public', mentions: 'public',
      duration_ms: 'public', width: 'public', height: 'public', sound_id: 'public', created_at: 'public', published_at: 'public',
      view_count: 'public', like_count: 'public', comment_count: 'public', share_count: 'public', watch_ms_total: 'public', completion_count: 'public',
    },
    sounds: {
      id: 'public', title: 'public', author_id: 'public', region: 'public', video_id: 'public', duration_ms: 'public', video_count: 'public', created_at: 'public',
    },
  },
  cell: {
    // A clip's fields are public only once it is public and ready, which the border decides per row:
    // in the cell they are protected, because private and followers-only clips are.
    videos: {
      id: 'public', owner_id: 'protected', status: 'protected', error_code: 'protected', error_message: 'protected', progress: 'protected',
      playable: 'protected', caption: 'protected', hashtags: 'protected', mentions: 'protected', visibility: 'protected',
      duration_ms: 'protected', width: 'protected', height: 'protected', has_audio: 'protected', source_name: 'protected',
      sound_id: 'protected', created_at: 'protected', updated_at: 'protected', size_bytes: 'protected',
    },
    sounds: { id: 'public', video_id: 'protected', owner_id: 'protected', title: 'protected', duration_ms: 'protected', created_at: 'protected' },
  },
  // A clip's files live in `<cell.dir>/media/<videoId>/`: exported, purged and carved out with the row.
  folders: { videos: { column: 'id', under: 'media' } },
};
