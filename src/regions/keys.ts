import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const VERSION = 'v1';

export class KeyError extends Error {
  override name = 'KeyError';
}

/** AES-256-GCM: `v1.<base64url(iv | tag | ciphertext)>`. `aad` binds a ciphertext to its owner and field. */
export function seal(key: Buffer, plaintext: Buffer, aad: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad));
  const ct = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return `${VERSION}.${Buffer.concat([iv, cipher.getAuthTag(), ct]).toString('base64url')}`;
}

export function open(key: Buffer, sealed: string, aad: string): Buffer {
  const [version, body] = sealed.split('.');
  if (version !== VERSION || !body) throw new KeyError('unknown ciphertext format');
  const raw = Buffer.from(body, 'base64url');
  const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES));
  decipher.setAAD(Buffer.from(aad));
  decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
  return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
}

export function parseKey(base64: string, what: string): Buffer {
  const key = Buffer.from(base64.trim(), 'base64');
  if (key.length !== KEY_BYTES)
    throw new KeyError(`${what} must be ${KEY_BYTES} bytes in base64, got ${key.length} bytes`);
  return key;
}

export function generateKeyBase64(): string {
  return randomBytes(KEY_BYTES).toString('base64');
}

/**
 * A region's key-encryption key. In embedded mode it is generated on first start into
 * `<dataDir>/keys/<region>.kek` (mode 0600); otherwise it comes from `REELM_KEK_<REGION>` or `_FILE`.
 */
export function loadOrCreateKek(dataDir: string, region: string, given: string | undefined): Buffer {
  if (given) return parseKey(given, `the key-encryption key of region ${region}`);
  const dir = join(dataDir, 'keys');
  const file = join(dir, `${region}.kek`);
  if (existsSync(file)) return parseKey(readFileSync(file, 'utf8'), `${file}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileSync(file, generateKeyBase64() + '\n', { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return parseKey(readFileSync(file, 'utf8'), file);
}

/**
 * Per-user data keys wrapped by the region's KEK. A user's protected personal fields are sealed with
 * their DEK, so destroying the wrapped DEK (crypto-shredding) makes every copy unreadable, backups included.
 */
export class RegionKeys {
  constructor(
    readonly region: string,
    private readonly kek: Buffer,
  ) {}

  newWrappedDek(userId: string): { dek: Buffer; wrapped: string } {
    const dek = randomBytes(KEY_BYTES);
    return { dek, wrapped: seal(this.kek, dek, `dek:${this.region}:${userId}`) };
  }

  /** Wraps an existing DEK under this region's KEK (a home-region move: the key moves, the data stays sealed). */
  wrapDek(userId: string, dek: Buffer): string {
    return seal(this.kek, dek, `dek:${this.region}:${userId}`);
  }

  unwrapDek(userId: string, wrapped: string): Buffer {
    return open(this.kek, wrapped, `dek:${this.region}:${userId}`);
  }

  /** A key for one purpose (e.g. signing download links), derived from this region's KEK. */
  purposeKey(purpose: string): Buffer {
    return derivePurposeKey(this.kek, this.region, purpose);
  }

  /** Re-wrap a DEK under another KEK (carve-out: the receiver supplies the new key). */
  rewrap(userId: string, wrapped: string, newKek: Buffer): string {
    return seal(newKek, this.unwrapDek(userId, wrapped), `dek:${this.region}:${userId}`);
  }
}

export function sealField(dek: Buffer, userId: string, field: string, value: string): string {
  return seal(dek, Buffer.from(value, 'utf8'), `field:${userId}:${field}`);
}

export function openField(dek: Buffer, userId: string, field: string, sealed: string): string {
  return open(dek, sealed, `field:${userId}:${field}`).toString('utf8');
}

/** HMAC-SHA256 key for one purpose, derived from a KEK (HKDF), so signed links die with the region's key. */
export function derivePurposeKey(kek: Buffer, region: string, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', kek, Buffer.from(`reelm:${region}`), Buffer.from(purpose), KEY_BYTES));
}
