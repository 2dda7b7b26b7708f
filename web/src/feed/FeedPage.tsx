import { useMemo, useRef, useState } from 'preact/hooks';
import { api } from '../api';
import { takeBootFeed } from '../boot';
import { t } from '../i18n';
import { Link } from '../router';
import { useMe } from '../session';
import { Empty } from '../ui/misc';
import { Feed, type FeedSource } from './Feed';
import { useTitle } from '../title';

type Tab = 'foryou' | 'following';

/** Home: the For You and Following feeds. Stays mounted (hidden) while other screens are open. */
export function FeedPage({ visible }: { visible: boolean }) {
  const me = useMe();
  const [tab, setTab] = useState<Tab>('foryou');
  useTitle(visible ? (tab === 'foryou' ? t('feed.forYou') : t('feed.following')) : undefined, visible);
  // Reload For You only when the account changes (log in / out), not when the session first becomes known:
  // the boot request already carried the cookie.
  const known = useRef<string | null>(null);
  const gen = useRef(0);
  if (me !== undefined) {
    const k = me?.id ?? 'visitor';
    if (known.current !== null && known.current !== k) gen.current++;
    known.current = k;
  }
  const forYou = useMemo<FeedSource>(() => {
    const initial = takeBootFeed();
    return { load: (c) => api.forYou(c), ...(initial ? { initial } : {}) };
  }, [gen.current]);
  const following = useMemo<FeedSource>(() => ({ load: me ? (c) => api.followingFeed(c) : null }), [me?.id]);

  const tabs = (
    <div class="feed-tabs" role="tablist" aria-label={t('feed.tabs')}>
      {(['following', 'foryou'] as const).map((id) => (
        <button
          key={id}
          type="button"
          role="tab"
          id={`tab-${id}`}
          data-testid={`tab-${id}`}
          aria-selected={tab === id}
          aria-controls="feed-panel"
          class={`feed-tab ${tab === id ? 'is-active' : ''}`}
          onClick={() => setTab(id)}
        >
          {id === 'foryou' ? t('feed.forYou') : t('feed.following')}
        </button>
      ))}
    </div>
  );

  return (
    <div class="feed-page" id="feed-panel" role="tabpanel" aria-labelledby={`tab-${tab}`}>
      {tab === 'following' && me === null ? (
        <div class="feed-wrap">
          {tabs}
          <div class="feed-visitor">
            <Empty title={t('feed.following')}>
              <p class="muted">{t('feed.following.visitor')}</p>
              <Link class="btn btn-primary" href="/signup">
                {t('auth.prompt.signup')}
              </Link>
              <Link class="btn btn-secondary" href="/login">
                {t('nav.login')}
              </Link>
            </Empty>
          </div>
        </div>
      ) : (
        <Feed
          key={tab}
          source={tab === 'foryou' ? forYou : following}
          visible={visible}
          header={tabs}
          empty={
            tab === 'foryou' ? (
              <Empty title={t('feed.empty.forYou')}>
                <Link class="btn btn-primary" href="/upload">
                  {t('nav.upload')}
                </Link>
              </Empty>
            ) : (
              <Empty title={t('feed.empty.following')}>
                <Link class="btn btn-primary" href="/search">
                  {t('feed.empty.followingCta')}
                </Link>
              </Empty>
            )
          }
        />
      )}
    </div>
  );
}
