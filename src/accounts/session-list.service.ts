import { NotFoundError } from '../errors.js';
import { dataKeyOf, type CellRegistry } from '../regions/cells.js';
import { openField } from '../regions/keys.js';
import type { Principal } from './session.service.js';

export interface SessionListDeps {
  cells: CellRegistry;
  now: () => Date;
}

export interface SessionItem {
  id: string;
  current: boolean;
  createdAt: string;
  lastSeenAt: string;
  userAgent: string | null;
}

/**
 * The owner's view of their sessions ("where you are signed in"), answered by the home cell: the user agent is
 * opened with the owner's data key for the owner alone. Also the prune of expired sessions (their sealed IPs and
 * user agents should not outlive them).
 */
export class SessionListService {
  constructor(private readonly deps: SessionListDeps) {}

  async list(principal: Principal): Promise<{ items: SessionItem[] }> {
    const cell = this.deps.cells.get(principal.region);
    const { db } = cell;
    const rows = await db
      .selectFrom('sessions')
      .select(['id', 'user_agent_enc', 'created_at', 'last_seen_at'])
      .where('user_id', '=', principal.userId)
      .where('expires_at', '>', this.deps.now().toISOString())
      .execute();
    const dek = await dataKeyOf(cell, principal.userId);
    const items = rows.map((r) => ({
      id: r.id,
      current: r.id === principal.sessionId,
      createdAt: r.created_at,
      lastSeenAt: r.last_seen_at ?? r.created_at,
      userAgent: r.user_agent_enc && dek ? openField(dek, principal.userId, 'user_agent', r.user_agent_enc) : null,
    }));
    // The current session first, then the most recently used.
    items.sort((a, b) => Number(b.current) - Number(a.current) || b.lastSeenAt.localeCompare(a.lastSeenAt));
    return { items };
  }

  /** Ends one of the owner's sessions (the current one too: that is signing out here). */
  async revoke(principal: Principal, sessionId: string): Promise<void> {
    const result = await this.deps.cells
      .get(principal.region)
      .db.deleteFrom('sessions')
      .where('id', '=', sessionId)
      .where('user_id', '=', principal.userId)
      .executeTakeFirst();
    if (Number(result.numDeletedRows) === 0)
      throw new NotFoundError('session.not_found', 'There is no such session of yours (it may have ended already).');
  }

  /** "Sign out everywhere else": every session of the owner but the one asking. */
  async revokeOthers(principal: Principal): Promise<number> {
    const result = await this.deps.cells
      .get(principal.region)
      .db.deleteFrom('sessions')
      .where('user_id', '=', principal.userId)
      .where('id', '!=', principal.sessionId)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /** Deletes the cell's sessions past their expiry; says how many. */
  async pruneExpired(region: string): Promise<number> {
    const result = await this.deps.cells
      .get(region)
      .db.deleteFrom('sessions')
      .where('expires_at', '<=', this.deps.now().toISOString())
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
