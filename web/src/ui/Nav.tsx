import { t } from '../i18n';
import { unreadStore } from '../inbox/notifications';
import { isModerator } from '../moderation/moderator';
import { Link, useLocation } from '../router';
import { useMe } from '../session';
import { useStore } from '../store';
import { Avatar } from './Avatar';
import { IconHome, IconInbox, IconPlus, IconSearch, IconSettings, IconShield, IconUser } from './icons';

function Badge({ n }: { n: number }) {
  if (n <= 0) return null;
  return (
    <span class="nav-badge" aria-hidden="true">
      {n > 99 ? '99+' : n}
    </span>
  );
}

function useNav() {
  const { path } = useLocation();
  const me = useMe();
  const unread = useStore(unreadStore);
  const profileHref = me ? `/@${me.handle}` : '/login';
  const is = (p: string) => (p === '/' ? path === '/' : path.startsWith(p));
  const inboxLabel = unread > 0 ? `${t('nav.inbox')}, ${t('nav.unread', { n: unread })}` : t('nav.inbox');
  const onProfile = me ? path === `/@${me.handle}` : path === '/login';
  return { is, me, unread, profileHref, inboxLabel, onProfile };
}

/** Left navigation on wide screens (first in the focus order). */
export function SideNav() {
  const { is, me, unread, profileHref, inboxLabel, onProfile } = useNav();
  return (
    <nav class="sidenav" aria-label={t('nav.main')}>
      <Link href="/" class="brand" aria-label={t('app.name')}>
        <span class="brand-mark" aria-hidden="true" />
        <span class="brand-name">Reelm</span>
      </Link>
      <ul>
        <li>
          <Link href="/" class={is('/') ? 'is-active' : ''} aria-current={is('/') ? 'page' : undefined}>
            <IconHome filled={is('/')} /> <span>{t('nav.home')}</span>
          </Link>
        </li>
        <li>
          <Link
            href="/search"
            class={is('/search') ? 'is-active' : ''}
            aria-current={is('/search') ? 'page' : undefined}
          >
            <IconSearch /> <span>{t('nav.discover')}</span>
          </Link>
        </li>
        <li>
          <Link
            href="/upload"
            class={is('/upload') ? 'is-active' : ''}
            aria-current={is('/upload') ? 'page' : undefined}
          >
            <IconPlus /> <span>{t('nav.upload')}</span>
          </Link>
        </li>
        <li>
          <Link
            href="/inbox"
            class={is('/inbox') ? 'is-active' : ''}
            aria-current={is('/inbox') ? 'page' : undefined}
            aria-label={inboxLabel}
          >
            <span class="nav-icon">
              <IconInbox filled={is('/inbox')} />
              <Badge n={unread} />
            </span>
            <span>{t('nav.inbox')}</span>
          </Link>
        </li>
        <li>
          <Link href={profileHref} class={onProfile ? 'is-active' : ''} aria-current={onProfile ? 'page' : undefined}>
            {me ? <Avatar user={me} size={26} /> : <IconUser />} <span>{t('nav.profile')}</span>
          </Link>
        </li>
        {me && (
          <li>
            <Link
              href="/settings"
              class={is('/settings') ? 'is-active' : ''}
              aria-current={is('/settings') ? 'page' : undefined}
            >
              <IconSettings /> <span>{t('nav.settings')}</span>
            </Link>
          </li>
        )}
        {isModerator(me) && (
          <li>
            <Link
              href="/moderation"
              class={is('/moderation') ? 'is-active' : ''}
              aria-current={is('/moderation') ? 'page' : undefined}
              data-testid="nav-moderation"
            >
              <IconShield /> <span>{t('nav.moderation')}</span>
            </Link>
          </li>
        )}
      </ul>
      {me === null && (
        <div class="sidenav-cta">
          <Link href="/login" class="btn btn-primary btn-block">
            {t('nav.login')}
          </Link>
        </div>
      )}
    </nav>
  );
}

/** Bottom tab bar on phones (after the content in the focus order, where it sits on screen). */
export function TabBar() {
  const { is, unread, profileHref, inboxLabel, onProfile } = useNav();
  return (
    <nav class="tabbar" aria-label={t('nav.main')}>
      <Link href="/" class={is('/') ? 'is-active' : ''} aria-current={is('/') ? 'page' : undefined}>
        <IconHome filled={is('/')} size={26} />
        <span>{t('nav.home')}</span>
      </Link>
      <Link href="/search" class={is('/search') ? 'is-active' : ''} aria-current={is('/search') ? 'page' : undefined}>
        <IconSearch size={26} />
        <span>{t('nav.discover')}</span>
      </Link>
      <Link
        href="/upload"
        class="tabbar-upload"
        aria-label={t('nav.upload')}
        aria-current={is('/upload') ? 'page' : undefined}
      >
        <span class="upload-pill" aria-hidden="true">
          <IconPlus size={20} />
        </span>
      </Link>
      <Link
        href="/inbox"
        class={is('/inbox') ? 'is-active' : ''}
        aria-current={is('/inbox') ? 'page' : undefined}
        aria-label={inboxLabel}
      >
        <span class="nav-icon">
          <IconInbox filled={is('/inbox')} size={26} />
          <Badge n={unread} />
        </span>
        <span aria-hidden="true">{t('nav.inbox')}</span>
      </Link>
      <Link href={profileHref} class={onProfile ? 'is-active' : ''} aria-current={onProfile ? 'page' : undefined}>
        <IconUser filled={onProfile} size={26} />
        <span>{t('nav.profile')}</span>
      </Link>
    </nav>
  );
}
