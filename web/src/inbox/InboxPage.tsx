import { useEffect, useState } from 'preact/hooks';
import { api, type Notification, type UserRef } from '../api';
import { timeAgo } from '../format';
import { t } from '../i18n';
import { Link } from '../router';
import { errorText, toastError, useMe } from '../session';
import { useStore } from '../store';
import { Avatar } from '../ui/Avatar';
import { IconInbox } from '../ui/icons';
import { Empty, ErrorBox, Spinner } from '../ui/misc';
import { usePaged } from '../ui/usePaged';
import { ModerationRow, ReportOutcomeRow } from '../safety/NoticeRows';
import { liveStore, unreadStore } from './notifications';
import { useTitle } from '../title';

/** A notification: moderation's own kinds have no actor; every other kind names who acted. */
function Row({ n }: { n: Notification }) {
  if (n.type === 'moderation') return <ModerationRow n={n} />;
  if (n.type === 'report_outcome') return <ReportOutcomeRow n={n} />;
  const actor = n.actor;
  const href = n.videoId ? `/v/${n.videoId}` : actor ? `/@${actor.handle}` : '/inbox';
  const excerpt = n.text ? (n.text.length > 80 ? n.text.slice(0, 80) + '…' : n.text) : '';
  return (
    <li class={`notif ${n.read ? '' : 'is-unread'}`} data-testid="notification" data-type={n.type}>
      {actor && (
        <Link href={`/@${actor.handle}`} tabIndex={-1} aria-hidden="true">
          <Avatar user={actor} size={44} />
        </Link>
      )}
      <Link href={href} class="notif-text">
        {actor && <strong>{actor.displayName || actor.handle}</strong>} {t(`inbox.${n.type}`, { text: excerpt })}{' '}
        <time class="muted" dateTime={n.createdAt}>
          {timeAgo(n.createdAt)}
        </time>
      </Link>
      {!n.read && <span class="dot" aria-label={t('inbox.new')} />}
    </li>
  );
}

function Requests() {
  const list = usePaged<UserRef>(api.followRequests, 'requests');
  const [done, setDone] = useState<Set<string>>(new Set());
  if (!list.items.length) return null;
  const act = async (u: UserRef, ok: boolean) => {
    try {
      await (ok ? api.approveFollow(u.handle) : api.denyFollow(u.handle));
      setDone((d) => new Set(d).add(u.id));
    } catch (e) {
      toastError(e);
    }
  };
  const pending = list.items.filter((u) => !done.has(u.id));
  if (!pending.length) return null;
  return (
    <section aria-labelledby="req-h" class="requests">
      <h2 id="req-h" class="section-title">
        {t('inbox.requests')}
      </h2>
      <ul class="rows">
        {pending.map((u) => (
          <li key={u.id} class="row" data-testid="follow-request" data-handle={u.handle}>
            <Link href={`/@${u.handle}`} class="row-link">
              <Avatar user={u} size={44} />
              <span class="row-text">
                <strong>{u.handle}</strong>
                <span class="muted">{u.displayName}</span>
              </span>
            </Link>
            <button
              type="button"
              class="btn btn-primary btn-small"
              data-testid="follow-approve"
              onClick={() => act(u, true)}
            >
              {t('inbox.approve')}
            </button>
            <button
              type="button"
              class="btn btn-secondary btn-small"
              data-testid="follow-deny"
              onClick={() => act(u, false)}
            >
              {t('inbox.deny')}
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}

/** /inbox — notifications, newest first, with live ones prepended; opening it marks them read. */
export function InboxPage() {
  const me = useMe();
  useTitle(t('nav.inbox'));
  const live = useStore(liveStore);
  const list = usePaged<Notification>(me ? api.notifications : null, me?.id ?? 'visitor');

  useEffect(() => {
    if (!me) return;
    unreadStore.set(0);
    api.markNotificationsRead().catch(() => {});
  }, [me?.id, live.length]);

  if (me === undefined) return <Spinner />;
  if (me === null)
    return (
      <div class="page">
        <h1 class="page-title">{t('inbox.title')}</h1>
        <Empty icon={<IconInbox size={48} />} title={t('inbox.loginTitle')}>
          <p class="muted">{t('inbox.loginHint')}</p>
          <Link href="/login?next=/inbox" class="btn btn-primary">
            {t('nav.login')}
          </Link>
        </Empty>
      </div>
    );

  const seen = new Set(list.items.map((n) => n.id));
  const all = [...live.filter((n) => !seen.has(n.id)), ...list.items];
  return (
    <div class="page inbox">
      <h1 class="page-title">{t('inbox.title')}</h1>
      <Requests />
      {list.error ? (
        <ErrorBox message={errorText(list.error)} onRetry={list.reload} />
      ) : list.loading && !all.length ? (
        <Spinner />
      ) : !all.length ? (
        <Empty icon={<IconInbox size={48} />}>
          <p class="muted">{t('inbox.empty')}</p>
        </Empty>
      ) : (
        <ul class="notifs" aria-live="polite">
          {all.map((n) => (
            <Row key={n.id} n={n} />
          ))}
        </ul>
      )}
      {list.cursor && (
        <div class="center pad">
          <button type="button" class="btn btn-secondary" onClick={list.more} disabled={list.loading}>
            {t('grid.loadMore')}
          </button>
        </div>
      )}
    </div>
  );
}
