import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXPORTS_PER_DAY } from '../../src/accounts/export.service.js';
import { startHousekeeping } from '../../src/jobs/housekeeping.js';
import { removeDir } from '../helpers/app.js';
import { startMediaApp, user, type MediaTestApp } from '../media/helpers.js';

const DAY = 86_400_000;

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`${what} did not happen in time`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('data exports: a few a day, and their ZIPs deleted when they expire', () => {
  let at = Date.now();
  const clock = { now: () => new Date(at) };
  let t: MediaTestApp;
  let nora: Awaited<ReturnType<typeof user>>;
  const ready: string[] = [];

  beforeAll(async () => {
    t = await startMediaApp({ clock });
    nora = await user(t, 'nora_exports');
  });
  afterAll(async () => {
    await t.close();
    await t.pg?.drop();
    await t.s3?.close();
    removeDir(t.dataDir);
  });

  const request = () => t.app.inject({ method: 'POST', url: '/api/v1/me/export', headers: nora.headers });
  const status = (id: string) =>
    t.app.inject({ method: 'GET', url: `/api/v1/me/exports/${id}`, headers: nora.headers }).then((r) => r.json());
  const zip = (id: string) => join(t.ctx.cells.get('us').dir, 'exports', id, 'reelm-export.zip');

  it(`allows ${EXPORTS_PER_DAY} exports a day, then answers 429 export.too_many`, async () => {
    for (let i = 0; i < EXPORTS_PER_DAY; i++) {
      const res = await request();
      expect(res.statusCode, res.body).toBe(202);
      const { id } = res.json();
      await until('the export', async () => (await status(id)).status === 'ready');
      expect(existsSync(zip(id))).toBe(true);
      ready.push(id);
      at += 60_000;
    }
    const refused = await request();
    expect(refused.statusCode).toBe(429);
    expect(refused.json().error).toMatchObject({ code: 'export.too_many', message: expect.stringContaining('a day') });
    // A day after the first one, one more is allowed.
    at += DAY - 2 * 60_000;
    const next = await request();
    expect(next.statusCode, next.body).toBe(202);
    await until('the fourth export', async () => (await status(next.json().id)).status === 'ready');
    ready.push(next.json().id);
  });

  it('the sweep deletes expired ZIPs, and only those', async () => {
    // The first three were made a day before the fourth (now): move past their expiry (7 days), not the fourth's.
    at += 6 * DAY + 2 * 60_000;
    const expiredIds = ready.slice(0, 3);
    const live = ready[3]!;
    await startHousekeeping(t.ctx);
    const statuses = async () => {
      const rows = await t.ctx.cells
        .get('us')
        .db.selectFrom('data_exports')
        .select(['id', 'status'])
        .where('id', 'in', ready)
        .execute();
      return ready.map((id) => rows.find((r) => r.id === id)?.status);
    };
    // The sweep deletes a ZIP, then marks its row: wait for both, for every expired export.
    await until(
      'the sweep',
      async () =>
        expiredIds.every((id) => !existsSync(zip(id))) &&
        (await statuses()).filter((s) => s === 'expired').length === 3,
    );
    expect(await statuses()).toEqual(['expired', 'expired', 'expired', 'ready']);
    for (const id of expiredIds) expect(await status(id)).toEqual({ id, status: 'expired' });
    expect(existsSync(zip(live))).toBe(true);
    expect((await status(live)).status).toBe('ready');
  });
});
