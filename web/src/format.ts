import { lang, t, type StringKey } from './i18n';

const compact = new Intl.NumberFormat(lang, { notation: 'compact', maximumFractionDigits: 1 });
const full = new Intl.NumberFormat(lang);

/** 1234 → "1.2K" (or "1234" in full for aria labels). */
export const fmtCount = (n: number | undefined): string => compact.format(n ?? 0);
export const fmtFull = (n: number | undefined): string => full.format(n ?? 0);

const rtf = new Intl.RelativeTimeFormat(lang, { numeric: 'auto', style: 'short' });

export function timeAgo(iso: string): string {
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) return '';
  const s = Math.round((t - Date.now()) / 1000);
  const a = Math.abs(s);
  if (a < 60) return rtf.format(Math.round(s), 'second');
  if (a < 3600) return rtf.format(Math.round(s / 60), 'minute');
  if (a < 86400) return rtf.format(Math.round(s / 3600), 'hour');
  if (a < 86400 * 7) return rtf.format(Math.round(s / 86400), 'day');
  if (a < 86400 * 60) return rtf.format(Math.round(s / 604800), 'week');
  return new Date(t).toLocaleDateString(lang, {
    day: 'numeric',
    month: 'short',
    year: a > 86400 * 300 ? 'numeric' : undefined,
  });
}

export function fmtDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const m = Math.floor(total / 60);
  const s = total % 60;
  return `${m}:${String(s).padStart(2, '0')}`;
}

export const reducedMotion = (): boolean => matchMedia('(prefers-reduced-motion: reduce)').matches;

/** A person-readable name for a region id; a deployment's own ids are shown as they are. */
export function regionName(id: string): string {
  const key = `region.${id}` as StringKey;
  const s = t(key);
  return s === key ? id.toUpperCase() : s;
}
