import { useEffect } from 'preact/hooks';
import { api, ApiError, type CaseSummary, type QueueFilter } from '../api';
import { timeAgo } from '../format';
import { t, tn } from '../i18n';
import { Link, navigate, useLocation } from '../router';
import { policyName, targetName } from '../safety/labels';
import { errorText, useMe } from '../session';
import { useTitle } from '../title';
import { Empty, ErrorBox, Spinner } from '../ui/misc';
import { usePaged } from '../ui/usePaged';
import { ModeratorsOnly, ModLayout } from './ModLayout';
import { isModerator } from './moderator';

type Status = NonNullable<QueueFilter['status']>;
type Kind = NonNullable<QueueFilter['kind']>;

/** The reasons of a case, most reported first: "Spam 3 · Hate speech 1". */
function reasonsLine(reasons: CaseSummary['reasons']): string {
  return Object.entries(reasons)
    .sort((a, b) => b[1] - a[1])
    .map(([r, n]) => `${policyName(r)} ${n}`)
    .join(' · ');
}

function CaseRow({ c }: { c: CaseSummary }) {
  return (
    <li>
      <Link
        href={`/moderation/cases/${encodeURIComponent(c.id)}`}
        class="case-row"
        data-testid="case-row"
        data-case-id={c.id}
        data-target-id={c.target.id}
        data-kind={c.kind}
      >
        <span class="case-priority" title={t('mod.priority', { n: c.priority })}>
          {c.priority}
        </span>
        <span class="case-main">
          <strong>
            {targetName(c.target.type)}
            {c.kind === 'appeal' && <span class="badge">{t('mod.appealCase')}</span>}
          </strong>
          <span class="muted small">{reasonsLine(c.reasons)}</span>
        </span>
        <span class="case-side muted small">
          <span class="chip">{c.region}</span>
          {c.kind === 'report' && <span>{tn('mod.reportCount', c.reportCount)}</span>}
          <time dateTime={c.createdAt}>{timeAgo(c.createdAt)}</time>
        </span>
      </Link>
    </li>
  );
}

function Filter<T extends string>({
  label,
  value,
  options,
  onPick,
}: {
  label: string;
  value: T | undefined;
  options: [T | undefined, string][];
  onPick: (v: T | undefined) => void;
}) {
  return (
    <div class="mod-filter" role="group" aria-label={label}>
      <span class="muted small">{label}</span>
      {options.map(([v, text]) => (
        <button
          key={text}
          type="button"
          class={`chip ${v === value ? 'is-on' : ''}`}
          aria-pressed={v === value}
          data-testid={`filter-${v ?? 'all'}`}
          onClick={() => onPick(v)}
        >
          {text}
        </button>
      ))}
    </div>
  );
}

/** /moderation — the cases of the moderator's jurisdiction, highest priority first, by status and kind. */
export function QueuePage() {
  const me = useMe();
  const { query } = useLocation();
  useTitle(t('mod.title'));
  const status: Status = query.get('status') === 'decided' ? 'decided' : 'open';
  const k = query.get('kind');
  const kind: Kind | undefined = k === 'report' || k === 'appeal' ? k : undefined;
  const list = usePaged<CaseSummary>(
    isModerator(me) ? (cursor) => api.moderationQueue({ status, kind }, cursor) : null,
    `${me?.id}:${status}:${kind}`,
  );
  useEffect(() => {
    if (me === null) navigate('/login?next=/moderation', { replace: true });
  }, [me]);
  const show = (next: { status: Status; kind: Kind | undefined }) => {
    const q = new URLSearchParams({ status: next.status });
    if (next.kind) q.set('kind', next.kind);
    navigate(`/moderation?${q}`, { replace: true });
  };

  if (!me) return <Spinner />;
  if (!isModerator(me) || (list.error instanceof ApiError && list.error.status === 403)) return <ModeratorsOnly />;
  return (
    <ModLayout>
      <div class="mod-filters">
        <Filter<Status>
          label={t('mod.status')}
          value={status}
          options={[
            ['open', t('mod.status.open')],
            ['decided', t('mod.status.decided')],
          ]}
          onPick={(s) => show({ status: s ?? 'open', kind })}
        />
        <Filter<Kind>
          label={t('mod.kind')}
          value={kind}
          options={[
            [undefined, t('mod.kind.all')],
            ['report', t('mod.kind.report')],
            ['appeal', t('mod.kind.appeal')],
          ]}
          onPick={(v) => show({ status, kind: v })}
        />
      </div>
      {list.error ? (
        <ErrorBox message={errorText(list.error)} onRetry={list.reload} />
      ) : list.loading && !list.items.length ? (
        <Spinner />
      ) : !list.items.length ? (
        <Empty>
          <p class="muted">{t('mod.empty')}</p>
        </Empty>
      ) : (
        <ul class="cases" data-testid="case-list">
          {list.items.map((c) => (
            <CaseRow key={c.id} c={c} />
          ))}
        </ul>
      )}
      {list.cursor && (
        <div class="center pad">
          <button type="button" class="btn btn-secondary" onClick={list.more} disabled={list.loading}>
            {list.loading ? t('common.loading') : t('grid.loadMore')}
          </button>
        </div>
      )}
    </ModLayout>
  );
}
