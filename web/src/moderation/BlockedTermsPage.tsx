import { useEffect, useState } from 'preact/hooks';
import { api, ApiError } from '../api';
import { regionName } from '../format';
import { t } from '../i18n';
import { navigate } from '../router';
import { errorText, toast, useMe } from '../session';
import { useTitle } from '../title';
import { Spinner } from '../ui/misc';
import { ModeratorsOnly, ModLayout } from './ModLayout';
import { isModerator, type Moderator } from './moderator';

const MAX_TERMS = 500;

const parse = (text: string) =>
  text
    .split('\n')
    .map((w) => w.trim())
    .filter(Boolean);

/** The regions whose terms a moderator keeps: their jurisdiction, or every region of the deployment for `global`. */
async function regionsOf(me: Moderator): Promise<string[]> {
  const { jurisdiction } = me.operator;
  if (jurisdiction !== 'global') return [jurisdiction];
  try {
    const ids = (await api.regions()).regions.map((r) => r.id);
    // Their own region first: the one a global moderator most likely came for.
    return ids.includes(me.region) ? [me.region, ...ids.filter((id) => id !== me.region)] : ids;
  } catch {
    return [me.region];
  }
}

/** /moderation/blocked-terms — a region's blocked terms, one per line. */
export function BlockedTermsPage() {
  const me = useMe();
  useTitle(t('mod.blockedTerms'));
  const [regions, setRegions] = useState<string[]>([]);
  const [region, setRegion] = useState('');
  const [saved, setSaved] = useState<string[] | null>(null);
  const [text, setText] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (me === null) navigate('/login?next=/moderation/blocked-terms', { replace: true });
    if (!isModerator(me)) return;
    let live = true;
    void regionsOf(me).then((ids) => {
      if (!live) return;
      setRegions(ids);
      setRegion((r) => (ids.includes(r) ? r : (ids[0] ?? '')));
    });
    return () => {
      live = false;
    };
  }, [me?.id, me?.operator?.jurisdiction]);
  useEffect(() => {
    if (!region) return;
    setSaved(null);
    setError(null);
    api.blockedTerms(region).then((b) => {
      setSaved(b.terms);
      setText(b.terms.join('\n'));
    }, setError);
  }, [region]);

  if (!me) return <Spinner />;
  if (!isModerator(me) || (error instanceof ApiError && error.code === 'moderation.not_moderator'))
    return <ModeratorsOnly />;
  const terms = parse(text);
  const dirty = saved !== null && terms.join('\n') !== saved.join('\n');
  const save = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api.setBlockedTerms(region, terms);
      // The server keeps its own form of the list (trimmed, without duplicates, sorted): show that one.
      const b = await api.blockedTerms(region);
      setSaved(b.terms);
      setText(b.terms.join('\n'));
      toast(t('settings.saved'));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <ModLayout>
      <form class="card" onSubmit={save} data-testid="blocked-terms">
        <div class="field">
          <label for="bt-region">{t('terms.region')}</label>
          <select
            id="bt-region"
            name="region"
            value={region}
            disabled={regions.length < 2}
            onChange={(e) => setRegion((e.target as HTMLSelectElement).value)}
          >
            {regions.map((id) => (
              <option key={id} value={id}>
                {regionName(id)}
              </option>
            ))}
          </select>
        </div>
        <p class="muted small">{t('terms.hint')}</p>
        <div class="field">
          <label for="bt-terms">{t('terms.label')}</label>
          <textarea
            id="bt-terms"
            name="terms"
            rows={10}
            disabled={saved === null}
            value={text}
            data-testid="blocked-terms-text"
            onInput={(e) => setText((e.target as HTMLTextAreaElement).value)}
          />
          <small class={`counter ${terms.length > MAX_TERMS ? 'over' : ''}`}>
            {t('terms.count', { n: terms.length, max: MAX_TERMS })}
          </small>
        </div>
        {error ? (
          <p class="form-error" role="alert">
            {errorText(error)}
          </p>
        ) : null}
        <button type="submit" class="btn btn-primary" disabled={!dirty || busy} data-testid="blocked-terms-save">
          {t('settings.save')}
        </button>
      </form>
    </ModLayout>
  );
}
