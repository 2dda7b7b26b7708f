import { useState } from 'preact/hooks';
import { ApiError, api } from '../api';
import { t } from '../i18n';
import { Link, navigate, useLocation } from '../router';
import { errorText, loadMe, toast } from '../session';
import { useTitle } from '../title';
import { FormError, TextField } from '../ui/misc';

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
        <TextField
          id="login-handle"
          label={t('login.handle')}
          value={handle}
          onValue={setHandle}
          name="handle"
          autoComplete="username"
          autoCapitalize="none"
          spellcheck={false}
          required
        />
        <TextField
          id="login-password"
          label={t('login.password')}
          value={password}
          onValue={setPassword}
          name="password"
          type="password"
          autoComplete="current-password"
          required
        />
        {needOtp && (
          <TextField
            id="login-otp"
            label={t('login.otp')}
            value={otp}
            onValue={setOtp}
            hint={t('login.otpHint')}
            name="otp"
            autoComplete="one-time-code"
            autoCapitalize="none"
            spellcheck={false}
            autoFocus
            data-testid="login-otp"
          />
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
