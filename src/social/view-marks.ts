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

  private keyOf(region: string, action: CountedAction, videoId: string, who: Counter, window: number): string {
    const subject = 'userId' in who ? `u:${who.userId}` : `c:${who.client}`;
    return createHmac('sha256', this.deps.cells.get(region).keys.purposeKey('view-marks'))
      .update(`${action}\0${videoId}\0${subject}\0${window}`)
      .digest('base64url')
      .slice(0, 32);
  }

  /** True the first time `who` does `action` on the clip in this window (and records it), false after. */
  async first(region: string, action: CountedAction, videoId: string, who: Counter): Promise<boolean> {
    const now = this.deps.now().getTime();
    const window = Math.floor(now / COUNT_WINDOW_MS);
    const cell = this.deps.cells.get(region);
    const key = this.keyOf(region, action, videoId, who, window);
    const res = await cell.db
      .insertInto('view_marks')
      .values({ key, expires_at: new Date((window + 1) * COUNT_WINDOW_MS).toISOString() })
      .onConflict((oc) => oc.column('key').doNothing())
      .executeTakeFirst();
    return Number(res.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  /**
   * A user moving home region takes this window's view marks along, so a clip they watched before the move does
   * not count their view again after it. The marks say nothing without the key, so the clips come from the
   * user's own watch history of this window: each is asked for in the old cell and, found, marked in the new one.
   * (A share leaves no history to ask about: a share in the hour of a move may count once more.)
   */
  async carry(from: string, to: string, userId: string): Promise<number> {
    const now = this.deps.now().getTime();
    const window = Math.floor(now / COUNT_WINDOW_MS);
    const since = new Date(window * COUNT_WINDOW_MS).toISOString();
    const watched = await this.deps.cells
      .get(from)
      .db.selectFrom('watch_events')
      .select('video_id')
      .distinct()
      .where('user_id', '=', userId)
      .where('created_at', '>=', since)
      .execute();
    const expires = new Date((window + 1) * COUNT_WINDOW_MS).toISOString();
    let carried = 0;
    for (const { video_id } of watched) {
      const old = this.keyOf(from, 'view', video_id, { userId }, window);
      const seen = await this.deps.cells
        .get(from)
        .db.selectFrom('view_marks')
        .select('key')
        .where('key', '=', old)
        .executeTakeFirst();
      if (!seen) continue;
      await this.deps.cells
        .get(to)
        .db.insertInto('view_marks')
        .values({ key: this.keyOf(to, 'view', video_id, { userId }, window), expires_at: expires })
        .onConflict((oc) => oc.column('key').doNothing())
        .execute();
      carried += 1;
    }
    return carried;
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
