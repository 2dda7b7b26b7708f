import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { featureEnabled, regionPolicy } from '../../src/regions/policy.js';
import { removeDir, startTestApp, type TestApp } from '../helpers/app.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function withConfigFile(content: unknown) {
  const dir = mkdtempSync(join(tmpdir(), 'reelm-policy-'));
  writeFileSync(join(dir, 'reelm.config.json'), JSON.stringify(content));
  return dir;
}

describe('per-region policy', () => {
  let t: TestApp;
  const today = new Date();
  // Birthday yesterday: exactly `years` old today.
  const birthdateAged = (years: number) =>
    new Date(Date.UTC(today.getUTCFullYear() - years, today.getUTCMonth(), today.getUTCDate() - 1))
      .toISOString()
      .slice(0, 10);

  beforeAll(async () => {
    const dataDir = withConfigFile({
      policies: {
        eu: { minAge: 16, features: { duets: false } },
        au: { teenUntil: 18, teenDefaults: { whoCanComment: 'no_one' } },
        us: { teenDefaults: { privateAccount: false } },
      },
    });
    t = await startTestApp({ dataDir });
  });
  afterAll(async () => {
    await t.close();
    removeDir(t.dataDir);
  });

  const signupAt = (handle: string, country: string, age: number) =>
    t.app.inject({
      method: 'POST',
      url: '/api/v1/accounts',
      payload: {
        handle,
        password: 'a long enough passphrase',
        email: `${handle}@example.org`,
        birthdate: birthdateAged(age),
        country,
      },
    });

  it('applies each region’s minimum age at signup', async () => {
    const young = await signupAt('teen_in_france', 'FR', 14);
    expect(young.statusCode).toBe(400);
    expect(young.json().error).toEqual({
      code: 'account.under_age',
      message: 'You must be at least 16 years old to use Reelm.',
    });
    expect((await signupAt('teen_in_ohio', 'US', 14)).statusCode).toBe(201);
    expect((await signupAt('kid_in_ohio', 'US', 12)).json().error.code).toBe('account.under_age');
  });

  it('applies each region’s teen defaults', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/users/teen_in_ohio' })).json().private).toBe(false);
    expect((await signupAt('teen_in_perth', 'AU', 17)).statusCode).toBe(201);
    const perth = await t.app.inject({
      method: 'POST',
      url: '/api/v1/sessions',
      payload: { handle: 'teen_in_perth', password: 'a long enough passphrase' },
    });
    const me = await t.app.inject({
      method: 'GET',
      url: '/api/v1/me',
      headers: { authorization: `Bearer ${perth.json().token}` },
    });
    expect(me.json().privacy).toEqual({ privateAccount: true, whoCanComment: 'no_one' });
  });

  it('gates features per region and refuses policies for unknown regions', () => {
    expect(featureEnabled(t.config, 'eu', 'duets')).toBe(false);
    expect(featureEnabled(t.config, 'us', 'duets')).toBe(true);
    expect(featureEnabled(t.config, 'us', 'directMessages', { teen: true })).toBe(false);
    expect(regionPolicy(t.config, 'nz')).toMatchObject({ minAge: 13, teen: { until: 16 } });
    const bad = withConfigFile({ policies: { mars: { minAge: 13 } } });
    expect(() => loadConfig({ REELM_DATA_DIR: bad, REELM_CONFIG: '' })).toThrow(ConfigError);
    const typo = withConfigFile({ policies: { eu: { minimumAge: 13 } } });
    expect(() => loadConfig({ REELM_DATA_DIR: typo, REELM_CONFIG: '' })).toThrow(/policies/);
    removeDir(bad);
    removeDir(typo);
  });
});
