import { useMemo } from 'preact/hooks';
import { api } from '../api';
import { Feed, type FeedSource } from '../feed/Feed';
import { t } from '../i18n';
import { takePlaylist } from '../playlist';
import { back } from '../router';
import { IconBack } from '../ui/icons';
import { Empty } from '../ui/misc';

/** /v/:id — one clip in the feed player; opened from a grid it keeps swiping through that grid. */
export function VideoPage({ id }: { id: string }) {
  const source = useMemo<FeedSource>(() => {
    const p = takePlaylist(id);
    if (p) {
      const { playlist, index } = p;
      return { load: playlist.load ?? null, initial: { items: playlist.items, cursor: playlist.load ? playlist.cursor : null }, startIndex: index };
    }
    return { load: null, initial: api.video(id).then((v) => ({ items: [v], cursor: null })) };
  }, [id]);
  return (
    <div class="feed-page watch-page">
      <Feed
        source={source}
        visible
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
