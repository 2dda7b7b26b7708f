import Negotiator from 'negotiator';
import { LANGUAGES, type Language } from './accounts.schema.js';

/**
 * The app language a browser's `Accept-Language` header asks for (negotiated by `negotiator`: the highest quality
 * wins, `de-AT` is German). Undefined when it names none the app speaks — a bare `*` included — so the account keeps
 * following the browser.
 */
export function languageFromHeader(header: string | undefined): Language | undefined {
  // A wildcard says "anything", not which language: it must not pick the first the app happens to list.
  const named = (header ?? '')
    .split(',')
    .filter((part) => !['', '*'].includes(part.split(';')[0]!.trim()))
    .join(',');
  if (!named) return undefined;
  return new Negotiator({ headers: { 'accept-language': named } }).language([...LANGUAGES]) as Language | undefined;
}
