import type { Page, Video } from '../api';
import { fmtCount, fmtFull } from '../format';
import { t } from '../i18n';
import { setPlaylist } from '../playlist';
import { Link } from '../router';
import { IconLock, IconPlay, IconTrash } from './icons';

/** A 3-column grid of 9:16 posters with view counts; opening one plays the grid as a swipeable list. */
export function VideoGrid({
  items,
  cursor,
  load,
  loading,
  onMore,
  onRemove,
}: {
  items: Video[];
  cursor: string | null;
  load?: (cursor: string | null) => Promise<Page<Video>>;
  loading?: boolean;
  onMore?: () => void;
  /** The owner's own grid: a clip that failed to process can be removed from it. */
  onRemove?: (v: Video) => void;
}) {
  const playable = items.filter((v) => v.status === 'ready');
  return (
    <div class="grid-wrap">
      <ul class="video-grid">
        {items.map((v) => (
          <li key={v.id}>
            <Link
              href={`/v/${v.id}`}
              class="grid-item"
              aria-label={t('grid.clip', { handle: v.author.handle, views: fmtFull(v.stats.views) })}
              onClick={() => setPlaylist({ items: playable, cursor, load })}
            >
              {v.playback.poster ? (
                <img src={v.playback.poster} alt="" loading="lazy" decoding="async" />
              ) : (
                <span class="grid-noposter" aria-hidden="true" />
              )}
              {v.status !== 'ready' && (
                <span class={`grid-status ${v.status}`}>
                  {v.status === 'failed' ? t('profile.failed') : t('profile.processing')}
                </span>
              )}
              {(v.draft || v.scheduledFor) && (
                <span class="grid-status draft" data-testid="grid-draft">
                  {v.scheduledFor ? t('profile.scheduled') : t('profile.draft')}
                </span>
              )}
              {v.moderation && (
                <span class="grid-status moderated" data-testid="grid-moderation">
                  {t(`moderated.${v.moderation.status}`)}
                </span>
              )}
              {v.visibility !== 'public' && (
                <span class="grid-lock" aria-hidden="true">
                  <IconLock size={14} />
                </span>
              )}
              <span class="grid-views" aria-hidden="true">
                <IconPlay size={14} />
                {fmtCount(v.stats.views)}
              </span>
            </Link>
            {onRemove && v.status === 'failed' && (
              <button
                type="button"
                class="icon-btn grid-remove"
                data-testid="grid-remove"
                aria-label={t('upload.remove')}
                onClick={() => onRemove(v)}
              >
                <IconTrash size={16} />
              </button>
            )}
          </li>
        ))}
      </ul>
      {cursor && onMore && (
        <div class="center pad">
          <button type="button" class="btn btn-secondary" onClick={onMore} disabled={loading}>
            {loading ? t('common.loading') : t('grid.loadMore')}
          </button>
        </div>
      )}
    </div>
  );
}
