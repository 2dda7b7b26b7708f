import { api, ApiError, type Me } from './api';
import { followLanguage, t, type StringKey } from './i18n';
import { createStore, useStore } from './store';

/** The logged-in account: undefined while we ask, null for a visitor. */
export const meStore = createStore<Me | null | undefined>(undefined);
export const useMe = () => useStore(meStore);

let mePromise: Promise<Me | null> | null = null;

/**
 * Asks who is signed in. When their account speaks another language than the page, `onLanguage` runs (by default the
 * page reloads in it; a login goes on to its next screen as a fresh page instead).
 */
export function loadMe(force = false, onLanguage: () => void = () => location.reload()): Promise<Me | null> {
  if (mePromise && !force) return mePromise;
  mePromise = api.me().then(
    (me) => {
      meStore.set(me);
      if (me && followLanguage(me.language)) onLanguage();
      return me;
    },
    () => {
      // 401 means a visitor; on any other failure the app still works read-only, as for a visitor.
      meStore.set(null);
      return null;
    },
  );
  return mePromise;
}

export type AuthReason = 'like' | 'comment' | 'follow' | 'upload' | 'report' | 'generic';
/** When set, the "join Reelm" sheet is shown with this reason. */
export const authPromptStore = createStore<AuthReason | null>(null);

/** True if someone is logged in; otherwise asks the visitor to sign up and returns false. */
export function requireAuth(reason: AuthReason): boolean {
  if (meStore.get()) return true;
  authPromptStore.set(reason);
  return false;
}

// ---------------------------------------------------------------- toasts

export interface Toast {
  id: number;
  text: string;
}
export const toastStore = createStore<Toast[]>([]);
let toastId = 0;
export function toast(text: string, ms = 2600): void {
  const id = ++toastId;
  toastStore.set((l) => [...l.slice(-2), { id, text }]);
  setTimeout(() => toastStore.set((l) => l.filter((x) => x.id !== id)), ms);
}

/** A message for a person from any error (the server's own message when it gave one). */
export function errorText(e: unknown): string {
  if (e instanceof ApiError) {
    if (e.status === 0) return t('error.network');
    if (e.message) return e.message;
    if (e.status === 404) return t('error.notFound');
  }
  return t('error.generic');
}

export const toastError = (e: unknown) => toast(errorText(e));

/** The text for an auth-prompt reason. */
export const authReasonText = (r: AuthReason): string => t(`auth.prompt.${r}` as StringKey);
