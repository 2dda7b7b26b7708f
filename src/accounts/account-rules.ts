import { cleanText } from '../clean-text.js';
import { ForbiddenError, InvalidInputError } from '../errors.js';
import { ISO_COUNTRIES } from '../regions/countries.js';
import { MIN_SCORE, passwordStrength } from './password-strength.js';

export const HANDLE_PATTERN = /^[a-z0-9_.]{3,24}$/;
export const MIN_PASSWORD = 10;
export const MAX_PASSWORD = 256;
export const MAX_DISPLAY_NAME = 50;
export const MAX_BIO = 160;

export function normalizeHandle(raw: string): string {
  const handle = raw.trim().replace(/^@/, '').toLowerCase();
  // "...", "___" and the like are not names anyone can tell apart.
  if (!HANDLE_PATTERN.test(handle) || !/[a-z0-9]/.test(handle)) {
    throw new InvalidInputError(
      'account.handle_invalid',
      'A handle has 3 to 24 characters: lowercase letters, digits, "_" and ".", with at least one letter or digit.',
    );
  }
  return handle;
}

/**
 * Length limits, then zxcvbn-ts (score ≥ 3) with the handle and any other of the account's own words counted as
 * known to an attacker; the refusal carries zxcvbn's reason for the form to show.
 */
export function checkPassword(password: string, handle: string, ownWords: string[] = []): void {
  if (password.length < MIN_PASSWORD)
    throw new InvalidInputError('account.password_weak', `Use a password of at least ${MIN_PASSWORD} characters.`);
  if (password.length > MAX_PASSWORD)
    throw new InvalidInputError('account.password_too_long', `A password has at most ${MAX_PASSWORD} characters.`);
  const { score, reason } = passwordStrength(password, [handle, ...ownWords]);
  if (score < MIN_SCORE || password.toLowerCase().includes(handle)) {
    throw new InvalidInputError(
      'account.password_weak',
      `This password is too easy to guess.${reason ? ` ${reason}` : ' Add more words that are less common.'}`,
      { score, reason },
    );
  }
}

export function checkEmail(raw: string): string {
  const email = raw.trim();
  if (email.length > 254 || !/^[^\s@]+@[^\s@]+\.[^\s@]{2,}$/.test(email)) {
    throw new InvalidInputError('account.email_invalid', 'Enter a valid email address.');
  }
  return email;
}

/** Age in whole years on `today` (UTC). */
export function ageOn(birthdate: string, today: Date): number {
  const [y, m, d] = birthdate.split('-').map(Number) as [number, number, number];
  let age = today.getUTCFullYear() - y;
  if (today.getUTCMonth() + 1 < m || (today.getUTCMonth() + 1 === m && today.getUTCDate() < d)) age--;
  return age;
}

export function checkBirthdate(raw: string, today: Date, minAge: number): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(raw);
  const date = match ? new Date(`${raw}T00:00:00Z`) : undefined;
  if (!match || !date || Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== raw) {
    throw new InvalidInputError('account.birthdate_invalid', 'Enter your birthdate as YYYY-MM-DD.');
  }
  const age = ageOn(raw, today);
  if (age < 0 || age > 130) throw new InvalidInputError('account.birthdate_invalid', 'Enter your real birthdate.');
  if (age < minAge)
    throw new InvalidInputError('account.under_age', `You must be at least ${minAge} years old to use Reelm.`);
  return raw;
}

export function checkCountry(raw: string): string {
  const country = raw.trim().toUpperCase();
  if (!ISO_COUNTRIES.includes(country)) {
    throw new InvalidInputError(
      'account.country_unknown',
      `"${raw}" is not a country code we know (use ISO 3166-1 alpha-2, e.g. US, DE, AU).`,
    );
  }
  return country;
}

export function checkDisplayName(raw: string): string {
  const name = cleanText(raw, { multiline: false });
  if (name.length > MAX_DISPLAY_NAME)
    throw new InvalidInputError(
      'profile.display_name_too_long',
      `A display name has at most ${MAX_DISPLAY_NAME} characters.`,
    );
  return name;
}

export function checkBio(raw: string): string {
  const bio = cleanText(raw, { multiline: true });
  if (bio.length > MAX_BIO)
    throw new InvalidInputError('profile.bio_too_long', `A bio has at most ${MAX_BIO} characters.`);
  return bio;
}

/** When a suspension still runs, its end; null when the account is not (or no longer) suspended. */
export function suspendedUntil(until: string | null | undefined, now: Date): string | null {
  return until && until > now.toISOString() ? until : null;
}

/**
 * A suspended account may sign in and read, not post or comment: every way of publishing asks this first.
 * `until` is the principal's suspension (read with the session).
 */
export function requireMayPost(principal: { suspendedUntil?: string | null }, now: Date): void {
  const until = suspendedUntil(principal.suspendedUntil, now);
  if (until)
    throw new ForbiddenError(
      'account.suspended',
      `Your account is suspended until ${until.slice(0, 16).replace('T', ' ')} UTC: you can watch, not post or comment.`,
    );
}
