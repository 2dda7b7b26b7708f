import { useEffect, useState } from 'preact/hooks';
import { api, type SessionItem, type TotpEnrolment } from '../api';
import { lang, t } from '../i18n';
import { errorText, toast, toastError } from '../session';
import { lazy } from '../ui/lazy';
import { Spinner, TextField } from '../ui/misc';

// The QR library is only needed by someone setting up two-step sign-in.
const TotpQr = lazy(() => import('./TotpQr').then((m) => m.TotpQr));

const when = (iso: string) => new Date(iso).toLocaleString(lang, { dateStyle: 'medium', timeStyle: 'short' });

/** Where you are signed in: each session with its browser, sign out one, or every other. */
export function SessionsSection() {
  const [items, setItems] = useState<SessionItem[] | null>(null);
  const [busy, setBusy] = useState(false);
  const load = () =>
    api.sessions().then(
      (r) => setItems(r.items),
      (e) => toastError(e),
    );
  useEffect(() => void load(), []);
  const end = async (id: string) => {
    setBusy(true);
    try {
      await api.endSession(id);
      toast(t('sessions.signedOut'));
      await load();
    } catch (e) {
      toastError(e);
    } finally {
      setBusy(false);
    }
  };
  const endOthers = async () => {
    setBusy(true);
    try {
      await api.endOtherSessions();
      toast(t('sessions.othersSignedOut'));
      await load();
    } catch (e) {
      toastError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="card" aria-labelledby="s-sessions" data-testid="settings-sessions">
      <h2 id="s-sessions">{t('sessions.title')}</h2>
      <p class="muted">{t('sessions.hint')}</p>
      {!items ? (
        <Spinner />
      ) : (
        <ul class="session-list">
          {items.map((s) => (
            <li key={s.id} data-testid="session-item" data-current={s.current ? 'true' : undefined}>
              <div>
                <strong>{s.current ? t('sessions.current') : (s.userAgent ?? t('sessions.unknownAgent'))}</strong>
                {s.current && s.userAgent && <small class="muted session-agent">{s.userAgent}</small>}
                <small class="muted">
                  {t('sessions.since', { date: when(s.createdAt) })} ·{' '}
                  {t('sessions.lastSeen', { date: when(s.lastSeenAt) })}
                </small>
              </div>
              {!s.current && (
                <button type="button" class="btn btn-secondary" disabled={busy} onClick={() => void end(s.id)}>
                  {t('sessions.signOut')}
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {items && items.length > 1 && (
        <button
          type="button"
          class="btn btn-secondary"
          disabled={busy}
          onClick={() => void endOthers()}
          data-testid="sessions-end-others"
        >
          {t('sessions.signOutOthers')}
        </button>
      )}
    </section>
  );
}

/** Two-step sign-in: enrol with a QR code (or the key as text), confirm with a code, recovery codes shown once. */
export function TotpSection() {
  const [enabled, setEnabled] = useState<boolean | null>(null);
  const [enrolment, setEnrolment] = useState<TotpEnrolment | null>(null);
  const [code, setCode] = useState('');
  const [password, setPassword] = useState('');
  const [recovery, setRecovery] = useState<string[] | null>(null);
  const [disabling, setDisabling] = useState(false);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    api.totpStatus().then(
      (s) => setEnabled(s.enabled),
      (e) => toastError(e),
    );
  }, []);
  const run = async (fn: () => Promise<void>) => {
    setBusy(true);
    setError('');
    try {
      await fn();
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  const start = () => run(async () => setEnrolment(await api.enrolTotp()));
  const confirm = (e: Event) => {
    e.preventDefault();
    return run(async () => {
      const r = await api.confirmTotp(code.trim());
      setRecovery(r.recoveryCodes);
      setEnrolment(null);
      setCode('');
      setEnabled(true);
      toast(t('totp.enabled'));
    });
  };
  const disable = (e: Event) => {
    e.preventDefault();
    return run(async () => {
      await api.disableTotp(password);
      setPassword('');
      setDisabling(false);
      setEnabled(false);
      toast(t('totp.disabled'));
    });
  };
  const errorLine = error && (
    <p class="form-error" role="alert">
      {error}
    </p>
  );
  return (
    <section class="card" aria-labelledby="s-totp" data-testid="settings-totp">
      <h2 id="s-totp">{t('totp.title')}</h2>
      {enabled === null ? (
        <Spinner />
      ) : recovery ? (
        <div data-testid="totp-recovery">
          <h3>{t('totp.recoveryTitle')}</h3>
          <p class="muted">{t('totp.recoveryHint')}</p>
          <ul class="recovery-codes">
            {recovery.map((c) => (
              <li key={c}>
                <code>{c}</code>
              </li>
            ))}
          </ul>
          <button type="button" class="btn btn-primary" onClick={() => setRecovery(null)}>
            {t('totp.recoveryDone')}
          </button>
        </div>
      ) : enabled ? (
        <>
          <p class="muted">{t('totp.onHint')}</p>
          {!disabling ? (
            <button type="button" class="btn btn-danger-outline" onClick={() => setDisabling(true)}>
              {t('totp.disable')}
            </button>
          ) : (
            <form onSubmit={disable} data-testid="totp-disable">
              <TextField
                id="s-totp-pw"
                label={t('totp.disablePassword')}
                value={password}
                onValue={setPassword}
                type="password"
                autoComplete="current-password"
              />
              {errorLine}
              <div class="btn-row">
                <button type="button" class="btn btn-secondary" onClick={() => setDisabling(false)}>
                  {t('common.cancel')}
                </button>
                <button type="submit" class="btn btn-danger" disabled={!password || busy}>
                  {t('totp.disable')}
                </button>
              </div>
            </form>
          )}
        </>
      ) : enrolment ? (
        <form onSubmit={confirm} data-testid="totp-enrol">
          <p class="muted">{t('totp.scan')}</p>
          <TotpQr url={enrolment.otpauthUrl} />
          <dl class="facts">
            <dt>{t('totp.secret')}</dt>
            <dd>
              <code data-testid="totp-secret">{enrolment.secret}</code>
            </dd>
          </dl>
          <TextField
            id="s-totp-code"
            label={t('totp.code')}
            value={code}
            onValue={setCode}
            inputMode="numeric"
            autoComplete="one-time-code"
            maxLength={6}
          />
          {errorLine}
          <button type="submit" class="btn btn-primary" disabled={code.trim().length !== 6 || busy}>
            {t('totp.confirm')}
          </button>
        </form>
      ) : (
        <>
          <p class="muted">{t('totp.offHint')}</p>
          {errorLine}
          <button type="button" class="btn btn-secondary" disabled={busy} onClick={() => void start()}>
            {t('totp.start')}
          </button>
        </>
      )}
    </section>
  );
}
