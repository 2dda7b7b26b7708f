import { useMemo } from 'preact/hooks';
import { api, ApiError } from '../api';
import { Feed, type FeedSource } from '../feed/Feed';
import { t } from '../i18n';
import { takePlaylist } from '../playlist';
import { back, showInAddressBar } from '../router';
import { clipTitle, setTitle } from '../title';
import { IconBack } from '../ui/icons';
import { Empty } from '../ui/misc';

/** /v/:id — one clip in the feed player; opened from a grid it keeps swiping through that grid. */
export function VideoPage({ id }: { id: string }) {
  const source = useMemo<FeedSource>(() => {
    const p = takePlaylist(id);
    if (p) {
      const { playlist, index } = p;
      return {
        load: playlist.load ?? null,
        initial: { items: playlist.items, cursor: playlist.load ? playlist.cursor : null },
        startIndex: index,
      };
    }
    // A clip that is gone or not for this viewer (private, followers-only) is "not available", not an error to retry.
    const initial = api.video(id).then(
      (v) => ({ items: [v], cursor: null }),
      (e: unknown) => {
        if (e instanceof ApiError && (e.status === 404 || e.status === 403)) return { items: [], cursor: null };
        throw e;
      },
    );
    return { load: null, initial };
  }, [id]);
  return (
    <div class="feed-page watch-page">
      <Feed
        source={source}
        visible
        onActive={(v) => {
          showInAddressBar(`/v/${v.id}`);
          setTitle(clipTitle(v));
        }}
        header={
          <div class="watch-head">
            <button type="button" class="icon-btn round" aria-label={t('action.back')} onClick={() => back('/')}>
              <IconBack />
            </button>
          </div>
        }
        empty={<Empty title={t('error.videoNotFound')} />}
      />
    </div>
  );
}
