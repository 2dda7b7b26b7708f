import { api, type SoundPage as SoundPageData } from '../api';
import { fmtFull } from '../format';
import { t, tn } from '../i18n';
import { Link } from '../router';
import { openReport } from '../safety/report';
import { errorText, useMe } from '../session';
import { Avatar } from '../ui/Avatar';
import { IconMusic } from '../ui/icons';
import { Empty, ErrorBox, PageHeader, Spinner } from '../ui/misc';
import { usePaged } from '../ui/usePaged';
import { VideoGrid } from '../ui/VideoGrid';
import { useTitle } from '../title';

/** /sound/:id — clips that use a sound. */
export function SoundPage({ id }: { id: string }) {
  const load = (c: string | null) => api.sound(id, c);
  const list = usePaged<SoundPageData['items'][number], SoundPageData>(load, id);
  const s = list.first;
  const me = useMe();
  useTitle(s?.title);
  return (
    <div class="page">
      <PageHeader title={s?.title ?? ''} fallback="/search" />
      <section class="topic-head">
        <span class="topic-icon sound" aria-hidden="true">
          {s?.author ? <Avatar user={s.author} size={88} /> : <IconMusic size={40} />}
          <span class="topic-note">
            <IconMusic size={18} />
          </span>
        </span>
        <div>
          <h1>{s?.title ?? ''}</h1>
          {s?.author && (
            <p>
              <Link href={`/@${s.author.handle}`}>{t('sound.by', { handle: s.author.handle })}</Link>
            </p>
          )}
          {s && <p class="muted">{tn('sound.videos', s.videoCount, fmtFull(s.videoCount))}</p>}
          {s && (
            <Link href={`/upload?sound=${id}`} class="btn btn-primary" data-testid="use-sound">
              {t('menu.useSound')}
            </Link>
          )}
          {s && me?.id !== s.author?.id && (
            <button
              type="button"
              class="link-btn"
              data-testid="report-sound"
              onClick={() => openReport({ type: 'sound', id })}
            >
              {t('report.action')}
            </button>
          )}
        </div>
      </section>
      {list.error ? (
        <ErrorBox message={errorText(list.error)} onRetry={list.reload} />
      ) : list.loading && list.items.length === 0 ? (
        <Spinner />
      ) : list.items.length === 0 ? (
        <Empty>
          <p class="muted">{t('sound.empty')}</p>
        </Empty>
      ) : (
        <VideoGrid items={list.items} cursor={list.cursor} load={load} loading={list.loading} onMore={list.more} />
      )}
    </div>
  );
}
