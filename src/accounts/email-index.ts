import { createHmac } from 'node:crypto';
import { derivePurposeKey, loadOrCreateKek } from '../regions/keys.js';

/** The one normal form of an address for uniqueness and lookup: trimmed, NFC, lower case. */
export function normaliseEmail(email: string): string {
  return email.trim().normalize('NFC').toLowerCase();
}

/**
 * A keyed blind index of email addresses: HMAC-SHA256 of the normalised address. The key is deployment-wide,
 * not per region, so any cell computes the same index for an address and a lookup across cells carries only
 * the index. Without the key the index says nothing (an address book cannot be hashed and compared).
 */
export class EmailIndex {
  /**
   * Names the key (an HMAC of a constant, not the key): every index starts `<keyId>.`, so rows indexed under another
   * key (a carved-out region that got its own) are found and re-indexed at start.
   */
  readonly keyId: string;

  constructor(private readonly key: Buffer) {
    this.keyId = createHmac('sha256', key).update('reelm:email-index:key-id').digest('base64url').slice(0, 8);
  }

  of(email: string): string {
    return `${this.keyId}.${createHmac('sha256', this.key).update(normaliseEmail(email)).digest('base64url')}`;
  }
}

/**
 * The blind-index key: `REELM_BLIND_INDEX_KEY` (base64, 32 bytes) when given — every process of a deployment must
 * share it — else generated once into `<dataDir>/keys/email-index.kek` like an embedded region's KEK.
 */
export function loadEmailIndex(dataDir: string, given: string | undefined): EmailIndex {
  // Not a region id (those have no '-'), so it cannot collide with a region's key file.
  const root = loadOrCreateKek(dataDir, 'email-index', given);
  return new EmailIndex(derivePurposeKey(root, 'deployment', 'email-blind-index'));
}
