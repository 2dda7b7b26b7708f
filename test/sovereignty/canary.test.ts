import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, filesUnder, removeDir, signup, startTestApp, type TestApp } from '../helpers/app.js';
import { createClip, createFixtureTables, fixtureCatalog, follow } from './fixtures.js';
import { makeOperator, runDueJobs, type TestUser } from './helpers.js';

/**
 * The canary: a user in every region is given distinctive protected values; every feature is exercised
 * across regions; then every byte outside the home cell (other cells, the directory, every job table,
 * the captured logs) is scanned for them. To cover a new feature, add an entry to FEATURES; if it stores
 * a new kind of protected value, add it to Canary and to SEALED (encrypted at rest: may appear nowhere in
 * clear) or HOME_ONLY (stored in clear in the home cell only).
 */
interface Canary {
  region: string;
  country: string;
  handle: string;
  email: string;
  birthdate: string;
  ip: string;
  userAgent: string;
  privateCaption: string;
  user?: TestUser;
}
const SEALED = ['email', 'birthdate', 'ip', 'userAgent'] as const;
const HOME_ONLY = ['privateCaption'] as const;

interface Feature {
  name: string;
  run(t: TestApp, canaries: Canary[]): Promise<void>;
}

const PASSWORD = 'a long enough passphrase';
const tag = randomBytes(4).toString('hex');
const REGIONS: [string, string][] = [['us', 'US'], ['eu', 'IT'], ['au', 'AU'], ['nz', 'NZ'], ['row', 'JP']];

const FEATURES: Feature[] = [
  {
    name: 'signup and login from a distinctive address and browser',
    async run(t, canaries) {
      for (const c of canaries) {
        const res = await t.app.inject({ method: 'POST', url: '/api/v1/accounts', payload: { handle: c.handle, password: PASSWORD, email: c.email, birthdate: c.birthdate, country: c.country } });
        expect(res.statusCode).toBe(201);
        const login = await t.app.inject({ method: 'POST', url: '/api/v1/sessions', payload: { handle: c.handle, password: PASSWORD }, remoteAddress: c.ip, headers: { 'user-agent': c.userAgent } });
        expect(login.statusCode).toBe(201);
        c.user = { ...(res.json() as { id: string; handle: string; region: string }), token: login.json().token as string };
        expect((await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(c.user!.token) })).json().email).toBe(c.email);
      }
    },
  },
  {
    name: 'profiles, private and public clips, follows across regions',
    async run(t, canaries) {
      for (const [i, c] of canaries.entries()) {
        await t.app.inject({ method: 'PATCH', url: '/api/v1/me', headers: bearer(c.user!.token), payload: { bio: `canary in ${c.region}` } });
        await createClip(t.ctx, c.user!, { caption: c.privateCaption, visibility: 'private' });
        await createClip(t.ctx, c.user!, { caption: `public clip ${c.region}`, withSound: true });
        await follow(t.ctx, c.user!, canaries[(i + 1) % canaries.length]!.user!);
        expect((await t.app.inject({ method: 'GET', url: `/api/v1/users/${c.handle}` })).statusCode).toBe(200);
      }
    },
  },
  {
    name: 'operator reads by role, by grant across regions, and denials',
    async run(t, canaries) {
      const global = await makeOperator(t, `canary_glob_${tag}`, 'global', 'support', 'CA');
      for (const c of canaries) {
        const support = await makeOperator(t, `canary_sup_${c.region}_${tag}`, c.region, 'support', c.country);
        const security = await makeOperator(t, `canary_sec_${c.region}_${tag}`, c.region, 'security', c.country);
        const url = (fields: string) => `/api/v1/operator/users/${c.user!.id}/protected?fields=${fields}&reason=canary+sweep+of+the+rules`;
        expect((await t.app.inject({ method: 'GET', url: url('email,birthdate'), headers: bearer(support.token) })).statusCode).toBe(200);
        expect((await t.app.inject({ method: 'GET', url: url('ips,sessions'), headers: bearer(security.token) })).statusCode).toBe(200);
        expect((await t.app.inject({ method: 'GET', url: url('email'), headers: bearer(global.token) })).statusCode).toBe(403);
        const grant = await t.app.inject({ method: 'POST', url: '/api/v1/operator/grants', headers: bearer(global.token), payload: { subjectId: c.user!.id, fields: ['email', 'ips'], reason: 'canary cross-region case', durationMinutes: 10 } });
        await t.app.inject({ method: 'POST', url: `/api/v1/operator/grants/${grant.json().id}/approve`, headers: bearer(security.token) });
        const read = await t.app.inject({ method: 'GET', url: url('email,ips'), headers: bearer(global.token) });
        expect(read.json().fields).toEqual({ email: c.email, ips: [c.ip] });
      }
    },
  },
  {
    name: 'download your data',
    async run(t, canaries) {
      for (const c of canaries) expect((await t.app.inject({ method: 'POST', url: '/api/v1/me/export', headers: bearer(c.user!.token) })).statusCode).toBe(202);
      await runDueJobs(t);
    },
  },
  {
    name: 'account deletion requested, then cancelled by logging in',
    async run(t, canaries) {
      const c = canaries[1]!;
      expect((await t.app.inject({ method: 'DELETE', url: '/api/v1/me', headers: bearer(c.user!.token), payload: { password: PASSWORD } })).statusCode).toBe(202);
      const back = await t.app.inject({ method: 'POST', url: '/api/v1/sessions', payload: { handle: c.handle, password: PASSWORD }, remoteAddress: c.ip, headers: { 'user-agent': c.userAgent } });
      expect(back.statusCode).toBe(201);
      c.user!.token = back.json().token;
    },
  },
  {
    name: 'transparency report and the border roll-up into the chains',
    async run(t) {
      expect((await t.app.inject({ method: 'GET', url: '/api/v1/transparency' })).statusCode).toBe(200);
      for (const r of t.ctx.cells.regions()) await t.ctx.audit.rollupBorderFlows(r);
    },
  },
];

describe('canary: protected values never leave their home cell', () => {
  let t: TestApp;
  const canaries: Canary[] = REGIONS.map(([region, country], i) => ({
    region,
    country,
    handle: `canary_${region}_${tag}`,
    email: `canary.${region}.${tag}@example.org`,
    birthdate: `19${60 + i}-0${i + 1}-1${i}`,
    ip: `198.51.100.${171 + i}`,
    userAgent: `CanaryAgent/${region}-${tag}`,
    privateCaption: `canary private ${region} ${tag}`,
  }));

  beforeAll(async () => {
    // Embedded on purpose: the canary scans every store file byte by byte.
    t = await startTestApp({ dialect: 'sqlite', overrides: { catalogParts: fixtureCatalog } });
    await createFixtureTables(t.ctx);
  });
  afterAll(async () => {
    await t.close();
    removeDir(t.dataDir);
  });

  for (const feature of FEATURES) it(`exercises: ${feature.name}`, () => feature.run(t, canaries));

  it('finds no canary value outside its home cell, in any job table, or in the logs', async () => {
    const files = filesUnder(t.dataDir).map((f) => ({ path: relative(t.dataDir, f), bytes: readFileSync(f) }));
    const jobs: string[] = [];
    for (const cell of t.ctx.cells.all()) {
      for (const j of await cell.db.selectFrom('jobs').selectAll().execute()) jobs.push(`${cell.region}:${j.name} ${j.payload} ${j.dedupe_key ?? ''} ${j.last_error ?? ''}`);
    }
    expect(jobs.length).toBeGreaterThan(0);
    const logs = t.logs();
    expect(logs.length).toBeGreaterThan(1000);
    const hits: string[] = [];
    for (const c of canaries) {
      const home = join('cells', c.region);
      const check = (field: string, value: string, allowed: (path: string) => boolean) => {
        const needle = Buffer.from(value);
        for (const f of files) if (!allowed(f.path) && f.bytes.includes(needle)) hits.push(`${c.region}.${field} in ${f.path}`);
        if (jobs.some((j) => j.includes(value))) hits.push(`${c.region}.${field} in a job row`);
        if (logs.includes(value)) hits.push(`${c.region}.${field} in the logs`);
      };
      // Sealed values appear in clear nowhere, except inside the user's own export in the home cell.
      for (const field of SEALED) check(field, c[field], (p) => p.startsWith(join(home, 'exports')));
      for (const field of HOME_ONLY) check(field, c[field], (p) => p.startsWith(home + '/'));
    }
    expect(hits).toEqual([]);
    // The scan itself works: the home cell does hold the private caption.
    const home = files.filter((f) => f.path.startsWith('cells/us/') && f.bytes.includes(Buffer.from(canaries[0]!.privateCaption)));
    expect(home.length).toBeGreaterThan(0);
  });

  it('keeps every region chain intact after all of it', async () => {
    for (const r of t.ctx.cells.regions()) expect((await t.ctx.audit.for(r).verify()).ok, r).toBe(true);
  });
});
