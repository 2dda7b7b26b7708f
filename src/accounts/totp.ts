import { createHash, randomBytes } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';

/**
 * RFC 6238 codes as every authenticator app makes them by default: SHA-1, 6 digits, 30 s steps. A pure leaf
 * (imports nothing of Reelm); the otpauth library does the HOTP arithmetic.
 */
export const TOTP_ISSUER = 'Reelm';
export const TOTP_PERIOD_S = 30;
const DIGITS = 6;
/** How many steps either side of now a code is accepted for (clock drift, typing time). */
const WINDOW = 1;

function totp(secretBase32: string, label = ''): TOTP {
  return new TOTP({
    issuer: TOTP_ISSUER,
    label,
    algorithm: 'SHA1',
    digits: DIGITS,
    period: TOTP_PERIOD_S,
    secret: Secret.fromBase32(secretBase32),
  });
}

/** A new 160-bit secret in base32 (what people type in when they cannot scan the code). */
export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

export function totpUrl(secretBase32: string, label: string): string {
  return totp(secretBase32, label).toString();
}

/** The time step a code is good for (now ± one step), or undefined. The caller refuses steps already used. */
export function totpStep(secretBase32: string, code: string, at: Date): number | undefined {
  if (!/^\d{6}$/.test(code)) return undefined;
  const delta = totp(secretBase32).validate({ token: code, timestamp: at.getTime(), window: WINDOW });
  return delta === null ? undefined : Math.floor(at.getTime() / 1000 / TOTP_PERIOD_S) + delta;
}

const RECOVERY_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';

/** Ten one-time recovery codes, `xxxx-xxxx-xxxx-xxxx` (about 79 random bits each, so a plain hash is enough). */
export function newRecoveryCodes(count = 10): string[] {
  return Array.from({ length: count }, () => {
    const bytes = randomBytes(16);
    const chars = [...bytes].map((b) => RECOVERY_ALPHABET[b % RECOVERY_ALPHABET.length]).join('');
    return chars.match(/.{4}/g)!.join('-');
  });
}

/** Recovery codes are compared without case, spaces or dashes. */
export function recoveryCodeHash(code: string): string {
  return createHash('sha256').update(code.toLowerCase().replace(/[\s-]/g, '')).digest('hex');
}
