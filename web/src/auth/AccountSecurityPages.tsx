import { useEffect, useState } from 'preact/hooks';
import { api } from '../api';
import { t } from '../i18n';
import { Link, navigate } from '../router';
import { errorText, loadMe, toast } from '../session';
import { useTitle } from '../title';
import { FormError, TextField } from '../ui/misc';

function Card({ title, children }: { title: string; children: preact.ComponentChildren }) {
  return (
    <div class="page auth-page">
      <div class="auth-card">
        <Link href="/" class="brand brand-center" aria-label={t('app.name')}>
          <span class="brand-mark" aria-hidden="true" />
          <span class="brand-name">Reelm</span>
        </Link>
        <h1>{title}</h1>
        {children}
      </div>
    </div>
  );
}

/** /forgot-password — ask for a reset link by address or handle; the answer is the same either way. */
export function ForgotPasswordPage() {
  useTitle(t('security.forgotTitle'));
  const [who, setWho] = useState('');
  const [sent, setSent] = useState(false);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      const value = who.trim();
      await api.requestPasswordReset(
        value.includes('@') && !value.startsWith('@') ? { email: value } : { handle: value },
      );
      setSent(true);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Card title={t('security.forgotTitle')}>
      {sent ? (
        <p role="status" data-testid="reset-requested">
          {t('security.forgotSent')}
        </p>
      ) : (
        <form onSubmit={submit} data-testid="forgot-form" noValidate>
          <p class="muted">{t('security.forgotHint')}</p>
          <TextField
            id="forgot-who"
            label={t('security.forgotWho')}
            value={who}
            onValue={setWho}
            name="who"
            autoComplete="email"
            autoCapitalize="none"
            spellcheck={false}
          />
          <FormError message={error} testid="form-error" />
          <button type="submit" class="btn btn-primary btn-block" disabled={busy || !who.trim()}>
            {t('security.forgotSubmit')}
          </button>
        </form>
      )}
      <p class="auth-switch">
        <Link href="/login">{t('security.backToLogin')}</Link>
      </p>
    </Card>
  );
}

/** /reset/:token — the page a reset mail links to. A weak password is refused with zxcvbn's reason. */
export function ResetPasswordPage({ token }: { token: string }) {
  useTitle(t('security.resetTitle'));
  const [password, setPassword] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      await api.resetPassword(token, password);
      toast(t('security.resetDone'), 6000);
      navigate('/login', { replace: true });
    } catch (err) {
      setError(errorText(err));
      setBusy(false);
    }
  };
  return (
    <Card title={t('security.resetTitle')}>
      <form onSubmit={submit} data-testid="reset-form" noValidate>
        <TextField
          id="reset-password"
          label={t('security.newPassword')}
          value={password}
          onValue={setPassword}
          hint={t('security.passwordHint')}
          name="password"
          type="password"
          autoComplete="new-password"
        />
        <FormError message={error} testid="form-error" />
        <button type="submit" class="btn btn-primary btn-block" disabled={busy || !password}>
          {t('security.resetSubmit')}
        </button>
      </form>
    </Card>
  );
}

/** /verify-email/:token — confirms the address as soon as it opens. */
export function VerifyEmailPage({ token }: { token: string }) {
  useTitle(t('security.verifyTitle'));
  const [state, setState] = useState<'working' | 'done' | string>('working');
  useEffect(() => {
    api.verifyEmail(token).then(
      () => {
        setState('done');
        // The page stays as it is even if the account's language differs (a reload would redeem the link again).
        void loadMe(true, () => undefined);
      },
      (err: unknown) => setState(errorText(err)),
    );
  }, [token]);
  return (
    <Card title={t('security.verifyTitle')}>
      {state === 'working' ? (
        <p role="status">{t('common.loading')}</p>
      ) : state === 'done' ? (
        <p role="status" data-testid="email-verified">
          {t('security.verifyDone')}
        </p>
      ) : (
        <p class="form-error" role="alert" data-testid="form-error">
          {state}
        </p>
      )}
      <p class="auth-switch">
        <Link href="/">{t('security.toHome')}</Link>
      </p>
    </Card>
  );
}
