import { useState } from 'preact/hooks';
import { api, type Me } from '../api';
import { t } from '../i18n';
import { errorText, meStore, toast } from '../session';
import { FormError, TextField } from '../ui/misc';

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
        <TextField
          id="s-pw-current"
          label={t('security.currentPassword')}
          value={current}
          onValue={setCurrent}
          name="currentPassword"
          type="password"
          autoComplete="current-password"
        />
        <TextField
          id="s-pw-new"
          label={t('security.newPassword')}
          value={next}
          onValue={setNext}
          hint={t('security.passwordHint')}
          name="newPassword"
          type="password"
          autoComplete="new-password"
        />
        <FormError message={error} testid="form-error" />
        <button type="submit" class="btn btn-primary" disabled={busy || !current || !next}>
          {t('security.changePasswordSubmit')}
        </button>
      </form>
    </section>
  );
}

/** The address and whether it is confirmed, as the account section lists it. */
export function EmailFacts({ me }: { me: Me }) {
  return (
    <>
      <dt>{t('settings.email')}</dt>
      <dd>
        <span data-testid="settings-email-address">{me.email}</span>{' '}
        <small data-testid="settings-email-status" data-verified={me.emailVerified ? 'true' : 'false'}>
          ({me.emailVerified ? t('security.emailVerified') : t('security.emailUnverified')})
        </small>
      </dd>
    </>
  );
}

/**
 * Changing the address: the new address and the password; the server's refusal
 * (a wrong password, an address another account has) shows in the form. The new address gets a confirmation link.
 */
export function EmailSection() {
  const [open, setOpen] = useState(false);
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [sentTo, setSentTo] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      const next = await api.changeEmail({ email: email.trim(), password });
      meStore.set(next);
      setSentTo(next.email);
      setOpen(false);
      setEmail('');
      setPassword('');
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="email-change" data-testid="settings-email">
      {sentTo && (
        <p role="status" data-testid="email-change-sent">
          {t('security.emailChanged', { email: sentTo })}
        </p>
      )}
      {!open ? (
        <button type="button" class="btn btn-secondary" onClick={() => setOpen(true)} data-testid="email-change-open">
          {t('security.changeEmail')}
        </button>
      ) : (
        <form onSubmit={submit} data-testid="change-email" noValidate>
          <h3>{t('security.changeEmail')}</h3>
          <p class="muted">{t('security.changeEmailHint')}</p>
          <TextField
            id="s-email-new"
            label={t('security.newEmail')}
            value={email}
            onValue={setEmail}
            name="email"
            type="email"
            autoComplete="email"
            autoCapitalize="none"
            spellcheck={false}
          />
          <TextField
            id="s-email-pw"
            label={t('security.currentPassword')}
            value={password}
            onValue={setPassword}
            name="password"
            type="password"
            autoComplete="current-password"
          />
          <FormError message={error} testid="form-error" />
          <div class="btn-row">
            <button type="button" class="btn btn-secondary" onClick={() => setOpen(false)}>
              {t('common.cancel')}
            </button>
            <button type="submit" class="btn btn-primary" disabled={busy || !email.trim() || !password}>
              {t('security.changeEmailSubmit')}
            </button>
          </div>
        </form>
      )}
    </div>
  );
}
