import type { ComponentChildren } from 'preact';
import { t } from '../i18n';
import { Link, useLocation } from '../router';
import { IconShield } from '../ui/icons';
import { Empty } from '../ui/misc';

/** What the console's routes show anyone the server answers 403 for. */
export function ModeratorsOnly() {
  return (
    <div class="page">
      <Empty icon={<IconShield size={48} />} title={t('mod.only')}>
        <Link class="btn btn-primary" href="/">
          {t('error.home')}
        </Link>
      </Empty>
    </div>
  );
}

/** The console's frame: its title and its two sections. */
export function ModLayout({ children }: { children: ComponentChildren }) {
  const { path } = useLocation();
  const links: [string, string][] = [
    ['/moderation', t('mod.queue')],
    ['/moderation/blocked-terms', t('mod.blockedTerms')],
  ];
  return (
    <div class="page moderation">
      <h1 class="page-title">
        <IconShield size={22} /> {t('mod.title')}
      </h1>
      <nav class="mod-nav" aria-label={t('mod.title')}>
        {links.map(([href, label]) => (
          <Link
            key={href}
            href={href}
            class={`chip ${path === href ? 'is-on' : ''}`}
            aria-current={path === href ? 'page' : undefined}
          >
            {label}
          </Link>
        ))}
      </nav>
      {children}
    </div>
  );
}
