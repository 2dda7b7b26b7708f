/** Every ISO 3166-1 alpha-2 code (officially assigned), so config can be checked for completeness. */
export const ISO_COUNTRIES: readonly string[] = (
  'AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ ' +
  'CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR ' +
  'GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP ' +
  'KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT ' +
  'MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW ' +
  'SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG ' +
  'UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW'
).split(' ');

/** The EU's 27 members plus the EEA states that apply the GDPR. */
const EU_EEA = 'AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE IS LI NO'.split(' ');

/**
 * Default country → region map: US persons (including the US territories, which US law covers) in `us`,
 * the EU/EEA in `eu`, Australia (and its external territories) in `au`, New Zealand (and its realm) in `nz`,
 * everyone else in `row`.
 */
export function defaultCountryMap(): Record<string, string> {
  const map: Record<string, string> = {};
  for (const c of ISO_COUNTRIES) map[c] = 'row';
  for (const c of ['US', 'PR', 'GU', 'VI', 'AS', 'MP', 'UM']) map[c] = 'us';
  for (const c of EU_EEA) map[c] = 'eu';
  for (const c of ['AU', 'CX', 'CC', 'NF', 'HM']) map[c] = 'au';
  for (const c of ['NZ', 'CK', 'NU', 'TK']) map[c] = 'nz';
  return map;
}
