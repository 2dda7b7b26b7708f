import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { type Cell, CellRegistry } from './cells.js';

describe('asking every cell', () => {
  const dirs: string[] = [];
  const open = (regions: string) => {
    const dir = mkdtempSync(join(tmpdir(), 'reelm-cells-'));
    dirs.push(dir);
    return CellRegistry.open(loadConfig({ REELM_DATA_DIR: dir, REELM_CONFIG: '', REELM_REGIONS: regions }));
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  const probe = (cell: Cell) => sql<{ one: number }>`select 1 as one`.execute(cell.db).then((r) => r.rows[0]?.one);

  it('asks the preferred region first, then the others in order, and stops at the first answer', async () => {
    const cells = open('us,eu,au');
    const asked: string[] = [];
    const answer = await cells.first(async (cell) => {
      asked.push(cell.region);
      return cell.region === 'eu' ? 'found' : undefined;
    }, 'au');
    expect(answer).toBe('found');
    expect(asked).toEqual(['au', 'us', 'eu']);
    await cells.destroy();
  });

  it('treats a region that leaves while it is asked as having no answer, and still fails on a real error', async () => {
    const cells = open('us,au');
    const answer = await cells.first(async (cell) => {
      if (cell.region === 'us') {
        // A detach closes the cell's store while this lookup is on its way to it.
        await cells.remove('us');
        await probe(cell);
        return 'us';
      }
      return cell.region;
    });
    expect(answer).toBe('au');
    expect(cells.regions()).toEqual(['au']);
    await expect(
      cells.first(async () => {
        throw new Error('a broken query');
      }),
    ).rejects.toThrow('a broken query');
    await cells.destroy();
  });
});
