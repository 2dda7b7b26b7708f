import { useState } from 'preact/hooks';
import { ApiError, api } from '../api';
import { t } from '../i18n';
import { Link, navigate, useLocation } from '../router';
import { errorText, loadMe, toast } from '../session';
import { useTitle } from '../title';
import { FormError } from '../ui/misc';

/** Where to go after logging in: a same-site path from ?next=, or home. */
export function nextPath(q: URLSearchParams): string {
  const n = q.get('next') ?? '/';
  return n.startsWith('/') && !n.startsWith('//') && !n.startsWith('/login') && !n.startsWith('/signup') ? n : '/';
}

export function LoginPage() {
  const { query } = useLocation();
  useTitle(t('nav.login'));
  const [handle, setHandle] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState('');
  // Shown once the server says the account has two-step sign-in (never before: that would reveal it).
  const [needOtp, setNeedOtp] = useState(false);
  const [otp, setOtp] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      const h = handle.trim().replace(/^@/, '');
      const session = await api.login({ handle: h, password, ...(needOtp ? { otp: otp.trim() } : {}) });
      let reload = false;
      const me = await loadMe(true, () => (reload = true));
      // The account's language differs from the page's: the next screen is a fresh page in it.
      if (reload) return location.replace(nextPath(query));
      if (session.deletionCancelled) toast(t('login.deletionCancelled'), 8000);
      else toast(t('login.welcome', { handle: me?.handle ?? h }));
      navigate(nextPath(query), { replace: true });
    } catch (err) {
      const askOtp = err instanceof ApiError && err.code === 'auth.totp_required';
      if (askOtp) setNeedOtp(true);
      setError(askOtp ? '' : errorText(err));
      setBusy(false);
    }
  };
  return (
    <div class="page auth-page">
      <form class="auth-card" onSubmit={submit} data-testid="login-form" noValidate>
        <Link href="/" class="brand brand-center" aria-label={t('app.name')}>
          <span class="brand-mark" aria-hidden="true" />
          <span class="brand-name">Reelm</span>
        </Link>
        <h1>{t('login.title')}</h1>
        <div class="field">
          <label for="login-handle">{t('login.handle')}</label>
          <input
            id="login-handle"
            name="handle"
            autoComplete="username"
            autoCapitalize="none"
            spellcheck={false}
            required
            value={handle}
            onInput={(e) => setHandle((e.target as HTMLInputElement).value)}
          />
        </div>
        <div class="field">
          <label for="login-password">{t('login.password')}</label>
          <input
            id="login-password"
            name="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onInput={(e) => setPassword((e.target as HTMLInputElement).value)}
          />
        </div>
        {needOtp && (
          <div class="field">
            <label for="login-otp">{t('login.otp')}</label>
            <input
              id="login-otp"
              name="otp"
              autoComplete="one-time-code"
              autoCapitalize="none"
              spellcheck={false}
              autoFocus
              value={otp}
              onInput={(e) => setOtp((e.target as HTMLInputElement).value)}
              data-testid="login-otp"
            />
            <small>{t('login.otpHint')}</small>
          </div>
        )}
        <p class="auth-forgot">
          <Link href="/forgot-password" data-testid="forgot-link">
            {t('security.forgotLink')}
          </Link>
        </p>
        <FormError message={error} testid="form-error" />
        <button
          type="submit"
          class="btn btn-primary btn-block"
          disabled={busy || !handle.trim() || !password || (needOtp && !otp.trim())}
          data-testid="login-submit"
        >
          {busy ? t('common.loading') : t('login.submit')}
        </button>
        <p class="auth-switch">
          {t('login.noAccount')}{' '}
          <Link href={`/signup${location.search}`} replace>
            {t('login.toSignup')}
          </Link>
        </p>
      </form>
    </div>
  );
}
