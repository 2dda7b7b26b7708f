import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { bearer, dumpStore, filesContaining, signup, startTestApp } from '../helpers/app.js';
import { linkToken } from '../helpers/smtp.js';
import { runDueJobs } from '../sovereignty/helpers.js';

const run = promisify(execFile);
const BIN = join(import.meta.dirname, '..', '..', 'bin', 'reelm.js');

function cli(args: string[]) {
  return run('node', [BIN, ...args], { env: { ...process.env, REELM_LOG_LEVEL: 'silent', REELM_CONFIG: '' } }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );
}

/** Without SMTP (the embedded default) mail waits in the recipient's cell, sealed, for `reelm mail list|show`. */
describe('the outbox and reelm mail', () => {
  it('keeps mail sealed in the home cell and shows it from the command line', async () => {
    // The CLI opens the same data folder (needs `npm run build:server`).
    const t = await startTestApp({ dialect: 'sqlite', env: { REELM_PUBLIC_URL: 'https://reelm.example' } });
    try {
      const address = 'mo.outbox@example.org';
      const mo = await signup(t.app, { handle: 'mo_outbox', email: address, country: 'AU' });
      await t.app.inject({
        method: 'PATCH',
        url: '/api/v1/me',
        headers: bearer(mo.token),
        payload: { language: 'de' },
      });
      expect(
        (await t.app.inject({ method: 'POST', url: '/api/v1/password-resets', payload: { email: address } }))
          .statusCode,
      ).toBe(202);
      await t.ctx.passwords.settled();
      await runDueJobs(t);
      const rows = await t.ctx.cells.get('au').db.selectFrom('mail_outbox').selectAll().orderBy('id').execute();
      expect(rows.map((r) => r.kind).sort()).toEqual(['email_verification', 'password_reset']);
      // Sealed at rest: neither the address nor a link is in any file in clear, nor in another cell.
      expect(filesContaining(t.dataDir, address)).toEqual([]);
      expect(filesContaining(t.dataDir, 'https://reelm.example/reset/')).toEqual([]);
      for (const region of ['us', 'eu', 'nz', 'row'])
        expect(await t.ctx.cells.get(region).db.selectFrom('mail_outbox').select('id').execute()).toEqual([]);
      expect(await dumpStore(t.ctx.directory)).not.toContain(address);

      const list = await cli(['mail', 'list', '--region', 'au', '--data', t.dataDir]);
      expect(list.code, list.stderr).toBe(0);
      expect(list.stdout).toContain('password_reset');
      expect(list.stdout).toContain('Setze dein Reelm-Passwort zurück');
      expect(list.stdout).not.toContain(address);
      expect((await cli(['mail', 'list', '--region', 'us', '--data', t.dataDir])).stdout).toBe(
        'no mail in the outbox\n',
      );

      const reset = rows.find((r) => r.kind === 'password_reset')!;
      const shown = await cli(['mail', 'show', reset.id, '--data', t.dataDir]);
      expect(shown.code, shown.stderr).toBe(0);
      expect(shown.stdout).toContain(`To: ${address}`);
      expect(shown.stdout).toContain('https://reelm.example/reset/au.');
      const token = linkToken(shown.stdout, 'reset');
      const done = await t.app.inject({
        method: 'POST',
        url: `/api/v1/password-resets/${token}`,
        payload: { password: 'lanterns over the silent river' },
      });
      expect(done.statusCode).toBe(204);

      const html = await cli(['mail', 'show', reset.id, '--html', '--data', t.dataDir]);
      expect(html.stdout).toContain('<a href="https://reelm.example/reset/au.');

      const missing = await cli(['mail', 'show', 'no-such-id', '--data', t.dataDir]);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toMatch(/^reelm: no mail no-such-id in the outbox/);
      const badRegion = await cli(['mail', 'list', '--region', 'mars', '--data', t.dataDir]);
      expect(badRegion.code).toBe(1);
      expect(badRegion.stderr).toMatch(/unknown region "mars"/);

      // The outbox goes with its owner: a purge leaves none of their mail.
      const again = await t.app.inject({
        method: 'POST',
        url: '/api/v1/sessions',
        payload: { handle: 'mo_outbox', password: 'lanterns over the silent river' },
      });
      const deleted = await t.app.inject({
        method: 'DELETE',
        url: '/api/v1/me',
        headers: bearer(again.json().token),
        payload: { password: 'lanterns over the silent river' },
      });
      expect(deleted.statusCode).toBe(202);
      await t.ctx.deletion.purgeDue('au', { all: true });
      expect(await t.ctx.cells.get('au').db.selectFrom('mail_outbox').select('id').execute()).toEqual([]);
      expect(await t.ctx.cells.get('au').db.selectFrom('account_emails').select('user_id').execute()).toEqual([]);
    } finally {
      await t.destroy();
    }
  });
});
