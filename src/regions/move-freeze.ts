import type { CellRegistry } from './cells.js';

/**
 * How long a process may trust what it last read about an account's freeze. Every API process reads the freeze
 * from the account's home cell (the move's record there), so in cluster mode all of them see it within this time.
 */
export const FREEZE_CACHE_MS = 1000;
/**
 * What a move waits between setting the freeze and copying: every process's cache has expired by then, and a
 * write that passed the check just before the freeze has finished (requests writing one account's rows are
 * short; a late one still shows in the verify step, which copies once more).
 */
export const FREEZE_SETTLE_MS = FREEZE_CACHE_MS + 1000;

/** The move steps during which the account is frozen: from the copy's start to the shred (see home-move.ts). */
export const FROZEN_STEPS = ['freezing', 'copied', 'media', 'verified', 'rerouted'] as const;

/**
 * Whether a user's account is frozen for writes because their data is moving to another region, and where to.
 * The move's record in the account's home cell is the truth; a small per-process cache keeps the check off the
 * database on every write.
 */
export class MoveFreeze {
  private readonly cache = new Map<string, { to: string | null; until: number }>();

  constructor(private readonly deps: { cells: CellRegistry; now?: () => number; cacheMs?: number }) {}

  /** The region the user's data is moving to while the move is between its copy and its shred, else null. */
  async movingTo(userId: string, region: string): Promise<string | null> {
    if (!this.deps.cells.has(region)) return null;
    const now = (this.deps.now ?? Date.now)();
    const key = `${region}\0${userId}`;
    const hit = this.cache.get(key);
    if (hit && hit.until > now) return hit.to;
    const row = await this.deps.cells
      .get(region)
      .db.selectFrom('home_moves')
      .select('to_region')
      .where('user_id', '=', userId)
      .where('status', '=', 'running')
      .where('step', 'in', [...FROZEN_STEPS])
      .executeTakeFirst();
    const to = row?.to_region ?? null;
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(key, { to, until: now + (this.deps.cacheMs ?? FREEZE_CACHE_MS) });
    return to;
  }
}
