import { api, ApiError, type PublicUser } from '../api';
import { t, tn } from '../i18n';
import { Link } from '../router';
import { errorText } from '../session';
import { Avatar } from '../ui/Avatar';
import { IconLock } from '../ui/icons';
import { Empty, ErrorBox, Spinner } from '../ui/misc';
import { Sheet } from '../ui/Sheet';
import { usePaged } from '../ui/usePaged';
import { fmtCount } from '../format';

export type People = 'followers' | 'following';

/** Who follows an account, or whom it follows: paged, and for a private account only what its followers may see. */
export function PeopleSheet({ handle, kind, onClose }: { handle: string; kind: People | null; onClose: () => void }) {
  const load = kind
    ? (c: string | null) => (kind === 'followers' ? api.followers(handle, c) : api.following(handle, c))
    : null;
  const list = usePaged<PublicUser>(load, `${handle}:${kind}`);
  const hidden = list.error instanceof ApiError && list.error.status === 403;
  return (
    <Sheet
      open={kind !== null}
      onClose={onClose}
      title={kind === 'following' ? t('profile.following') : t('profile.followers')}
      testid="people-sheet"
      titleId="people-title"
    >
      {hidden ? (
        <Empty icon={<IconLock size={32} />} title={t('profile.private')}>
          <p class="muted">{t('profile.privateHint')}</p>
        </Empty>
      ) : list.error ? (
        <ErrorBox message={errorText(list.error)} onRetry={list.reload} />
      ) : list.items.length === 0 && list.loading ? (
        <Spinner />
      ) : list.items.length === 0 ? (
        <Empty>
          <p class="muted">{kind === 'following' ? t('people.noneFollowing') : t('people.noFollowers')}</p>
        </Empty>
      ) : (
        <ul class="people-list">
          {list.items.map((u) => (
            <li key={u.id}>
              <Link href={`/@${u.handle}`} class="people-row" onClick={onClose}>
                <Avatar user={u} size={40} />
                <span>
                  <strong>@{u.handle}</strong>
                  <small class="muted">
                    {u.displayName} · {tn('search.followers', u.stats.followers, fmtCount(u.stats.followers))}
                  </small>
                </span>
              </Link>
            </li>
          ))}
          {list.cursor && (
            <li class="center pad">
              <button type="button" class="btn btn-secondary" onClick={list.more} disabled={list.loading}>
                {list.loading ? t('common.loading') : t('grid.loadMore')}
              </button>
            </li>
          )}
        </ul>
      )}
    </Sheet>
  );
}
