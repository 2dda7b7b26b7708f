import { useEffect, useState } from 'preact/hooks';
import { api, type AccountStanding, type MyDecision } from '../api';
import { t } from '../i18n';
import { Link, navigate, useLocation } from '../router';
import { errorText, toast, useMe } from '../session';
import { useTitle } from '../title';
import { ErrorBox, FormError, PageHeader, Spinner } from '../ui/misc';
import { decisionName, fmtDate, fmtDateTime, policyName, targetName } from './labels';
import { SuspendedBanner } from './SuspendedBanner';

const MAX_APPEAL = 2000;

function AppealForm({ d, onSent, onCancel }: { d: MyDecision; onSent: () => void; onCancel: () => void }) {
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const send = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      await api.appeal(d.id, text.trim());
      toast(t('status.appealSent'), 5000);
      onSent();
    } catch (err) {
      setError(errorText(err));
      setBusy(false);
    }
  };
  const id = `appeal-${d.id}`;
  return (
    <form class="appeal-form" onSubmit={send} data-testid="appeal-form">
      <div class="field">
        <label for={id}>{t('status.appealLabel')}</label>
        <textarea
          id={id}
          name="appeal"
          rows={4}
          maxLength={MAX_APPEAL}
          required
          value={text}
          data-testid="appeal-text"
          onInput={(e) => setText((e.target as HTMLTextAreaElement).value)}
        />
        <small class="counter">{t('report.count', { n: text.length, max: MAX_APPEAL })}</small>
      </div>
      <FormError message={error} />
      <div class="btn-row">
        <button type="button" class="btn btn-secondary" onClick={onCancel}>
          {t('common.cancel')}
        </button>
        <button type="submit" class="btn btn-primary" disabled={!text.trim() || busy} data-testid="appeal-submit">
          {t('status.appealSend')}
        </button>
      </div>
    </form>
  );
}

function AppealState({ appeal }: { appeal: NonNullable<MyDecision['appeal']> }) {
  const date = fmtDate(appeal.status === 'open' ? appeal.createdAt : (appeal.decidedAt ?? appeal.createdAt));
  return (
    <p class={`appeal-state is-${appeal.status}`} data-testid="appeal-state">
      {t(`status.appealState.${appeal.status}`, { date })}
    </p>
  );
}

/** One decision as its affected user reads it: what, why, when, by whom (a person or the rules), and the appeal. */
function DecisionCard({
  d,
  appealing,
  onAppeal,
  onChanged,
}: {
  d: MyDecision;
  appealing: boolean;
  onAppeal: (id: string | null) => void;
  onChanged: () => void;
}) {
  const policy = policyName(d.policy);
  const target = t('status.yourTarget', { target: targetName(d.target.type) });
  return (
    <article class="card decision" data-testid="decision" data-decision-id={d.id} id={`decision-${d.id}`}>
      <header class="decision-head">
        <h3>{decisionName(d.action)}</h3>
        <span class="decision-chips">
          {d.strike && !d.reversed && <span class="badge">{t('status.strike')}</span>}
          {d.reversed && <span class="badge badge-ok">{t('status.reversed')}</span>}
        </span>
      </header>
      <dl class="facts">
        <dt>{t('status.about')}</dt>
        <dd>
          {target}
          {d.target.type === 'video' && (
            <>
              {' · '}
              <Link href={`/v/${encodeURIComponent(d.target.id)}`}>{t('status.open')}</Link>
            </>
          )}
        </dd>
        {policy && (
          <>
            <dt>{t('status.policy')}</dt>
            <dd>{policy}</dd>
          </>
        )}
        <dt>{t('status.statement')}</dt>
        <dd class="statement" data-testid="decision-statement">
          {d.statement}
        </dd>
        <dt>{t('status.date')}</dt>
        <dd>
          <time dateTime={d.createdAt}>{fmtDateTime(d.createdAt)}</time>
          {' · '}
          {d.automated ? t('status.automated') : t('status.byTeam')}
        </dd>
      </dl>
      {d.appeal && <AppealState appeal={d.appeal} />}
      {d.canAppeal &&
        !d.appeal &&
        (appealing ? (
          <AppealForm
            d={d}
            onCancel={() => onAppeal(null)}
            onSent={() => {
              onAppeal(null);
              onChanged();
            }}
          />
        ) : (
          <button type="button" class="btn btn-secondary" data-testid="appeal-open" onClick={() => onAppeal(d.id)}>
            {t('status.appeal')}
          </button>
        ))}
    </article>
  );
}

function Strikes({ s }: { s: AccountStanding }) {
  const max = Math.max(1, s.strikesToSuspend);
  return (
    <section class="card" aria-labelledby="st-strikes">
      <h2 id="st-strikes" data-testid="strikes">
        {t('status.strikes', { n: s.strikes, max: s.strikesToSuspend })}
      </h2>
      <div class="bar" aria-hidden="true">
        <div class="bar-fill strikes-fill" style={{ width: `${Math.min(100, (s.strikes / max) * 100)}%` }} />
      </div>
      <p class="muted small strikes-hint">{t('status.strikesHint', { max: s.strikesToSuspend })}</p>
    </section>
  );
}

/** /account-status — strikes, a suspension or ban, and every decision about the user's content, with appeals. */
export function AccountStatusPage() {
  const me = useMe();
  const { query } = useLocation();
  useTitle(t('status.title'));
  const [standing, setStanding] = useState<AccountStanding | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [appealing, setAppealing] = useState<string | null>(query.get('appeal'));
  const load = () => {
    setError(null);
    api.myModeration().then(setStanding, setError);
  };
  useEffect(() => {
    if (me === null) navigate('/login?next=/account-status', { replace: true });
    else if (me) load();
  }, [me?.id]);
  useEffect(() => {
    if (standing && appealing) document.getElementById(`decision-${appealing}`)?.scrollIntoView({ block: 'center' });
  }, [standing]);

  if (!me) return <Spinner />;
  return (
    <div class="page account-status">
      <PageHeader title={t('status.title')} fallback="/settings" />
      <p class="muted status-intro">{t('status.hint')}</p>
      {error ? (
        <ErrorBox message={errorText(error)} onRetry={load} />
      ) : !standing ? (
        <Spinner />
      ) : (
        <>
          {standing.banned ? (
            <div class="notice-banner is-danger" role="status" data-testid="banned-banner">
              <p>{t('status.banned')}</p>
            </div>
          ) : (
            standing.suspendedUntil && <SuspendedBanner until={standing.suspendedUntil} link={false} />
          )}
          <Strikes s={standing} />
          <h2 class="section-title">{t('status.decisions')}</h2>
          {standing.items.length === 0 ? (
            <p class="muted">{t('status.none')}</p>
          ) : (
            standing.items.map((d) => (
              <DecisionCard key={d.id} d={d} appealing={appealing === d.id} onAppeal={setAppealing} onChanged={load} />
            ))
          )}
        </>
      )}
    </div>
  );
}
