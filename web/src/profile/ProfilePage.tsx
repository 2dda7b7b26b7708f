import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, type PublicUser, type Video } from '../api';
import { fmtCount, regionName } from '../format';
import { t } from '../i18n';
import { Link } from '../router';
import { openReport } from '../safety/report';
import { errorText, toast, toastError, useMe } from '../session';
import { Avatar } from '../ui/Avatar';
import { FollowButton } from '../ui/FollowButton';
import { IconGlobe, IconLock, IconSettings } from '../ui/icons';
import { Empty, ErrorBox, NotFound, PageHeader, Spinner } from '../ui/misc';
import { usePaged } from '../ui/usePaged';
import { VideoGrid } from '../ui/VideoGrid';
import { useTitle } from '../title';
import { RichText } from '../ui/RichText';
import { PeopleSheet, type People } from './PeopleSheet';

type Tab = 'clips' | 'drafts' | 'favorites' | 'liked';

/** /@handle — header with counts and follow state, then the clips grid (and, for yourself, Favorites and Liked). */
export function ProfilePage({ handle }: { handle: string }) {
  const me = useMe();
  const [user, setUser] = useState<PublicUser | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [tab, setTab] = useState<Tab>('clips');
  const [people, setPeople] = useState<People | null>(null);
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
        : tab === 'drafts'
          ? api.drafts
          : tab === 'favorites'
            ? api.favorites
            : api.likes;
  // Following someone can reveal their followers-only clips: reload the grid when that changes.
  const list = usePaged<Video>(loader, `${user?.id}:${tab}:${locked}:${!!user?.viewer?.following}`);

  if (error instanceof ApiError && error.status === 404) return <NotFound text={t('profile.notFound')} />;
  if (error) return <ErrorBox message={errorText(error)} onRetry={load} />;
  if (!user) return <Spinner />;

  const tabs: Tab[] = self ? ['clips', 'drafts', 'favorites', 'liked'] : ['clips'];
  const tabLabel = {
    clips: t('profile.clips'),
    drafts: t('profile.drafts'),
    favorites: t('profile.favorites'),
    liked: t('profile.liked'),
  };
  const emptyText =
    tab === 'drafts'
      ? t('profile.noDrafts')
      : tab === 'favorites'
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
            <button
              type="button"
              class="stat-btn"
              data-testid="profile-following"
              onClick={() => setPeople('following')}
            >
              <strong>{fmtCount(user.stats.following)}</strong>
              <span>{t('profile.following')}</span>
            </button>
          </li>
          <li>
            <button
              type="button"
              class="stat-btn"
              data-testid="profile-followers"
              onClick={() => setPeople('followers')}
            >
              <strong>{fmtCount(user.stats.followers)}</strong>
              <span>{t('profile.followers')}</span>
            </button>
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
            <>
              <FollowButton user={user} onChange={setUser} />
              {me && <BlockMute user={user} onChange={setUser} />}
              <button
                type="button"
                class="btn btn-secondary"
                data-testid="report-user"
                onClick={() => openReport({ type: 'user', id: user.id })}
              >
                {t('report.action')}
              </button>
            </>
          )}
        </div>
        {user.bio && (
          <p class="profile-bio">
            <RichText text={user.bio} />
          </p>
        )}
        <PeopleSheet handle={user.handle} kind={people} onClose={() => setPeople(null)} />
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
                onRemove={
                  self && tab === 'clips'
                    ? (v) =>
                        api.deleteVideo(v.id).then(() => {
                          toast(t('upload.removed'));
                          list.reload();
                        }, toastError)
                    : undefined
                }
              />
            )}
          </div>
        </>
      )}
    </div>
  );
}

/** Block and mute for someone else's profile, from the viewer's own cell (`viewer` says which are on). */
function BlockMute({ user, onChange }: { user: PublicUser; onChange: (u: PublicUser) => void }) {
  const [busy, setBusy] = useState(false);
  const v = user.viewer ?? { following: false, requested: false, blocked: false, muted: false, self: false };
  const act = async (what: 'block' | 'mute') => {
    const on = what === 'block' ? !v.blocked : !v.muted;
    if (what === 'block' && on && !confirm(t('profile.blockConfirm', { handle: user.handle }))) return;
    setBusy(true);
    try {
      await (what === 'block' ? api.block(user.handle, on) : api.mute(user.handle, on));
      // A block also ends follows both ways: the profile's counts and `viewer` come back fresh.
      onChange(await api.user(user.handle));
      const done = {
        block: on ? 'profile.blocked' : 'profile.blockUndone',
        mute: on ? 'profile.muted' : 'profile.muteUndone',
      } as const;
      toast(t(done[what], { handle: user.handle }));
    } catch (e) {
      toastError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <button
        type="button"
        class="btn btn-secondary"
        data-testid="mute-button"
        disabled={busy}
        onClick={() => act('mute')}
      >
        {v.muted ? t('profile.unmute') : t('profile.mute')}
      </button>
      <button
        type="button"
        class="btn btn-secondary"
        data-testid="block-button"
        disabled={busy}
        onClick={() => act('block')}
      >
        {v.blocked ? t('profile.unblock') : t('profile.block')}
      </button>
    </>
  );
}
