import type { ComponentChildren } from 'preact';
import type { Notification, ReportOutcome } from '../api';
import { timeAgo } from '../format';
import { t } from '../i18n';
import { Link } from '../router';
import { IconFlag, IconShield } from '../ui/icons';
import { decisionName, policyName, targetName } from './labels';

/** A notification from moderation: signed by the team, never by a moderator. */
function Frame({
  n,
  icon,
  title,
  children,
}: {
  n: Notification;
  icon: ComponentChildren;
  title: ComponentChildren;
  children?: ComponentChildren;
}) {
  return (
    <li class={`notif notif-safety ${n.read ? '' : 'is-unread'}`} data-testid="notification" data-type={n.type}>
      <span class="notif-icon" aria-hidden="true">
        {icon}
      </span>
      <div class="notif-text">
        <p>
          <strong>{t('inbox.team')}</strong> {title}{' '}
          <time class="muted" dateTime={n.createdAt}>
            {timeAgo(n.createdAt)}
          </time>
        </p>
        {children}
      </div>
      {!n.read && <span class="dot" aria-label={t('inbox.new')} />}
    </li>
  );
}

/** A decision about the recipient's content or account: the statement of reasons, and the way to appeal it. */
export function ModerationRow({ n }: { n: Notification }) {
  const m = n.moderation;
  const icon = <IconShield size={26} />;
  if (!m) return <Frame n={n} icon={icon} title={t('status.title')} />;
  const policy = policyName(m.policy);
  // A notice's action is a plain string in the schema (notices outlive the list of actions): one unknown shows as it is.
  const action = decisionName(m.action);
  const title = t('inbox.moderation', { target: targetName(m.target.type), action });
  return (
    <Frame n={n} icon={icon} title={title}>
      <blockquote class="statement" data-testid="notice-statement">
        {m.statement}
      </blockquote>
      <p class="notice-meta muted small">
        {policy && <span>{t('inbox.policy', { policy })}</span>}
        <span>{m.automated ? t('inbox.automated') : t('status.byTeam')}</span>
      </p>
      {m.canAppeal && (
        <Link
          href={`/account-status?appeal=${encodeURIComponent(m.decisionId)}`}
          class="btn btn-secondary btn-small notice-appeal"
          data-testid="notice-appeal"
        >
          {t('inbox.appeal')}
        </Link>
      )}
    </Frame>
  );
}

/** Where the reported target opens: a clip or sound by its id, an account by its handle, a comment on its clip. */
function targetHref(r: ReportOutcome): string | null {
  switch (r.target.type) {
    case 'video':
      return `/v/${encodeURIComponent(r.target.id)}`;
    case 'sound':
      return `/sound/${encodeURIComponent(r.target.id)}`;
    case 'user':
      // Absent when the account is gone.
      return r.handle ? `/@${encodeURIComponent(r.handle)}` : null;
    case 'comment':
      return r.videoId ? `/v/${encodeURIComponent(r.videoId)}` : null;
  }
}

/** What became of a report the recipient filed; never who decided. */
export function ReportOutcomeRow({ n }: { n: Notification }) {
  const r = n.report;
  const icon = <IconFlag size={24} />;
  if (!r) return <Frame n={n} icon={icon} title={t('inbox.report_outcome', { target: '' })} />;
  const text = t(`inbox.report_outcome.${r.outcome}`, { target: targetName(r.target.type) });
  const href = targetHref(r);
  const title = href ? (
    <Link href={href} data-testid="outcome-target">
      {text}
    </Link>
  ) : (
    text
  );
  return <Frame n={n} icon={icon} title={title} />;
}
