import { useState } from 'preact/hooks';
import { api, type PublicUser } from '../api';
import { t } from '../i18n';
import { requireAuth, toastError } from '../session';

/** Follow / Following / Requested for a profile. A private account turns a follow into a request. */
export function FollowButton({ user, onChange }: { user: PublicUser; onChange: (u: PublicUser) => void }) {
  const [busy, setBusy] = useState(false);
  const v = user.viewer;
  if (v?.self) return null;
  const following = !!v?.following;
  const requested = !!v?.requested;
  const toggle = async () => {
    if (!requireAuth('follow')) return;
    const on = !(following || requested);
    setBusy(true);
    const prev = user;
    onChange({
      ...user,
      viewer: {
        ...(v ?? { blocked: false, muted: false, self: false }),
        following: on && !user.private,
        requested: on && user.private,
      },
      stats: { ...user.stats, followers: user.stats.followers + (on && !user.private ? 1 : following ? -1 : 0) },
    });
    try {
      await api.follow(user.handle, on);
      // A public account's follow is a follow, and the optimistic state is right. A private account's may have been
      // approved before (or turned into a request): its profile's `viewer` says which.
      if (user.private) {
        const fresh = await api.user(user.handle).catch(() => null);
        if (fresh) onChange(fresh);
      }
    } catch (e) {
      onChange(prev);
      toastError(e);
    } finally {
      setBusy(false);
    }
  };
  const label = following ? t('follow.following') : requested ? t('follow.requested') : t('follow.follow');
  return (
    <button
      type="button"
      class={`btn ${following || requested ? 'btn-secondary' : 'btn-primary'} btn-follow`}
      data-testid="follow-button"
      aria-pressed={following || requested}
      disabled={busy}
      onClick={toggle}
    >
      {label}
    </button>
  );
}
