import { t } from '../i18n';
import { Link } from '../router';
import { fmtDateTime } from './labels';

/** Said where a suspended account would post or comment: until when, and what it can still do. */
export function SuspendedBanner({ until, link = true }: { until: string; link?: boolean }) {
  return (
    <div class="notice-banner" role="status" data-testid="suspended-banner">
      <p>{t('status.suspended', { date: fmtDateTime(until) })}</p>
      {link && <Link href="/account-status">{t('moderated.details')}</Link>}
    </div>
  );
}
