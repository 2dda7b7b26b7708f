import type { Target } from '../api';
import { requireAuth } from '../session';
import { createStore } from '../store';

/** What the report sheet is open for (null: closed). One sheet for the whole app, as for the auth prompt. */
export const reportStore = createStore<Target | null>(null);

/** Opens the report sheet for a target; a visitor is asked to sign up instead. */
export function openReport(target: Target): void {
  if (requireAuth('report')) reportStore.set(target);
}
