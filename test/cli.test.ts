import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { removeDir, signup, startTestApp, tempDir } from './helpers/app.js';

const run = promisify(execFile);
const BIN = join(import.meta.dirname, '..', 'bin', 'reelm.js');

function cli(args: string[], env: Record<string, string> = {}) {
  return run('node', [BIN, ...args], { env: { ...process.env, REELM_LOG_LEVEL: 'silent', ...env } }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );
}

describe('reelm CLI', () => {
  it('migrates a fresh data folder: one store per cell plus the directory, and a key per region', async () => {
    const dir = tempDir();
    const res = await cli(['migrate', '--data', dir]);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('migrated the directory and 5 cells');
    for (const region of ['us', 'eu', 'au', 'nz', 'row']) {
      expect(existsSync(join(dir, 'cells', region, 'cell.sqlite'))).toBe(true);
      expect(existsSync(join(dir, 'keys', `${region}.kek`))).toBe(true);
    }
    expect(existsSync(join(dir, 'directory', 'directory.sqlite'))).toBe(true);
    removeDir(dir);
  });

  it('adds an operator whose record lives in the cell of its jurisdiction, and fails clearly on bad input', async () => {
    const t = await startTestApp({ dialect: 'sqlite' }); // the CLI opens the same data folder
    await signup(t.app, { handle: 'olga_ops', country: 'US' });
    await t.close();
    const ok = await cli([
      'operator',
      'add',
      '--handle',
      'olga_ops',
      '--jurisdiction',
      'eu',
      '--role',
      'security',
      '--data',
      t.dataDir,
    ]);
    expect(ok.stdout).toContain('@olga_ops is now security for eu');
    const reopened = await startTestApp({ dataDir: t.dataDir, dialect: 'sqlite' });
    const inEu = await reopened.ctx.cells.get('eu').db.selectFrom('operators').selectAll().execute();
    expect(inEu).toEqual([expect.objectContaining({ jurisdiction: 'eu', role: 'security' })]);
    expect(await reopened.ctx.cells.get('us').db.selectFrom('operators').selectAll().execute()).toEqual([]);
    await reopened.close();

    const badRole = await cli([
      'operator',
      'add',
      '--handle',
      'olga_ops',
      '--jurisdiction',
      'eu',
      '--role',
      'king',
      '--data',
      t.dataDir,
    ]);
    expect(badRole.code).toBe(1);
    expect(badRole.stderr.trim().split('\n')).toHaveLength(1);
    expect(badRole.stderr).toContain('Role must be one of');
    const unknown = await cli([
      'operator',
      'add',
      '--handle',
      'nobody',
      '--jurisdiction',
      'global',
      '--role',
      'auditor',
      '--data',
      t.dataDir,
    ]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('There is no user @nobody');
    removeDir(t.dataDir);
  });

  it('refuses a bad port', async () => {
    const res = await cli(['start', '--port', 'abc']);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain('port');
  });
});
