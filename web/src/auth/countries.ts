import { lang } from '../i18n';

/** Every ISO 3166-1 alpha-2 code; names come from the browser (Intl.DisplayNames) in the UI language. */
const CODES = (
  'AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ ' +
  'CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR ' +
  'GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP ' +
  'KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT ' +
  'MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW ' +
  'SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG ' +
  'UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW'
).split(' ');

export function countries(): { code: string; name: string }[] {
  let names: Intl.DisplayNames | null = null;
  try {
    names = new Intl.DisplayNames([lang], { type: 'region' });
  } catch {
    names = null;
  }
  return CODES.map((code) => ({ code, name: names?.of(code) ?? code })).sort((a, b) => a.name.localeCompare(b.name, lang));
}

/** The visitor's likely country from the browser language (de-AT → AT), if any. */
export function guessCountry(): string {
  for (const l of navigator.languages ?? [navigator.language]) {
    const m = /-([A-Za-z]{2})\b/.exec(l ?? '');
    if (m && CODES.includes(m[1]!.toUpperCase())) return m[1]!.toUpperCase();
  }
  return '';
}

const EU_EEA = 'AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE IS LI NO'.split(' ');

/**
 * Which region a country's accounts usually live in — mirrors the server's default country map. The server's
 * answer (`region` from POST /accounts) is authoritative; this is only the preview shown while signing up.
 */
export function likelyRegion(country: string): string {
  if (!country) return '';
  if (['US', 'PR', 'GU', 'VI', 'AS', 'MP', 'UM'].includes(country)) return 'us';
  if (EU_EEA.includes(country)) return 'eu';
  if (['AU', 'CX', 'CC', 'NF', 'HM'].includes(country)) return 'au';
  if (['NZ', 'CK', 'NU', 'TK'].includes(country)) return 'nz';
  return 'row';
}
