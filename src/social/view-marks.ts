import { createHmac } from 'node:crypto';
import type { CellRegistry } from '../regions/cells.js';

/** A viewer's views (and a visitor's shares) of a clip count once in its public counters per window. */
export const COUNT_WINDOW_MS = 3_600_000;

export type CountedAction = 'view' | 'share';

/** Who acts: a signed-in user, or a visitor known only by their client (address and user agent). */
export type Counter = { userId: string } | { client: string };

export interface ViewMarksDeps {
  cells: CellRegistry;
  now: () => Date;
}

/**
 * Remembers who was already counted, so replays and scripted loops do not inflate public counters. A mark is an
 * HMAC (under the cell's own key) of the action, the clip, the viewer or visitor client and the hour: the address
 * and user agent of a visitor are never written, and a mark says nothing without the key. Marks of a user stay
 * in their home cell; a visitor's go to the clip's cell. Each holds one row per window, removed by the cell's
 * housekeeping sweep once the window is over.
 */
export class ViewMarks {
  constructor(private readonly deps: ViewMarksDeps) {}

  /** True the first time `who` does `action` on the clip in this window (and records it), false after. */
  async first(region: string, action: CountedAction, videoId: string, who: Counter): Promise<boolean> {
    const now = this.deps.now().getTime();
    const window = Math.floor(now / COUNT_WINDOW_MS);
    const cell = this.deps.cells.get(region);
    const subject = 'userId' in who ? `u:${who.userId}` : `c:${who.client}`;
    const key = createHmac('sha256', cell.keys.purposeKey('view-marks'))
      .update(`${action}\0${videoId}\0${subject}\0${window}`)
      .digest('base64url')
      .slice(0, 32);
    const res = await cell.db
      .insertInto('view_marks')
      .values({ key, expires_at: new Date((window + 1) * COUNT_WINDOW_MS).toISOString() })
      .onConflict((oc) => oc.column('key').doNothing())
      .executeTakeFirst();
    return Number(res.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  /** Removes the region's marks of windows that are over. */
  async prune(region: string): Promise<number> {
    const res = await this.deps.cells
      .get(region)
      .db.deleteFrom('view_marks')
      .where('expires_at', '<=', this.deps.now().toISOString())
      .executeTakeFirst();
    return Number(res.numDeletedRows);
  }
}
