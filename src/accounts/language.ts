import { LANGUAGES, type Language } from './accounts.schema.js';

/**
 * The app language a browser's `Accept-Language` header asks for: the supported language with the highest
 * quality, matched on the primary subtag (`de-AT` is German). Undefined when it names none the app speaks, so
 * the account keeps following the browser.
 */
export function languageFromHeader(header: string | undefined): Language | undefined {
  if (!header) return undefined;
  let best: { language: Language; q: number } | undefined;
  for (const part of header.split(',')) {
    const [range = '', ...params] = part.trim().split(';');
    const q = Number(params.map((p) => /^\s*q=([\d.]+)\s*$/i.exec(p)?.[1]).find((v) => v !== undefined) ?? 1);
    const primary = range.trim().toLowerCase().split('-')[0] as Language;
    if (!(LANGUAGES as readonly string[]).includes(primary) || !(q > 0)) continue;
    // The first of equal quality wins, as the header lists its preferences in order.
    if (!best || q > best.q) best = { language: primary, q };
  }
  return best?.language;
}
