import { useState } from 'preact/hooks';
import { api, type Me } from '../api';
import { t } from '../i18n';
import { meStore, toast, toastError } from '../session';
import { Avatar } from '../ui/Avatar';

/** Upload or remove your profile picture; the server re-encodes it and strips its metadata. */
export function AvatarSection({ me }: { me: Me }) {
  const [busy, setBusy] = useState(false);
  const act = async (what: () => Promise<string | null>, done: Parameters<typeof t>[0]) => {
    setBusy(true);
    try {
      const avatarUrl = await what();
      meStore.set({ ...me, avatarUrl });
      toast(t(done));
    } catch (e) {
      toastError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="card" aria-labelledby="s-avatar">
      <h2 id="s-avatar">{t('settings.avatar')}</h2>
      <div class="avatar-row">
        <Avatar user={me} size={72} />
        <div class="avatar-actions">
          <label class="btn btn-secondary">
            {t('settings.avatarUpload')}
            <input
              type="file"
              class="sr-only"
              accept="image/jpeg,image/png,image/webp"
              data-testid="avatar-file"
              disabled={busy}
              onChange={(e) => {
                const input = e.target as HTMLInputElement;
                const file = input.files?.[0];
                input.value = '';
                if (file) void act(async () => (await api.setAvatar(file)).avatarUrl, 'settings.avatarSaved');
              }}
            />
          </label>
          {me.avatarUrl && (
            <button
              type="button"
              class="btn btn-secondary"
              data-testid="avatar-remove"
              disabled={busy}
              onClick={() =>
                act(async () => {
                  await api.removeAvatar();
                  return null;
                }, 'settings.avatarRemoved')
              }
            >
              {t('settings.avatarRemove')}
            </button>
          )}
        </div>
      </div>
      <p class="muted">{t('settings.avatarHint')}</p>
    </section>
  );
}
