import { useEffect, useRef, useState } from 'preact/hooks';
import { api, type ExportJob, type Me, type WhoCanComment } from '../api';
import { regionName } from '../format';
import { followLanguage, lang, LANGS, t, type Lang } from '../i18n';
import { Link, navigate } from '../router';
import { errorText, meStore, toast, toastError, useMe } from '../session';
import { isModerator } from '../moderation/moderator';
import { IconGlobe, IconShield } from '../ui/icons';
import { FormError, PageHeader, Spinner } from '../ui/misc';
import { useTitle } from '../title';
import { AvatarSection } from './AvatarSection';
import { EmailFacts, EmailSection, EmailVerificationHint, PasswordSection } from './SecuritySections';
import { SessionsSection, TotpSection } from './SessionSections';
import { MoveSection } from './MoveSection';

function ProfileSection({ me }: { me: Me }) {
  const [displayName, setDisplayName] = useState(me.displayName);
  const [bio, setBio] = useState(me.bio);
  const [busy, setBusy] = useState(false);
  const dirty = displayName !== me.displayName || bio !== me.bio;
  const save = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    try {
      const next = await api.updateMe({ displayName: displayName.trim(), bio: bio.trim() });
      meStore.set(next);
      toast(t('settings.saved'));
    } catch (err) {
      toastError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="card" aria-labelledby="s-profile">
      <h2 id="s-profile">{t('settings.profile')}</h2>
      <form onSubmit={save} data-testid="settings-profile">
        <div class="field">
          <label for="s-name">{t('settings.displayName')}</label>
          <input
            id="s-name"
            name="displayName"
            maxLength={50}
            value={displayName}
            onInput={(e) => setDisplayName((e.target as HTMLInputElement).value)}
          />
        </div>
        <div class="field">
          <label for="s-bio">{t('settings.bio')}</label>
          <textarea
            id="s-bio"
            name="bio"
            rows={3}
            maxLength={160}
            value={bio}
            onInput={(e) => setBio((e.target as HTMLTextAreaElement).value)}
          />
          <small>{bio.length}/160</small>
        </div>
        <button type="submit" class="btn btn-primary" disabled={!dirty || busy}>
          {t('settings.save')}
        </button>
      </form>
    </section>
  );
}

function PrivacySection({ me }: { me: Me }) {
  const update = async (patch: Partial<Me['privacy']>) => {
    const prev = me;
    meStore.set({ ...me, privacy: { ...me.privacy, ...patch } });
    try {
      const privacy = await api.updatePrivacy(patch);
      meStore.set({ ...(meStore.get() ?? me), privacy });
      toast(t('settings.saved'));
    } catch (e) {
      meStore.set(prev);
      toastError(e);
    }
  };
  const opts: [WhoCanComment, string][] = [
    ['everyone', t('settings.everyone')],
    ['followers', t('settings.followers')],
    ['no_one', t('settings.noOne')],
  ];
  return (
    <section class="card" aria-labelledby="s-privacy">
      <h2 id="s-privacy">{t('settings.privacy')}</h2>
      <label class="switch-row">
        <span>
          <strong>{t('settings.private')}</strong>
          <small>{t('settings.privateHint')}</small>
        </span>
        <input
          type="checkbox"
          role="switch"
          name="privateAccount"
          class="switch"
          checked={me.privacy.privateAccount}
          onChange={(e) => update({ privateAccount: (e.target as HTMLInputElement).checked })}
        />
      </label>
      <div class="field">
        <label for="s-comment">{t('settings.whoCanComment')}</label>
        <select
          id="s-comment"
          name="whoCanComment"
          value={me.privacy.whoCanComment}
          onChange={(e) => update({ whoCanComment: (e.target as HTMLSelectElement).value as WhoCanComment })}
        >
          {opts.map(([v, l]) => (
            <option key={v} value={v}>
              {l}
            </option>
          ))}
        </select>
      </div>
    </section>
  );
}

function LanguageSection({ me }: { me: Me }) {
  const change = async (value: string) => {
    const language = value === '' ? null : (value as Lang);
    try {
      const next = await api.updateMe({ language });
      meStore.set(next);
      if (followLanguage(next.language)) location.reload();
    } catch (e) {
      toastError(e);
    }
  };
  return (
    <section class="card" aria-labelledby="s-language">
      <h2 id="s-language">{t('settings.language')}</h2>
      <div class="field">
        <label for="s-lang">{t('settings.languageLabel')}</label>
        <select
          id="s-lang"
          name="language"
          data-testid="settings-language"
          value={me.language ?? ''}
          onChange={(e) => void change((e.target as HTMLSelectElement).value)}
        >
          <option value="">{t('settings.languageBrowser')}</option>
          {LANGS.map((l) => (
            <option key={l} value={l}>
              {LANGUAGE_NAMES[l]}
            </option>
          ))}
        </select>
      </div>
    </section>
  );
}

/** Each language named in itself, so a reader of either finds their own. */
const LANGUAGE_NAMES: Record<Lang, string> = { en: 'English', de: 'Deutsch' };

/** Muted words: one per line; clips they match stay out of the feeds, discovery and search. */
function MutedWordsSection() {
  const [saved, setSaved] = useState<string[] | null>(null);
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    api.mutedWords().then(
      ({ words }) => {
        setSaved(words);
        setText(words.join('\n'));
      },
      (e: unknown) => toastError(e),
    );
  }, []);
  const words = text
    .split('\n')
    .map((w) => w.trim())
    .filter(Boolean);
  const dirty = saved !== null && words.join('\n') !== saved.join('\n');
  const save = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    try {
      const res = await api.setMutedWords(words);
      setSaved(res.words);
      setText(res.words.join('\n'));
      toast(t('settings.saved'));
    } catch (err) {
      toastError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="card" aria-labelledby="s-muted">
      <h2 id="s-muted">{t('settings.mutedWords')}</h2>
      <form onSubmit={save} data-testid="settings-muted-words">
        <div class="field">
          <label for="s-muted-words">{t('settings.mutedWordsLabel')}</label>
          <textarea
            id="s-muted-words"
            name="mutedWords"
            rows={4}
            disabled={saved === null}
            value={text}
            placeholder={t('settings.mutedWordsPlaceholder')}
            onInput={(e) => setText((e.target as HTMLTextAreaElement).value)}
          />
          <small>{t('settings.mutedWordsHint', { n: words.length, max: 200 })}</small>
        </div>
        <button type="submit" class="btn btn-primary" disabled={!dirty || busy}>
          {t('settings.save')}
        </button>
      </form>
    </section>
  );
}

function RegionSection({ me }: { me: Me }) {
  let country = me.country;
  try {
    country = new Intl.DisplayNames([lang], { type: 'region' }).of(me.country) ?? me.country;
  } catch {
    /* keep the code */
  }
  return (
    <section class="card" aria-labelledby="s-region" data-testid="settings-region">
      <h2 id="s-region">{t('settings.region')}</h2>
      <div class="region-note">
        <IconGlobe size={22} />
        <div>
          <strong>{t('settings.regionIs', { region: regionName(me.region) })}</strong>
          <p>{t('settings.regionMeans')}</p>
          <p class="muted">{t('settings.regionFromCountry', { country })}</p>
        </div>
      </div>
    </section>
  );
}

/** Where the account stands with moderation (and, for moderators, the console). */
function StatusSection({ me }: { me: Me }) {
  return (
    <section class="card" aria-labelledby="s-status">
      <h2 id="s-status">{t('status.title')}</h2>
      <p class="muted">{t('status.hint')}</p>
      <div class="btn-row">
        <Link href="/account-status" class="btn btn-secondary" data-testid="settings-account-status">
          {t('status.title')}
        </Link>
        {isModerator(me) && (
          <Link href="/moderation" class="btn btn-secondary" data-testid="settings-moderation">
            <IconShield size={18} /> {t('nav.moderation')}
          </Link>
        )}
      </div>
    </section>
  );
}

function ExportSection() {
  const [job, setJob] = useState<ExportJob | null>(null);
  const [error, setError] = useState('');
  const timer = useRef<number | undefined>(undefined);
  useEffect(() => () => clearTimeout(timer.current), []);
  const poll = (id: string, delay: number) => {
    timer.current = window.setTimeout(async () => {
      try {
        const j = await api.exportJob(id);
        setJob(j);
        if (j.url) return;
        if (j.status === 'failed' || j.status === 'expired') {
          setError(t('settings.exportFailed'));
          return;
        }
        poll(id, Math.min(delay * 1.5, 5000));
      } catch (e) {
        setError(errorText(e));
      }
    }, delay);
  };
  const start = async () => {
    setError('');
    try {
      const j = await api.startExport();
      setJob(j);
      poll(j.id, 1000);
    } catch (e) {
      setError(errorText(e));
    }
  };
  const working = job && !job.url && !error;
  return (
    <section class="card" aria-labelledby="s-export">
      <h2 id="s-export">{t('settings.export')}</h2>
      <p class="muted">{t('settings.exportHint')}</p>
      <div aria-live="polite" data-testid="export-status">
        {job?.url ? (
          <div class="export-ready">
            <p>{t('settings.exportReady')}</p>
            <a class="btn btn-primary" href={job.url} download data-testid="export-download">
              {t('settings.exportDownload')}
            </a>
            {job.expiresAt && (
              <p class="muted small">
                {t('settings.exportExpires', { date: new Date(job.expiresAt).toLocaleString(lang) })}
              </p>
            )}
          </div>
        ) : working ? (
          <p class="working">
            <span class="spinner small" aria-hidden="true" /> {t('settings.exportWorking')}
          </p>
        ) : (
          <button type="button" class="btn btn-secondary" onClick={start} data-testid="export-start">
            {t('settings.exportStart')}
          </button>
        )}
        <FormError message={error} />
      </div>
    </section>
  );
}

function AccountSection({ me }: { me: Me }) {
  const [password, setPassword] = useState('');
  const [open, setOpen] = useState(false);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const logout = async () => {
    try {
      await api.logout();
    } catch {
      /* the cookie is gone either way for this tab */
    }
    meStore.set(null);
    toast(t('settings.loggedOut'));
    navigate('/', { replace: true });
  };
  const del = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      const r = await api.deleteAccount(password);
      meStore.set(null);
      toast(t('settings.deleted', { date: new Date(r.deleteAfter).toLocaleDateString(lang) }), 8000);
      navigate('/', { replace: true });
    } catch (err) {
      setError(errorText(err));
      setBusy(false);
    }
  };
  return (
    <section class="card" aria-labelledby="s-account">
      <h2 id="s-account">{t('settings.account')}</h2>
      <dl class="facts">
        <dt>{t('settings.handle')}</dt>
        <dd>
          <Link href={`/@${me.handle}`}>@{me.handle}</Link>
        </dd>
        <EmailFacts me={me} />
      </dl>
      <EmailSection />
      <button type="button" class="btn btn-secondary" onClick={logout} data-testid="logout">
        {t('settings.logout')}
      </button>
      <div class="danger">
        {!open ? (
          <button type="button" class="btn btn-danger-outline" onClick={() => setOpen(true)}>
            {t('settings.delete')}
          </button>
        ) : (
          <form onSubmit={del} data-testid="delete-account">
            <h3>{t('settings.delete')}</h3>
            <p class="muted">{t('settings.deleteHint')}</p>
            <div class="field">
              <label for="s-del-pw">{t('settings.deletePassword')}</label>
              <input
                id="s-del-pw"
                name="password"
                type="password"
                autoComplete="current-password"
                required
                value={password}
                onInput={(e) => setPassword((e.target as HTMLInputElement).value)}
              />
            </div>
            <FormError message={error} />
            <div class="btn-row">
              <button type="button" class="btn btn-secondary" onClick={() => setOpen(false)}>
                {t('common.cancel')}
              </button>
              <button type="submit" class="btn btn-danger" disabled={!password || busy}>
                {t('settings.deleteConfirm')}
              </button>
            </div>
          </form>
        )}
      </div>
    </section>
  );
}

/**
 * /settings — profile, privacy, muted words, language, home region, account status, data export, password, sessions,
 * two-step sign-in, the address (and changing it), log out and account
 * deletion.
 */
export function SettingsPage() {
  const me = useMe();
  useTitle(t('nav.settings'));
  useEffect(() => {
    if (me === null) navigate('/login?next=/settings', { replace: true });
  }, [me]);
  if (!me) return <Spinner />;
  return (
    <div class="page settings">
      <PageHeader title={t('settings.title')} fallback={`/@${me.handle}`} />
      <EmailVerificationHint me={me} />
      <AvatarSection me={me} />
      <ProfileSection me={me} />
      <PrivacySection me={me} />
      <MutedWordsSection />
      <LanguageSection me={me} />
      <RegionSection me={me} />
      <MoveSection me={me} />
      <StatusSection me={me} />
      <ExportSection />
      <PasswordSection />
      <SessionsSection />
      <TotpSection />
      <AccountSection me={me} />
    </div>
  );
}
