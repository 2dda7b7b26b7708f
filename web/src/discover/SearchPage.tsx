import { useEffect, useRef, useState } from 'preact/hooks';
import { api, type PublicUser, type SearchResults, type Video } from '../api';
import { fmtCount, fmtFull } from '../format';
import { t, tn } from '../i18n';
import { Link, navigate, useLocation } from '../router';
import { errorText } from '../session';
import { Avatar } from '../ui/Avatar';
import { IconClose, IconHash, IconSearch } from '../ui/icons';
import { Empty, ErrorBox, Spinner } from '../ui/misc';
import { usePaged } from '../ui/usePaged';
import { VideoGrid } from '../ui/VideoGrid';
import { useTitle } from '../title';

function UserRow({ u }: { u: PublicUser }) {
  return (
    <li>
      <Link href={`/@${u.handle}`} class="row-link">
        <Avatar user={u} size={48} />
        <span class="row-text">
          <strong>{u.handle}</strong>
          <span class="muted">
            {u.displayName} · {tn('search.followers', u.stats.followers, fmtCount(u.stats.followers))}
          </span>
        </span>
      </Link>
    </li>
  );
}

/** /search?q= — people, hashtags and clips; trending clips while the box is empty. */
export function SearchPage() {
  const { query } = useLocation();
  const q = query.get('q') ?? '';
  useTitle(q ? `${q} · ${t('nav.discover')}` : t('nav.discover'));
  const [text, setText] = useState(q);
  const [res, setRes] = useState<SearchResults | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(false);
  const inputRef = useRef<HTMLInputElement>(null);
  const trending = usePaged<Video>(q ? null : api.trending, q ? 'off' : 'trending');

  useEffect(() => {
    if (q !== text.trim()) setText(q);
  }, [q]);

  // Search as you type (debounced), keeping the query in the URL.
  useEffect(() => {
    const v = text.trim();
    const h = setTimeout(() => {
      if (v !== q) navigate(v ? `/search?q=${encodeURIComponent(v)}` : '/search', { replace: true });
    }, 300);
    return () => clearTimeout(h);
  }, [text]);

  useEffect(() => {
    if (!q) {
      setRes(null);
      return;
    }
    const ac = new AbortController();
    setLoading(true);
    setError(null);
    api.search(q, ac.signal).then(
      (r) => {
        setRes(r);
        setLoading(false);
      },
      (e) => {
        if ((e as Error).name === 'AbortError') return;
        setError(e);
        setLoading(false);
      },
    );
    return () => ac.abort();
  }, [q]);

  const none = res && !res.users.length && !res.videos.length && !res.hashtags.length;
  return (
    <div class="page search-page">
      <form
        class="search-bar"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          const v = text.trim();
          navigate(v ? `/search?q=${encodeURIComponent(v)}` : '/search', { replace: true });
          inputRef.current?.blur();
        }}
      >
        <IconSearch size={20} />
        <label for="search-input" class="sr-only">
          {t('search.label')}
        </label>
        <input
          id="search-input"
          ref={inputRef}
          type="search"
          name="q"
          data-testid="search-input"
          autoComplete="off"
          enterKeyHint="search"
          placeholder={t('search.placeholder')}
          value={text}
          onInput={(e) => setText((e.target as HTMLInputElement).value)}
        />
        {text && (
          <button type="button" class="icon-btn" aria-label={t('search.clear')} onClick={() => setText('')}>
            <IconClose size={18} />
          </button>
        )}
      </form>

      {!q ? (
        <section aria-labelledby="trending-h">
          <h2 id="trending-h" class="section-title">
            {t('search.trending')}
          </h2>
          {trending.error ? (
            <ErrorBox message={errorText(trending.error)} onRetry={trending.reload} />
          ) : trending.loading && !trending.items.length ? (
            <Spinner />
          ) : (
            <VideoGrid
              items={trending.items}
              cursor={trending.cursor}
              load={api.trending}
              loading={trending.loading}
              onMore={trending.more}
            />
          )}
        </section>
      ) : error ? (
        <ErrorBox message={errorText(error)} />
      ) : loading && !res ? (
        <Spinner />
      ) : none ? (
        <Empty>
          <p class="muted">{t('search.none', { q })}</p>
        </Empty>
      ) : res ? (
        <div class="results" aria-busy={loading}>
          {res.users.length > 0 && (
            <section aria-labelledby="res-users">
              <h2 id="res-users" class="section-title">
                {t('search.users')}
              </h2>
              <ul class="rows">
                {res.users.slice(0, 6).map((u) => (
                  <UserRow key={u.id} u={u} />
                ))}
              </ul>
            </section>
          )}
          {res.hashtags.length > 0 && (
            <section aria-labelledby="res-tags">
              <h2 id="res-tags" class="section-title">
                {t('search.hashtags')}
              </h2>
              <ul class="rows">
                {res.hashtags.map((h) => (
                  <li key={h.tag}>
                    <Link href={`/tag/${encodeURIComponent(h.tag)}`} class="row-link">
                      <span class="row-icon" aria-hidden="true">
                        <IconHash size={22} />
                      </span>
                      <span class="row-text">
                        <strong>#{h.tag}</strong>
                        <span class="muted">{tn('tag.videos', h.videoCount, fmtFull(h.videoCount))}</span>
                      </span>
                    </Link>
                  </li>
                ))}
              </ul>
            </section>
          )}
          {res.videos.length > 0 && (
            <section aria-labelledby="res-videos">
              <h2 id="res-videos" class="section-title">
                {t('search.videos')}
              </h2>
              <VideoGrid items={res.videos} cursor={null} />
            </section>
          )}
        </div>
      ) : null}
    </div>
  );
}
