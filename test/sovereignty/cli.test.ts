import { execFile } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { bearer, removeDir, signup, startTestApp, tempDir } from '../helpers/app.js';
import { publishTestVideo } from '../helpers/videos.js';
import { makeOperator } from './helpers.js';
import { social } from './social.js';

const run = promisify(execFile);
const BIN = join(import.meta.dirname, '..', '..', 'bin', 'reelm.js');

function cli(args: string[]) {
  return run('node', [BIN, ...args], { env: { ...process.env, REELM_LOG_LEVEL: 'silent', REELM_CONFIG: '' } }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );
}

describe('reelm audit / region / accounts verbs', () => {
  it('verifies chains, exports, detaches, proves absence and purges, from the command line', async () => {
    const t = await startTestApp({ dialect: 'sqlite' }); // the CLI opens the same data folder
    const dir = t.dataDir;
    const ann = await signup(t.app, { handle: 'ann_cli_us', country: 'US' });
    const kit = await signup(t.app, { handle: 'kit_cli_au', country: 'AU', email: 'kit.cli.au@example.org' });
    // Social data across the border, so detach has likes, comments, follows and hashtag rows to clear.
    const kitClip = await publishTestVideo(t.ctx, kit, { caption: 'kit on the reef #clireef' });
    const annClip = await publishTestVideo(t.ctx, ann, { caption: 'ann at home #clireef' });
    await social.follow(t, ann, kit);
    await social.follow(t, kit, ann);
    await social.like(t, ann, kitClip.id);
    await social.favorite(t, ann, kitClip.id);
    await social.watch(t, ann, kitClip.id);
    await social.comment(t, ann, kitClip.id, 'lovely reef');
    await social.comment(t, kit, annClip.id, 'nice home');
    await social.like(t, kit, annClip.id);
    const leaving = await signup(t.app, { handle: 'lee_leaving', country: 'US' });
    const op = await makeOperator(t, 'cli_support', 'us', 'support');
    await t.app.inject({
      method: 'GET',
      url: `/api/v1/operator/users/${ann.id}/protected?fields=email&reason=command+line+check`,
      headers: bearer(op.token),
    });
    await t.app.inject({
      method: 'DELETE',
      url: '/api/v1/me',
      headers: bearer(leaving.token),
      payload: { password: 'a long enough passphrase' },
    });
    await t.close();

    const ok = await cli(['audit', 'verify', '--region', 'us', '--data', dir]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^OK 1 entries, head [0-9a-f]{64}\n$/);

    const purge = await cli(['accounts', 'purge', '--data', dir]);
    expect(purge.stdout).toContain('purged 0 accounts');
    const purgeNow = await cli(['accounts', 'purge', '--now', '--data', dir]);
    expect(purgeNow.stdout).toContain('purged 1 accounts');

    const out = tempDir('reelm-cli-export-');
    const exported = await cli(['region', 'export', 'au', '--out', out, '--data', dir]);
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stdout).toContain(`exported au to ${out}`);
    expect(exported.stdout).toContain(join(out, 'keys', 'au.kek'));
    expect(exported.stderr).toContain('export au: copying the cell store');
    const standalone = await cli(['migrate', '--data', out]);
    expect(standalone.stdout).toContain('migrated the directory and 1 cells (au)');
    expect((await cli(['audit', 'verify', '--region', 'au', '--data', out])).stdout).toMatch(/^OK \d+ entries/);

    const detached = await cli(['region', 'detach', 'au', '--data', dir]);
    expect(detached.code, detached.stderr).toBe(0);
    expect(detached.stdout).toContain('detached au');
    expect(detached.stdout).toContain('certificate signed by us, eu, nz, row');
    const again = await cli(['region', 'detach', 'au', '--data', dir]);
    expect(again.code, again.stderr).toBe(0);

    const absent = await cli(['region', 'verify-absent', 'au', '--ids-from', out, '--data', dir]);
    expect(absent.code).toBe(0);
    expect(absent.stdout).toMatch(/^0 traces of au found/m);
    // The detach told the hashtag index: only ann's clip still counts.
    const directory = new Database(join(dir, 'directory', 'directory.sqlite'), { readonly: true });
    expect(directory.prepare("select video_count from hashtags where tag = 'clireef'").get()).toEqual({
      video_count: 1,
    });
    directory.close();
    // The remainder keeps no list of the users who left, so the scan needs the export's manifest.
    expect(existsSync(join(dir, 'carve-out', 'au.manifest.json'))).toBe(false);
    const noIds = await cli(['region', 'verify-absent', 'au', '--data', dir]);
    expect(noIds.code).toBe(1);
    expect(noIds.stderr).toContain("required option '--ids-from <dir>' not specified");
    // A manifest naming users who are still here is reported, with where, and exits 1.
    const fake = join(out, 'fake-manifest.json');
    writeFileSync(
      fake,
      JSON.stringify({
        region: 'us',
        createdAt: '',
        userIds: [ann.id],
        handles: ['ann_cli_us'],
        videoIds: [],
        soundIds: [],
      }),
    );
    const present = await cli(['region', 'verify-absent', 'us', '--ids-from', fake, '--data', dir]);
    expect(present.code).toBe(1);
    expect(present.stdout).toContain('directory/directory.sqlite: user id');

    for (const region of ['us', 'eu']) {
      const v = await cli(['audit', 'verify', '--region', region, '--data', dir]);
      expect(v.code).toBe(0);
    }
    const raw = new Database(join(dir, 'cells', 'us', 'cell.sqlite'));
    raw.prepare("update audit_entries set actor = 'nobody' where seq = 1").run();
    raw.close();
    const broken = await cli(['audit', 'verify', '--region', 'us', '--data', dir]);
    expect(broken.code).toBe(1);
    expect(broken.stderr.trim()).toBe(
      'reelm: audit chain of us is broken at entry 1: entry 1 was altered (its hash does not match its content)',
    );
    const unknown = await cli(['region', 'detach', 'mars', '--data', dir]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('There is no region "mars"');
    removeDir(dir);
    removeDir(out);
  }, 180_000); // a dozen CLI processes, each opening every store
});
