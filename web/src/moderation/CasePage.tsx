import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, type Case } from '../api';
import { timeAgo } from '../format';
import { t, tn } from '../i18n';
import { Link, navigate } from '../router';
import { policyName, targetName } from '../safety/labels';
import { errorText, useMe } from '../session';
import { useTitle } from '../title';
import { ErrorBox, NotFound, PageHeader, Spinner } from '../ui/misc';
import { RichText } from '../ui/RichText';
import { CaseVideo } from './CaseVideo';
import { DecisionForm } from './DecisionForm';
import { DecisionView } from './DecisionView';
import { ModeratorsOnly } from './ModLayout';
import { isModerator } from './moderator';

const clipHref = (id: string) => `/v/${encodeURIComponent(id)}`;

/** What the case is about: the clip playing, the comment, the sound, and whose it is. */
function Subject({ c }: { c: Case }) {
  return (
    <section class="card case-subject" aria-labelledby="case-subject">
      <h2 id="case-subject">{targetName(c.target.type)}</h2>
      {c.video && (
        <div class="case-clip">
          <CaseVideo video={c.video} />
          <div>
            {c.video.caption && (
              <p class="case-caption" data-testid="case-caption">
                <RichText text={c.video.caption} />
              </p>
            )}
            {c.video.moderation && (
              <p class="muted small" data-testid="case-state">
                {t('mod.state', { state: t(`moderated.${c.video.moderation.status}`) })}
              </p>
            )}
          </div>
        </div>
      )}
      {c.comment && (
        <>
          <h3 class="muted small">{t('mod.comment')}</h3>
          <blockquote class="statement" data-testid="case-comment">
            {c.comment.text}
          </blockquote>
          <p class="muted small">
            <Link href={clipHref(c.comment.videoId)}>{t('mod.onClip', { id: c.comment.videoId })}</Link>
            {c.comment.moderation && c.comment.moderation !== 'none' && ` · ${c.comment.moderation}`}
          </p>
        </>
      )}
      {c.sound && (
        <p data-testid="case-sound">
          <strong>{c.sound.title}</strong> ·{' '}
          <Link href={clipHref(c.sound.videoId)}>{t('mod.soundOf', { id: c.sound.videoId })}</Link>
        </p>
      )}
      {c.subject && (
        <dl class="facts">
          <dt>{t('mod.subject')}</dt>
          <dd>
            <Link href={`/@${c.subject.handle}`} data-testid="case-user">
              @{c.subject.handle}
            </Link>
            {c.subject.displayName && c.subject.displayName !== c.subject.handle && ` · ${c.subject.displayName}`}
          </dd>
        </dl>
      )}
    </section>
  );
}

function Reports({ c }: { c: Case }) {
  if (!c.reports.length) return null;
  return (
    <section class="card" aria-labelledby="case-reports">
      <h2 id="case-reports">{tn('mod.reportCount', c.reportCount)}</h2>
      <ul class="case-reports">
        {c.reports.map((r, i) => (
          <li key={i} data-testid="case-report">
            <strong>{policyName(r.reason)}</strong>{' '}
            <time class="muted small" dateTime={r.createdAt}>
              {timeAgo(r.createdAt)}
            </time>
            <p class={r.details ? '' : 'muted'}>{r.details || t('mod.noDetails')}</p>
          </li>
        ))}
      </ul>
    </section>
  );
}

/** /moderation/cases/:id — one case: what it is about, why it was reported, earlier decisions, and the decision. */
export function CasePage({ id }: { id: string }) {
  const me = useMe();
  const [c, setCase] = useState<Case | null>(null);
  const [error, setError] = useState<unknown>(null);
  useTitle(c ? t('mod.caseTitle', { target: targetName(c.target.type) }) : t('mod.title'));
  const load = () => {
    setError(null);
    api.moderationCase(id).then(setCase, setError);
  };
  useEffect(() => {
    if (me === null) navigate(`/login?next=/moderation/cases/${encodeURIComponent(id)}`, { replace: true });
    else if (isModerator(me)) load();
  }, [me?.id, id]);

  if (me && !isModerator(me)) return <ModeratorsOnly />;
  // Also a moderator whose jurisdiction the case is not in.
  if (error instanceof ApiError && error.status === 403) return <ModeratorsOnly />;
  if (error instanceof ApiError && error.status === 404) return <NotFound />;
  if (error) return <ErrorBox message={errorText(error)} onRetry={load} />;
  if (!c) return <Spinner />;
  // The case's own decision is in `history` too; it is shown once, as the decision.
  const history = c.history.filter((d) => d.id !== c.decision?.id);
  return (
    <div class="page moderation case-page" data-testid="case-page" data-kind={c.kind} data-status={c.status}>
      <PageHeader title={t('mod.caseTitle', { target: targetName(c.target.type) })} fallback="/moderation" />
      <p class="case-facts">
        {c.kind === 'appeal' && <span class="badge">{t('mod.appealCase')}</span>}
        <span class="chip">{t(`mod.status.${c.status}`)}</span>
        <span class="chip">{c.region}</span>
        <span class="chip">{t('mod.priority', { n: c.priority })}</span>
        <time class="muted small" dateTime={c.createdAt}>
          {timeAgo(c.createdAt)}
        </time>
      </p>
      <Subject c={c} />
      {c.appeal && (
        <section class="card" aria-labelledby="case-appeal" data-testid="case-appeal">
          <h2 id="case-appeal">{t('mod.appealText')}</h2>
          <blockquote class="statement" data-testid="case-appeal-text">
            {c.appeal.text}
          </blockquote>
          <h3 class="muted small">{t('mod.appealed')}</h3>
          <DecisionView d={c.appeal.decision} />
        </section>
      )}
      <Reports c={c} />
      <section class="card" aria-labelledby="case-history">
        <h2 id="case-history">{t('mod.history')}</h2>
        {history.length ? (
          history.map((d) => <DecisionView key={d.id} d={d} />)
        ) : (
          <p class="muted">{t('mod.noHistory')}</p>
        )}
      </section>
      {c.decision ? (
        <section class="card" aria-labelledby="case-decision" data-testid="case-decision">
          <h2 id="case-decision">{t('mod.decision')}</h2>
          <DecisionView d={c.decision} />
        </section>
      ) : (
        <DecisionForm c={c} onDecided={setCase} />
      )}
    </div>
  );
}
