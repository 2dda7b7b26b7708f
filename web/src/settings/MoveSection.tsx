import { useEffect, useState } from 'preact/hooks';
import { api, type HomeMove, type Me, type Region } from '../api';
import { countryOptions, regionOf } from '../auth/countries';
import { regionName } from '../format';
import { t } from '../i18n';
import { errorText, meStore } from '../session';
import { FormError, TextField } from '../ui/misc';

/** The steps a move records (src/regions/home-move.ts; `freezing` is the copy's start), for its progress. */
const STEPS = ['queued', 'freezing', 'copied', 'media', 'verified', 'rerouted', 'shredded'];

/** "Move my data": a new country and the password start a home-region move; its progress is polled until it ends. */
export function MoveSection({ me }: { me: Me }) {
  const [regions, setRegions] = useState<Region[]>([]);
  const [country, setCountry] = useState('');
  const [password, setPassword] = useState('');
  const [move, setMove] = useState<HomeMove | null>(null);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    api.regions().then(
      (r) => setRegions(r.regions),
      () => undefined,
    );
    api.homeRegion().then(
      (h) => setMove(h.move),
      () => undefined,
    );
  }, []);

  // While a move runs, ask where it stands every second; when it is done the account's region changed.
  useEffect(() => {
    if (move?.status !== 'running') return;
    const timer = setTimeout(async () => {
      try {
        const h = await api.homeRegion();
        setMove(h.move);
        if (h.move?.status === 'done') meStore.set(await api.me());
      } catch {
        setMove({ ...move });
      }
    }, 1000);
    return () => clearTimeout(timer);
  }, [move]);

  const target = regionOf(regions, country);
  const start = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      setMove(await api.moveHomeRegion({ country, password }));
      setPassword('');
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  const running = move?.status === 'running';
  return (
    <section class="card" aria-labelledby="s-move" data-testid="settings-move">
      <h2 id="s-move">{t('move.title')}</h2>
      <p class="muted">{t('move.hint')}</p>
      {move && (
        <p role="status" data-testid="move-status" data-status={move.status}>
          {move.status === 'running'
            ? t('move.running', {
                region: regionName(move.to),
                step: Math.max(1, STEPS.indexOf(move.step) + 1),
                steps: STEPS.length,
              })
            : move.status === 'done'
              ? t('move.done', { region: regionName(move.to) })
              : t('move.failed', { region: regionName(move.from) })}
        </p>
      )}
      {running && <progress max={STEPS.length} value={STEPS.indexOf(move.step) + 1} aria-label={t('move.title')} />}
      {running && (
        <p class="muted" data-testid="move-frozen">
          {t('move.frozen')}
        </p>
      )}
      {!running && (
        <form onSubmit={start} data-testid="move-form">
          <div class="field">
            <label for="s-move-country">{t('move.country')}</label>
            <select
              id="s-move-country"
              name="country"
              required
              value={country}
              onChange={(e) => setCountry((e.target as HTMLSelectElement).value)}
            >
              <option value="" />
              {countryOptions(regions).map((c) => (
                <option key={c.code} value={c.code}>
                  {c.name}
                </option>
              ))}
            </select>
            {target && target.id !== me.region && (
              <p class="muted">{t('move.regionWillBe', { region: regionName(target.id) })}</p>
            )}
          </div>
          <TextField
            id="s-move-pw"
            label={t('move.password')}
            value={password}
            onValue={setPassword}
            name="password"
            type="password"
            autoComplete="current-password"
            required
          />
          <FormError message={error} />
          <button type="submit" class="btn btn-secondary" disabled={!country || !password || busy}>
            {t('move.start')}
          </button>
        </form>
      )}
    </section>
  );
}
