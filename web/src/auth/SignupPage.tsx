import { useEffect, useMemo, useState } from 'preact/hooks';
import { api, type Region } from '../api';
import { t } from '../i18n';
import { Link, navigate, useLocation } from '../router';
import { errorText, loadMe, toast } from '../session';
import { regionName } from '../format';
import { IconGlobe } from '../ui/icons';
import { countryOptions, guessCountry, regionOf } from './countries';
import { nextPath } from './LoginPage';
import { useTitle } from '../title';
import { FormError } from '../ui/misc';

export function SignupPage() {
  const { query } = useLocation();
  useTitle(t('auth.prompt.signup'));
  const [f, setF] = useState({ handle: '', password: '', email: '', birthdate: '', country: '' });
  // null while loading: the country list and where each country's accounts live come from the server.
  const [regions, setRegions] = useState<Region[] | null>(null);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    api.regions().then(
      (r) => {
        const list = r.regions ?? [];
        setRegions(list);
        setF((prev) => (prev.country ? prev : { ...prev, country: guessCountry(list) }));
      },
      () => {
        setRegions([]);
        setError(t('signup.regionsFailed'));
      },
    );
  }, []);
  const list = useMemo(() => countryOptions(regions ?? []), [regions]);
  const set = (k: keyof typeof f) => (e: Event) => setF({ ...f, [k]: (e.target as HTMLInputElement).value });
  const region = regionOf(regions ?? [], f.country);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      const handle = f.handle.trim().replace(/^@/, '');
      await api.createAccount({ ...f, handle, email: f.email.trim() });
      await api.login({ handle, password: f.password });
      await loadMe(true);
      toast(t('signup.done', { handle }));
      navigate(nextPath(query), { replace: true });
    } catch (err) {
      setError(errorText(err));
      setBusy(false);
    }
  };
  const today = new Date().toISOString().slice(0, 10);
  const complete = f.handle.trim() && f.password && f.email.trim() && f.birthdate && f.country;
  return (
    <div class="page auth-page">
      <form class="auth-card" onSubmit={submit} data-testid="signup-form">
        <Link href="/" class="brand brand-center" aria-label={t('app.name')}>
          <span class="brand-mark" aria-hidden="true" />
          <span class="brand-name">Reelm</span>
        </Link>
        <h1>{t('signup.title')}</h1>
        <p class="muted center">{t('signup.subtitle')}</p>
        <div class="field">
          <label for="su-handle">{t('signup.handle')}</label>
          <input
            id="su-handle"
            name="handle"
            autoComplete="username"
            autoCapitalize="none"
            spellcheck={false}
            required
            minLength={3}
            maxLength={24}
            aria-describedby="su-handle-hint"
            value={f.handle}
            onInput={set('handle')}
          />
          <small id="su-handle-hint">{t('signup.handleHint')}</small>
        </div>
        <div class="field">
          <label for="su-password">{t('signup.password')}</label>
          <input
            id="su-password"
            name="password"
            type="password"
            autoComplete="new-password"
            required
            minLength={10}
            aria-describedby="su-password-hint"
            value={f.password}
            onInput={set('password')}
          />
          <small id="su-password-hint">{t('signup.passwordHint')}</small>
        </div>
        <div class="field">
          <label for="su-email">{t('signup.email')}</label>
          <input
            id="su-email"
            name="email"
            type="email"
            autoComplete="email"
            required
            value={f.email}
            onInput={set('email')}
          />
        </div>
        <div class="field-row">
          <div class="field">
            <label for="su-birthdate">{t('signup.birthdate')}</label>
            <input
              id="su-birthdate"
              name="birthdate"
              type="date"
              autoComplete="bday"
              required
              max={today}
              value={f.birthdate}
              onInput={set('birthdate')}
            />
          </div>
          <div class="field">
            <label for="su-country">{t('signup.country')}</label>
            <select
              id="su-country"
              name="country"
              autoComplete="country"
              required
              disabled={regions === null}
              value={f.country}
              onChange={set('country')}
            >
              <option value="">{regions === null ? t('common.loading') : t('signup.countryPick')}</option>
              {list.map((c) => (
                <option key={c.code} value={c.code}>
                  {c.name}
                </option>
              ))}
            </select>
          </div>
        </div>
        {region && (
          <div class="region-note" data-testid="signup-region" data-region={region.id} aria-live="polite">
            <IconGlobe size={20} />
            <div>
              <strong>{t('signup.region', { region: regionName(region.id) })}</strong>
              <p>{t('signup.regionHint')}</p>
            </div>
          </div>
        )}
        <FormError message={error} testid="form-error" />
        <button
          type="submit"
          class="btn btn-primary btn-block"
          disabled={busy || !complete}
          data-testid="signup-submit"
        >
          {busy ? t('common.loading') : t('signup.submit')}
        </button>
        <p class="auth-switch">
          {t('signup.haveAccount')}{' '}
          <Link href={`/login${location.search}`} replace>
            {t('signup.toLogin')}
          </Link>
        </p>
      </form>
    </div>
  );
}
