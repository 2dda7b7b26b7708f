import { api, type HashtagPage } from '../api';
import { fmtFull } from '../format';
import { t, tn } from '../i18n';
import { errorText } from '../session';
import { IconHash } from '../ui/icons';
import { Empty, ErrorBox, PageHeader, Spinner } from '../ui/misc';
import { usePaged } from '../ui/usePaged';
import { VideoGrid } from '../ui/VideoGrid';
import { useTitle } from '../title';

/** /tag/:tag — clips with a hashtag. */
export function TagPage({ tag }: { tag: string }) {
  const load = (c: string | null) => api.hashtag(tag, c);
  const list = usePaged<HashtagPage['items'][number], HashtagPage>(load, tag);
  useTitle(`#${tag}`);
  return (
    <div class="page">
      <PageHeader title={`#${tag}`} fallback="/search" />
      <section class="topic-head">
        <span class="topic-icon" aria-hidden="true">
          <IconHash size={44} />
        </span>
        <div>
          <h1>#{list.first?.tag ?? tag}</h1>
          {list.first && <p class="muted">{tn('tag.videos', list.first.videoCount, fmtFull(list.first.videoCount))}</p>}
        </div>
      </section>
      {list.error ? (
        <ErrorBox message={errorText(list.error)} onRetry={list.reload} />
      ) : list.loading && list.items.length === 0 ? (
        <Spinner />
      ) : list.items.length === 0 ? (
        <Empty>
          <p class="muted">{t('tag.empty')}</p>
        </Empty>
      ) : (
        <VideoGrid items={list.items} cursor={list.cursor} load={load} loading={list.loading} onMore={list.more} />
      )}
    </div>
  );
}
