import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';
import { ISO_COUNTRIES } from './regions/countries.js';

const noFile = { REELM_CONFIG: '' };

describe('loadConfig', () => {
  it('has the documented defaults', () => {
    const config = loadConfig({ ...noFile });
    expect(config.port).toBe(3000);
    expect(config.dataDir).toMatch(/\/data$/);
    expect(config.regions).toEqual(['us', 'eu', 'au', 'nz', 'row']);
    expect(config.rateLimit.signupPerMinute).toBe(30);
    expect(config.limits.uploadMaxBytes).toBe(2 * 1024 ** 3);
  });

  it('maps every ISO 3166-1 alpha-2 country to exactly one configured region', () => {
    const config = loadConfig({ ...noFile });
    expect(ISO_COUNTRIES).toHaveLength(249);
    for (const c of ISO_COUNTRIES) expect(config.regions).toContain(config.countryRegion[c]);
    expect(config.countryRegion.US).toBe('us');
    expect(config.countryRegion.DE).toBe('eu');
    expect(config.countryRegion.AU).toBe('au');
    expect(config.countryRegion.NZ).toBe('nz');
    expect(config.countryRegion.JP).toBe('row');
  });

  it('honours PORT and REELM_DATA_DIR', () => {
    const config = loadConfig({ ...noFile, PORT: '4100', REELM_DATA_DIR: '/tmp/reelm-x' });
    expect(config.port).toBe(4100);
    expect(config.dataDir).toBe('/tmp/reelm-x');
  });

  it('refuses a bad PORT with a clear message', () => {
    expect(() => loadConfig({ ...noFile, PORT: 'abc' })).toThrow(/PORT must be a whole number/);
    expect(() => loadConfig({ ...noFile, PORT: '70000' })).toThrow(ConfigError);
  });

  it('reads a config file and reports the first invalid field', () => {
    const dir = mkdtempSync(join(tmpdir(), 'reelm-cfg-'));
    const good = join(dir, 'good.json');
    writeFileSync(
      good,
      JSON.stringify({ regions: ['us', 'eu', 'row'], countryRegion: { ch: 'eu' }, limits: { durationMaxMs: 60000 } }),
    );
    const config = loadConfig({ REELM_CONFIG: good });
    expect(config.regions).toEqual(['us', 'eu', 'row']);
    expect(config.countryRegion.CH).toBe('eu');
    expect(config.countryRegion.AU).toBe('row');
    expect(config.limits.durationMaxMs).toBe(60000);

    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ port: 'x' }));
    expect(() => loadConfig({ REELM_CONFIG: bad })).toThrow(/bad\.json: \/port/);
    writeFileSync(bad, JSON.stringify({ countryRegion: { XX: 'us' } }));
    expect(() => loadConfig({ REELM_CONFIG: bad })).toThrow(/not an ISO 3166-1/);
    writeFileSync(bad, JSON.stringify({ countryRegion: { US: 'mars' } }));
    expect(() => loadConfig({ REELM_CONFIG: bad })).toThrow(/unknown region "mars"/);
    writeFileSync(bad, '{ not json');
    expect(() => loadConfig({ REELM_CONFIG: bad })).toThrow(/cannot read/);
  });
});
