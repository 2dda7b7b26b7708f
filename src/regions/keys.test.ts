import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RegionKeys, generateKeyBase64, loadOrCreateKek, open, openField, parseKey, seal, sealField } from './keys.js';

describe('keys', () => {
  const kek = parseKey(generateKeyBase64(), 'test kek');

  it('seals and opens, and refuses a tampered ciphertext or another owner', () => {
    const sealed = seal(kek, Buffer.from('secret'), 'a');
    expect(open(kek, sealed, 'a').toString()).toBe('secret');
    expect(() => open(kek, sealed, 'b')).toThrow();
    const raw = Buffer.from(sealed.slice(3), 'base64url');
    raw[raw.length - 1]! ^= 1;
    expect(() => open(kek, `v1.${raw.toString('base64url')}`, 'a')).toThrow();
  });

  it('wraps a per-user data key with the region key, bound to the user', () => {
    const keys = new RegionKeys('us', kek);
    const { dek, wrapped } = keys.newWrappedDek('user1');
    expect(keys.unwrapDek('user1', wrapped).equals(dek)).toBe(true);
    expect(() => keys.unwrapDek('user2', wrapped)).toThrow();
    const field = sealField(dek, 'user1', 'email', 'a@b.example');
    expect(field).not.toContain('a@b');
    expect(openField(dek, 'user1', 'email', field)).toBe('a@b.example');
    expect(() => openField(dek, 'user1', 'birthdate', field)).toThrow();
    const other = parseKey(generateKeyBase64(), 'other');
    const rewrapped = keys.rewrap('user1', wrapped, other);
    expect(new RegionKeys('us', other).unwrapDek('user1', rewrapped).equals(dek)).toBe(true);
  });

  it('generates a region key once, private to the owner, and reuses it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'reelm-keys-'));
    const a = loadOrCreateKek(dir, 'eu', undefined);
    const b = loadOrCreateKek(dir, 'eu', undefined);
    expect(a.equals(b)).toBe(true);
    expect(statSync(join(dir, 'keys', 'eu.kek')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dir, 'keys', 'eu.kek'), 'utf8').trim()).toBe(a.toString('base64'));
    expect(() => loadOrCreateKek(dir, 'us', 'dG9vIHNob3J0')).toThrow(/32 bytes/);
  });
});
