import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, type PublicUser, type Video } from '../api';
import { fmtCount, regionName } from '../format';
import { t } from '../i18n';
import { Link } from '../router';
import { errorText, useMe } from '../session';
import { Avatar } from '../ui/Avatar';
import { FollowButton } from '../ui/FollowButton';
import { IconGlobe, IconLock, IconSettings } from '../ui/icons';
import { Empty, ErrorBox, NotFound, PageHeader, Spinner } from '../ui/misc';
import { usePaged } from '../ui/usePaged';
import { VideoGrid } from '../ui/VideoGrid';
import { useTitle } from '../title';

type Tab = 'clips' | 'favorites' | 'liked';

/** /@handle — header with counts and follow state, then the clips grid (and, for yourself, Favorites and Liked). */
export function ProfilePage({ handle }: { handle: string }) {
  const me = useMe();
  const [user, setUser] = useState<PublicUser | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [tab, setTab] = useState<Tab>('clips');
  useTitle(`@${user?.handle ?? handle}`);

  const load = () => {
    setError(null);
    api.user(handle).then(setUser, setError);
  };
  useEffect(load, [handle, me?.id]);

  const self = !!user && (user.viewer?.self || me?.id === user.id);
  const locked = !!user && user.private && !self && !user.viewer?.following;
  const loader =
    !user || locked
      ? null
      : tab === 'clips'
        ? (c: string | null) => api.userVideos(user.handle, c)
        : tab === 'favorites'
          ? api.favorites
          : api.likes;
  // Following someone can reveal their followers-only clips: reload the grid when that changes.
  const list = usePaged<Video>(loader, `${user?.id}:${tab}:${locked}:${!!user?.viewer?.following}`);

  if (error instanceof ApiError && error.status === 404) return <NotFound text={t('profile.notFound')} />;
  if (error) return <ErrorBox message={errorText(error)} onRetry={load} />;
  if (!user) return <Spinner />;

  const tabs: Tab[] = self ? ['clips', 'favorites', 'liked'] : ['clips'];
  const tabLabel = { clips: t('profile.clips'), favorites: t('profile.favorites'), liked: t('profile.liked') };
  const emptyText =
    tab === 'favorites'
      ? t('profile.noFavorites')
      : tab === 'liked'
        ? t('profile.noLiked')
        : self
          ? t('profile.noClipsSelf')
          : t('profile.noClips');

  return (
    <div class="page profile">
      <PageHeader
        title={user.displayName || user.handle}
        right={
          self ? (
            <Link href="/settings" class="icon-btn" aria-label={t('nav.settings')}>
              <IconSettings />
            </Link>
          ) : undefined
        }
      />
      <section class="profile-head">
        <Avatar user={user} size={96} class="profile-avatar" />
        <h1 class="profile-handle">
          @{user.handle}
          {user.private && (
            <span class="lock" aria-label={t('profile.privateBadge')}>
              <IconLock size={16} />
            </span>
          )}
        </h1>
        {user.displayName && user.displayName !== user.handle && <p class="profile-name">{user.displayName}</p>}
        <ul class="profile-stats">
          <li>
            <strong>{fmtCount(user.stats.following)}</strong>
            <span>{t('profile.following')}</span>
          </li>
          <li>
            <strong>{fmtCount(user.stats.followers)}</strong>
            <span>{t('profile.followers')}</span>
          </li>
          <li>
            <strong>{fmtCount(user.stats.likes)}</strong>
            <span>{t('profile.likes')}</span>
          </li>
        </ul>
        <div class="profile-actions">
          {self ? (
            <Link href="/settings" class="btn btn-secondary">
              {t('follow.editProfile')}
            </Link>
          ) : (
            <FollowButton user={user} onChange={setUser} />
          )}
        </div>
        {user.bio && <p class="profile-bio">{user.bio}</p>}
        {user.region && (
          <p class="chip">
            <IconGlobe size={14} /> {t('profile.region', { region: regionName(user.region) })}
          </p>
        )}
      </section>

      {locked ? (
        <Empty icon={<IconLock size={40} />} title={t('profile.private')}>
          <p class="muted">{t('profile.privateHint')}</p>
        </Empty>
      ) : (
        <>
          <div class="tabs" role="tablist" aria-label={t('profile.tabs')}>
            {tabs.map((id) => (
              <button
                key={id}
                type="button"
                role="tab"
                aria-selected={tab === id}
                class={`tab ${tab === id ? 'is-active' : ''}`}
                data-testid={`profile-tab-${id}`}
                onClick={() => setTab(id)}
              >
                {id !== 'clips' && <IconLock size={14} />} {tabLabel[id]}
              </button>
            ))}
          </div>
          <div role="tabpanel" aria-label={tabLabel[tab]}>
            {list.error ? (
              <ErrorBox message={errorText(list.error)} onRetry={list.reload} />
            ) : list.items.length === 0 && list.loading ? (
              <Spinner />
            ) : list.items.length === 0 ? (
              <Empty>
                <p class="muted">{emptyText}</p>
                {self && tab === 'clips' && (
                  <Link href="/upload" class="btn btn-primary">
                    {t('nav.upload')}
                  </Link>
                )}
              </Empty>
            ) : (
              <VideoGrid
                items={list.items}
                cursor={list.cursor}
                load={loader ?? undefined}
                loading={list.loading}
                onMore={list.more}
              />
            )}
          </div>
        </>
      )}
    </div>
  );
}
