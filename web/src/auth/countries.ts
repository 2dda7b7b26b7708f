import type { Region } from '../api';
import { lang } from '../i18n';

/**
 * The countries the server accepts, from GET /regions (each region lists the countries it serves), with names
 * from the browser (Intl.DisplayNames) in the UI language. The server's map is the only copy: a deployment
 * that moves a country to another region, or carves a region out, is shown as it is.
 */
export function countryOptions(regions: Region[]): { code: string; name: string }[] {
  let names: Intl.DisplayNames | null = null;
  try {
    names = new Intl.DisplayNames([lang], { type: 'region' });
  } catch {
    names = null;
  }
  const codes = new Set(regions.flatMap((r) => r.countries ?? []));
  return [...codes]
    .map((code) => ({ code, name: names?.of(code) ?? code }))
    .sort((a, b) => a.name.localeCompare(b.name, lang));
}

/** The region whose cell will hold an account from this country. */
export function regionOf(regions: Region[], country: string): Region | undefined {
  return country ? regions.find((r) => r.countries?.includes(country)) : undefined;
}

/** The visitor's likely country from the browser language (de-AT → AT), if the deployment serves it. */
export function guessCountry(regions: Region[]): string {
  for (const l of navigator.languages ?? [navigator.language]) {
    const m = /-([A-Za-z]{2})\b/.exec(l ?? '');
    const code = m?.[1]?.toUpperCase();
    if (code && regionOf(regions, code)) return code;
  }
  return '';
}
