import { useState } from 'preact/hooks';
import { api, type Me } from '../api';
import { t } from '../i18n';
import { errorText, toast } from '../session';
import { FormError } from '../ui/misc';

/** "Your address is not confirmed — send the link again": shown until the link mailed at signup is opened. */
export function EmailVerificationHint({ me }: { me: Me }) {
  const [sent, setSent] = useState(false);
  const [busy, setBusy] = useState(false);
  if (me.emailVerified) return null;
  const resend = async () => {
    setBusy(true);
    try {
      await api.resendEmailVerification();
      setSent(true);
    } catch (err) {
      toast(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="card" aria-labelledby="s-verify" data-testid="email-unverified">
      <h2 id="s-verify">{t('security.unverifiedTitle')}</h2>
      <p class="muted">{t('security.unverifiedHint', { email: me.email })}</p>
      {sent ? (
        <p role="status">{t('security.verificationSent')}</p>
      ) : (
        <button type="button" class="btn btn-secondary" onClick={resend} disabled={busy}>
          {t('security.resend')}
        </button>
      )}
    </section>
  );
}

/** Change password: the current one, then the new one; every other session ends. */
export function PasswordSection() {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      await api.changePassword({ currentPassword: current, newPassword: next });
      setCurrent('');
      setNext('');
      toast(t('security.passwordChanged'), 6000);
    } catch (err) {
      // The server says why a password is weak (zxcvbn's reason); that is what the form shows.
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="card" aria-labelledby="s-password">
      <h2 id="s-password">{t('security.changePassword')}</h2>
      <form onSubmit={submit} data-testid="change-password" noValidate>
        <div class="field">
          <label for="s-pw-current">{t('security.currentPassword')}</label>
          <input
            id="s-pw-current"
            name="currentPassword"
            type="password"
            autoComplete="current-password"
            value={current}
            onInput={(e) => setCurrent((e.target as HTMLInputElement).value)}
          />
        </div>
        <div class="field">
          <label for="s-pw-new">{t('security.newPassword')}</label>
          <input
            id="s-pw-new"
            name="newPassword"
            type="password"
            autoComplete="new-password"
            value={next}
            onInput={(e) => setNext((e.target as HTMLInputElement).value)}
          />
          <small>{t('security.passwordHint')}</small>
        </div>
        <FormError message={error} testid="form-error" />
        <button type="submit" class="btn btn-primary" disabled={busy || !current || !next}>
          {t('security.changePasswordSubmit')}
        </button>
      </form>
    </section>
  );
}
