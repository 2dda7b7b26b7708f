import { sql, type Kysely } from 'kysely';
import { toPublicProfile, type PublicProfile } from '../accounts/account.service.js';
import { isUniqueViolation } from '../db/errors.js';
import { clampLimit, decodeCursor, encodeCursor } from '../db/pagination.js';
import type { DirectoryDb } from '../db/schema.js';
import { ConflictError, ForbiddenError, InvalidInputError, NotFoundError } from '../errors.js';
import type { Border } from '../regions/border.js';
import type { CellRegistry } from '../regions/cells.js';
import type { NotificationService } from './notification.service.js';
import { TtlCache } from '../ttl-cache.js';
import { userRefs, type UserRef } from '../accounts/user-refs.js';
import type { VideoService } from '../media/video.service.js';
import type { MoveFreeze } from '../regions/move-freeze.js';

export interface Actor {
  userId: string;
  region: string;
}

/** What a viewer's own cell says about other accounts, read in one query for feeds and filters. */
export interface ViewerRelations {
  following: Set<string>;
  /** The home region of each account followed (where its clips live). */
  followingRegions: Map<string, string>;
  /** Accounts hidden from the viewer either way: those the viewer blocked and those who blocked the viewer. */
  blocked: Set<string>;
  muted: Set<string>;
}

export interface GraphServiceDeps {
  directory: Kysely<DirectoryDb>;
  cells: CellRegistry;
  border: Border;
  notifications: NotificationService;
  /** Media's clips: a block or an unfollow narrows who may see them, and their links must follow. */
  videos: Pick<VideoService, 'narrowed'>;
  now: () => Date;
  /** Accounts whose data is moving home region. */
  freeze?: MoveFreeze;
}

/** How long a viewer's relations are reused: bounds how late a write made by another process is seen. */
const RELATIONS_TTL_MS = 10_000;
const RELATIONS_CAPACITY = 20_000;

interface Target {
  id: string;
  handle: string;
  region: string;
  private_account: number;
}

type Page = { cursor?: string; limit?: number };

/**
 * Follows, follow requests, blocks and mutes. A follow is written in the follower's cell (protected: the
 * follows they made) and crosses as the `follow.create` flow to the followee's cell, which keeps its
 * followers list and sends the notification. Each cell adjusts the directory counters of its own user.
 */
export class GraphService {
  constructor(private readonly deps: GraphServiceDeps) {
    const { border } = deps;
    border.declareFlow(
      {
        type: 'follow.create',
        fields: { follower_id: 'interop', follower_region: 'interop', followee_id: 'interop', status: 'interop' },
      },
      (p, to) =>
        this.receiveFollow(
          String(p.follower_id),
          String(p.follower_region),
          String(p.followee_id),
          String(p.status),
          to,
        ),
    );
    border.declareFlow({ type: 'follow.remove', fields: { follower_id: 'interop', followee_id: 'interop' } }, (p, to) =>
      this.receiveUnfollow(String(p.follower_id), String(p.followee_id), to),
    );
    border.declareFlow(
      { type: 'follow.decision', fields: { follower_id: 'interop', followee_id: 'interop', approved: 'interop' } },
      (p, to) => this.receiveDecision(String(p.follower_id), String(p.followee_id), p.approved === true, to),
    );
    border.declareFlow(
      { type: 'block.set', fields: { blocker_id: 'interop', blocked_id: 'interop', active: 'interop' } },
      (p, to) => this.receiveBlock(String(p.blocker_id), String(p.blocked_id), p.active === true, to),
    );
  }

  private db(region: string) {
    return this.deps.cells.get(region).db;
  }

  /**
   * Viewers' relations as last read, so each feed page does not re-read the whole follow and block lists.
   * This process's own writes drop the copy at once (`changed`); another process's show within the TTL.
   */
  private readonly relationCache = new TtlCache<ViewerRelations>({
    ttlMs: RELATIONS_TTL_MS,
    capacity: RELATIONS_CAPACITY,
  });

  private changed(region: string, userId: string): void {
    this.relationCache.delete(`${region}:${userId}`);
  }

  async findUser(handle: string): Promise<Target> {
    const row = await this.deps.directory
      .selectFrom('users')
      .select(['id', 'handle', 'region', 'private_account'])
      .where('handle', '=', handle.replace(/^@/, '').toLowerCase())
      .where('status', '=', 'active')
      .executeTakeFirst();
    if (!row) throw new NotFoundError('user.not_found', `There is no user @${handle.replace(/^@/, '')}.`);
    return row;
  }

  /**
   * The user a follow, block or follow decision writes about: their side of it lives in their home cell, which
   * takes no writes while their data moves (it would be lost with the old copy).
   */
  private async writableUser(handle: string): Promise<Target> {
    const target = await this.findUser(handle);
    const to = await this.deps.freeze?.movingTo(target.id, target.region);
    if (to)
      throw new ConflictError(
        'user.moving',
        `@${target.handle}'s data is moving to region ${to}; try again in a moment.`,
      );
    return target;
  }

  private async adjustUser(region: string, userId: string, deltas: Record<string, number>): Promise<void> {
    await this.deps.border.adjustCounters(region, 'follow.count', 'users', { id: userId }, deltas);
  }

  /** Follows an account; a private account gets a pending request instead. Following twice changes nothing. */
  async follow(me: Actor, handle: string): Promise<{ status: 'active' | 'pending' }> {
    const target = await this.writableUser(handle);
    if (target.id === me.userId) throw new InvalidInputError('follow.self', 'You cannot follow yourself.');
    const db = this.db(me.region);
    const blockedBy = await db
      .selectFrom('blocked_by')
      .select('blocker_id')
      .where('user_id', '=', me.userId)
      .where('blocker_id', '=', target.id)
      .executeTakeFirst();
    if (blockedBy) throw new ForbiddenError('follow.blocked', `You cannot follow @${target.handle}.`);
    const iBlocked = await db
      .selectFrom('blocks')
      .select('blocked_id')
      .where('blocker_id', '=', me.userId)
      .where('blocked_id', '=', target.id)
      .executeTakeFirst();
    if (iBlocked)
      throw new ForbiddenError('follow.blocking', `You blocked @${target.handle}; unblock them before following.`);
    const existing = await db
      .selectFrom('follows')
      .select('status')
      .where('follower_id', '=', me.userId)
      .where('followee_id', '=', target.id)
      .executeTakeFirst();
    if (existing) return { status: existing.status as 'active' | 'pending' };

    const status = target.private_account === 1 ? 'pending' : 'active';
    try {
      await db
        .insertInto('follows')
        .values({
          follower_id: me.userId,
          followee_id: target.id,
          followee_region: target.region,
          status,
          created_at: this.deps.now().toISOString(),
        })
        .execute();
    } catch (err) {
      if (isUniqueViolation(err)) return { status };
      throw err;
    } finally {
      this.changed(me.region, me.userId);
    }
    try {
      await this.deps.border.deliver(me.region, target.region, 'follow.create', {
        follower_id: me.userId,
        follower_region: me.region,
        followee_id: target.id,
        status,
      });
    } catch (err) {
      await db
        .deleteFrom('follows')
        .where('follower_id', '=', me.userId)
        .where('followee_id', '=', target.id)
        .execute();
      this.changed(me.region, me.userId);
      throw err;
    }
    if (status === 'active') await this.adjustUser(me.region, me.userId, { following_count: 1 });
    return { status };
  }

  private async receiveFollow(
    followerId: string,
    followerRegion: string,
    followeeId: string,
    status: string,
    region: string,
  ): Promise<void> {
    const db = this.db(region);
    const blocked = await db
      .selectFrom('blocks')
      .select('blocked_id')
      .where('blocker_id', '=', followeeId)
      .where('blocked_id', '=', followerId)
      .executeTakeFirst();
    if (blocked) throw new ForbiddenError('follow.blocked', 'You cannot follow this account.');
    const at = this.deps.now().toISOString();
    if (status === 'pending') {
      const res = await db
        .insertInto('follow_requests')
        .values({ target_id: followeeId, requester_id: followerId, requester_region: followerRegion, created_at: at })
        .onConflict((oc) => oc.doNothing())
        .executeTakeFirst();
      if (Number(res.numInsertedOrUpdatedRows ?? 0) > 0) {
        await this.deps.notifications.notify(region, {
          recipient: { id: followeeId, region },
          type: 'follow_request',
          actorId: followerId,
        });
      }
      return;
    }
    const res = await db
      .insertInto('followers')
      .values({ followee_id: followeeId, follower_id: followerId, follower_region: followerRegion, created_at: at })
      .onConflict((oc) => oc.doNothing())
      .executeTakeFirst();
    if (Number(res.numInsertedOrUpdatedRows ?? 0) > 0) {
      await this.adjustUser(region, followeeId, { follower_count: 1 });
      await this.deps.notifications.notify(region, {
        recipient: { id: followeeId, region },
        type: 'follow',
        actorId: followerId,
      });
    }
  }

  /** Unfollows, or withdraws a pending request. Unfollowing someone you do not follow changes nothing. */
  async unfollow(me: Actor, handle: string): Promise<void> {
    const target = await this.writableUser(handle);
    if (target.id === me.userId) throw new InvalidInputError('follow.self', 'You cannot follow or unfollow yourself.');
    await this.dropFollow(me.region, me.userId, target.id, target.region);
  }

  /** Deletes a follow row in the follower's cell and tells the followee's cell. */
  private async dropFollow(
    region: string,
    followerId: string,
    followeeId: string,
    followeeRegion: string,
  ): Promise<void> {
    const db = this.db(region);
    const row = await db
      .selectFrom('follows')
      .select('status')
      .where('follower_id', '=', followerId)
      .where('followee_id', '=', followeeId)
      .executeTakeFirst();
    if (!row) return;
    const res = await db
      .deleteFrom('follows')
      .where('follower_id', '=', followerId)
      .where('followee_id', '=', followeeId)
      .executeTakeFirst();
    this.changed(region, followerId);
    if (Number(res.numDeletedRows) === 0) return;
    if (row.status === 'active') await this.adjustUser(region, followerId, { following_count: -1 });
    await this.deps.border.deliver(region, followeeRegion, 'follow.remove', {
      follower_id: followerId,
      followee_id: followeeId,
    });
  }

  private async receiveUnfollow(followerId: string, followeeId: string, region: string): Promise<void> {
    const db = this.db(region);
    const res = await db
      .deleteFrom('followers')
      .where('followee_id', '=', followeeId)
      .where('follower_id', '=', followerId)
      .executeTakeFirst();
    if (Number(res.numDeletedRows) > 0) {
      await this.adjustUser(region, followeeId, { follower_count: -1 });
      // The former follower's links to followers-only clips (and to a private account's clips) stop working.
      await this.deps.videos.narrowed(region, followeeId);
    }
    await db
      .deleteFrom('follow_requests')
      .where('target_id', '=', followeeId)
      .where('requester_id', '=', followerId)
      .execute();
  }

  async followRequests(me: Actor, page: Page): Promise<{ items: UserRef[]; cursor: string | null }> {
    const limit = clampLimit(page.limit);
    const after = decodeCursor<{ t: string; u: string }>(page.cursor, ['t', 'u']);
    let q = this.db(me.region)
      .selectFrom('follow_requests')
      .select(['requester_id', 'created_at'])
      .where('target_id', '=', me.userId);
    if (after)
      q = q.where((eb) =>
        eb.or([
          eb('created_at', '<', after.t),
          eb.and([eb('created_at', '=', after.t), eb('requester_id', '<', after.u)]),
        ]),
      );
    const rows = await q
      .orderBy('created_at', 'desc')
      .orderBy('requester_id', 'desc')
      .limit(limit + 1)
      .execute();
    const pageRows = rows.slice(0, limit);
    const refs = await userRefs(
      this.deps.directory,
      pageRows.map((r) => r.requester_id),
    );
    const last = pageRows[pageRows.length - 1];
    return {
      items: pageRows.flatMap((r) => (refs.has(r.requester_id) ? [refs.get(r.requester_id)!] : [])),
      cursor: rows.length > limit && last ? encodeCursor({ t: last.created_at, u: last.requester_id }) : null,
    };
  }

  /** Approves or denies a pending request to follow me. */
  async decide(me: Actor, handle: string, approve: boolean): Promise<void> {
    const requester = await this.writableUser(handle);
    const db = this.db(me.region);
    const request = await db
      .selectFrom('follow_requests')
      .select('requester_region')
      .where('target_id', '=', me.userId)
      .where('requester_id', '=', requester.id)
      .executeTakeFirst();
    if (!request)
      throw new NotFoundError('follow_request.not_found', `@${requester.handle} has no pending request to follow you.`);
    await db
      .deleteFrom('follow_requests')
      .where('target_id', '=', me.userId)
      .where('requester_id', '=', requester.id)
      .execute();
    if (approve) {
      const res = await db
        .insertInto('followers')
        .values({
          followee_id: me.userId,
          follower_id: requester.id,
          follower_region: requester.region,
          created_at: this.deps.now().toISOString(),
        })
        .onConflict((oc) => oc.doNothing())
        .executeTakeFirst();
      if (Number(res.numInsertedOrUpdatedRows ?? 0) > 0)
        await this.adjustUser(me.region, me.userId, { follower_count: 1 });
    }
    await this.deps.border.deliver(me.region, requester.region, 'follow.decision', {
      follower_id: requester.id,
      followee_id: me.userId,
      approved: approve,
    });
  }

  private async receiveDecision(
    followerId: string,
    followeeId: string,
    approved: boolean,
    region: string,
  ): Promise<void> {
    const db = this.db(region);
    if (approved) {
      const res = await db
        .updateTable('follows')
        .set({ status: 'active' })
        .where('follower_id', '=', followerId)
        .where('followee_id', '=', followeeId)
        .where('status', '=', 'pending')
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) > 0) await this.adjustUser(region, followerId, { following_count: 1 });
    } else {
      await db
        .deleteFrom('follows')
        .where('follower_id', '=', followerId)
        .where('followee_id', '=', followeeId)
        .where('status', '=', 'pending')
        .execute();
    }
    this.changed(region, followerId);
  }

  /** Blocks an account: follows both ways end, and the blocked account can no longer follow, comment or see my clips. */
  async block(me: Actor, handle: string): Promise<void> {
    const target = await this.writableUser(handle);
    if (target.id === me.userId) throw new InvalidInputError('block.self', 'You cannot block yourself.');
    const db = this.db(me.region);
    await db
      .insertInto('blocks')
      .values({
        blocker_id: me.userId,
        blocked_id: target.id,
        blocked_region: target.region,
        created_at: this.deps.now().toISOString(),
      })
      .onConflict((oc) => oc.doNothing())
      .execute();
    this.changed(me.region, me.userId);
    await this.dropFollow(me.region, me.userId, target.id, target.region);
    const theirs = await db
      .deleteFrom('followers')
      .where('followee_id', '=', me.userId)
      .where('follower_id', '=', target.id)
      .executeTakeFirst();
    if (Number(theirs.numDeletedRows) > 0) await this.adjustUser(me.region, me.userId, { follower_count: -1 });
    await db
      .deleteFrom('follow_requests')
      .where('target_id', '=', me.userId)
      .where('requester_id', '=', target.id)
      .execute();
    // Every link the blocked account holds to my clips stops working.
    await this.deps.videos.narrowed(me.region, me.userId, true);
    await this.deps.border.deliver(me.region, target.region, 'block.set', {
      blocker_id: me.userId,
      blocked_id: target.id,
      active: true,
    });
  }

  async unblock(me: Actor, handle: string): Promise<void> {
    const target = await this.writableUser(handle);
    const res = await this.db(me.region)
      .deleteFrom('blocks')
      .where('blocker_id', '=', me.userId)
      .where('blocked_id', '=', target.id)
      .executeTakeFirst();
    this.changed(me.region, me.userId);
    if (Number(res.numDeletedRows) > 0) {
      await this.deps.border.deliver(me.region, target.region, 'block.set', {
        blocker_id: me.userId,
        blocked_id: target.id,
        active: false,
      });
    }
  }

  private async receiveBlock(blockerId: string, blockedId: string, active: boolean, region: string): Promise<void> {
    const db = this.db(region);
    if (!active) {
      await db.deleteFrom('blocked_by').where('user_id', '=', blockedId).where('blocker_id', '=', blockerId).execute();
      this.changed(region, blockedId);
      return;
    }
    await db
      .insertInto('blocked_by')
      .values({ user_id: blockedId, blocker_id: blockerId, created_at: this.deps.now().toISOString() })
      .onConflict((oc) => oc.doNothing())
      .execute();
    this.changed(region, blockedId);
    // A block hides both ways: the blocker's links to the blocked account's clips stop working too.
    await this.deps.videos.narrowed(region, blockedId, true);
    // The blocked side's own rows: its follow of the blocker (or request) and the blocker's follow of it.
    const follow = await db
      .selectFrom('follows')
      .select('status')
      .where('follower_id', '=', blockedId)
      .where('followee_id', '=', blockerId)
      .executeTakeFirst();
    if (follow) {
      await db
        .deleteFrom('follows')
        .where('follower_id', '=', blockedId)
        .where('followee_id', '=', blockerId)
        .execute();
      this.changed(region, blockedId);
      if (follow.status === 'active') await this.adjustUser(region, blockedId, { following_count: -1 });
    }
    const follower = await db
      .deleteFrom('followers')
      .where('followee_id', '=', blockedId)
      .where('follower_id', '=', blockerId)
      .executeTakeFirst();
    if (Number(follower.numDeletedRows) > 0) await this.adjustUser(region, blockedId, { follower_count: -1 });
    await db
      .deleteFrom('follow_requests')
      .where('target_id', '=', blockedId)
      .where('requester_id', '=', blockerId)
      .execute();
  }

  async mute(me: Actor, handle: string, on: boolean): Promise<void> {
    const target = await this.findUser(handle);
    if (target.id === me.userId) throw new InvalidInputError('mute.self', 'You cannot mute yourself.');
    const db = this.db(me.region);
    if (on) {
      await db
        .insertInto('mutes')
        .values({ user_id: me.userId, muted_id: target.id, created_at: this.deps.now().toISOString() })
        .onConflict((oc) => oc.doNothing())
        .execute();
    } else {
      await db.deleteFrom('mutes').where('user_id', '=', me.userId).where('muted_id', '=', target.id).execute();
    }
    this.changed(me.region, me.userId);
  }

  /** A private account's lists are shown only to the account itself and its approved followers. */
  private async assertListVisible(target: Target, viewer: Actor | null): Promise<void> {
    if (target.private_account !== 1 || viewer?.userId === target.id) return;
    if (viewer) {
      const row = await this.db(target.region)
        .selectFrom('followers')
        .select('follower_id')
        .where('followee_id', '=', target.id)
        .where('follower_id', '=', viewer.userId)
        .executeTakeFirst();
      if (row) return;
    }
    throw new ForbiddenError('user.private', `@${target.handle} is private; follow them to see this.`);
  }

  async followers(
    handle: string,
    viewer: Actor | null,
    page: Page,
  ): Promise<{ items: PublicProfile[]; cursor: string | null }> {
    const target = await this.findUser(handle);
    await this.assertListVisible(target, viewer);
    const limit = clampLimit(page.limit);
    const after = decodeCursor<{ t: string; u: string }>(page.cursor, ['t', 'u']);
    let q = this.db(target.region)
      .selectFrom('followers')
      .select(['follower_id as user_id', 'created_at'])
      .where('followee_id', '=', target.id);
    if (after)
      q = q.where((eb) =>
        eb.or([
          eb('created_at', '<', after.t),
          eb.and([eb('created_at', '=', after.t), eb('follower_id', '<', after.u)]),
        ]),
      );
    const rows = await q
      .orderBy('created_at', 'desc')
      .orderBy('follower_id', 'desc')
      .limit(limit + 1)
      .execute();
    return this.profilePage(rows, limit);
  }

  async following(
    handle: string,
    viewer: Actor | null,
    page: Page,
  ): Promise<{ items: PublicProfile[]; cursor: string | null }> {
    const target = await this.findUser(handle);
    await this.assertListVisible(target, viewer);
    const limit = clampLimit(page.limit);
    const after = decodeCursor<{ t: string; u: string }>(page.cursor, ['t', 'u']);
    let q = this.db(target.region)
      .selectFrom('follows')
      .select(['followee_id as user_id', 'created_at'])
      .where('follower_id', '=', target.id)
      .where('status', '=', 'active');
    if (after)
      q = q.where((eb) =>
        eb.or([
          eb('created_at', '<', after.t),
          eb.and([eb('created_at', '=', after.t), eb('followee_id', '<', after.u)]),
        ]),
      );
    const rows = await q
      .orderBy('created_at', 'desc')
      .orderBy('followee_id', 'desc')
      .limit(limit + 1)
      .execute();
    return this.profilePage(rows, limit);
  }

  private async profilePage(
    rows: { user_id: string; created_at: string }[],
    limit: number,
  ): Promise<{ items: PublicProfile[]; cursor: string | null }> {
    const pageRows = rows.slice(0, limit);
    const ids = pageRows.map((r) => r.user_id);
    const users = ids.length
      ? await this.deps.directory
          .selectFrom('users')
          .selectAll()
          .where('id', 'in', ids)
          .where('status', '=', 'active')
          .execute()
      : [];
    const byId = new Map(users.map((u) => [u.id, toPublicProfile(u)]));
    const last = pageRows[pageRows.length - 1];
    return {
      items: ids.flatMap((id) => (byId.has(id) ? [byId.get(id)!] : [])),
      cursor: rows.length > limit && last ? encodeCursor({ t: last.created_at, u: last.user_id }) : null,
    };
  }

  /** Follows, blocks (both ways) and mutes of one viewer, from their own cell in one query. */
  async relations(viewer: Actor): Promise<ViewerRelations> {
    const key = `${viewer.region}:${viewer.userId}`;
    const now = this.deps.now().getTime();
    const cached = this.relationCache.entry(key, now);
    if (cached) return cached.value;
    const since = this.relationCache.version;
    const db = this.db(viewer.region);
    const rows = await db
      .selectFrom('follows')
      .select([sql<string>`'f'`.as('k'), 'followee_id as id', 'followee_region as region'])
      .where('follower_id', '=', viewer.userId)
      .where('status', '=', 'active')
      .unionAll(
        db
          .selectFrom('blocks')
          .select([sql<string>`'b'`.as('k'), 'blocked_id as id', sql<string>`''`.as('region')])
          .where('blocker_id', '=', viewer.userId),
      )
      .unionAll(
        db
          .selectFrom('blocked_by')
          .select([sql<string>`'b'`.as('k'), 'blocker_id as id', sql<string>`''`.as('region')])
          .where('user_id', '=', viewer.userId),
      )
      .unionAll(
        db
          .selectFrom('mutes')
          .select([sql<string>`'m'`.as('k'), 'muted_id as id', sql<string>`''`.as('region')])
          .where('user_id', '=', viewer.userId),
      )
      .execute();
    const out: ViewerRelations = {
      following: new Set(),
      followingRegions: new Map(),
      blocked: new Set(),
      muted: new Set(),
    };
    for (const r of rows) {
      if (r.k === 'f') {
        out.following.add(r.id);
        out.followingRegions.set(r.id, r.region);
      } else (r.k === 'b' ? out.blocked : out.muted).add(r.id);
    }
    // A read that overlapped a write may predate it: used once, not kept.
    this.relationCache.set(key, out, now, since);
    return out;
  }

  /**
   * The viewer's relation to one account, for a profile's follow button: one indexed query in the viewer's cell
   * (`relations` would read the viewer's whole graph). `blocked` is the viewer's own block, not being blocked.
   */
  async viewerState(
    viewer: Actor,
    targetId: string,
  ): Promise<{ following: boolean; requested: boolean; blocked: boolean; muted: boolean; self: boolean }> {
    if (viewer.userId === targetId)
      return { following: false, requested: false, blocked: false, muted: false, self: true };
    const db = this.db(viewer.region);
    const rows = await db
      .selectFrom('follows')
      .select([sql<string>`'f'`.as('k'), 'status'])
      .where('follower_id', '=', viewer.userId)
      .where('followee_id', '=', targetId)
      .unionAll(
        db
          .selectFrom('blocks')
          .select([sql<string>`'b'`.as('k'), sql<string>`''`.as('status')])
          .where('blocker_id', '=', viewer.userId)
          .where('blocked_id', '=', targetId),
      )
      .unionAll(
        db
          .selectFrom('mutes')
          .select([sql<string>`'m'`.as('k'), sql<string>`''`.as('status')])
          .where('user_id', '=', viewer.userId)
          .where('muted_id', '=', targetId),
      )
      .execute();
    const follow = rows.find((r) => r.k === 'f')?.status;
    return {
      following: follow === 'active',
      requested: follow === 'pending',
      blocked: rows.some((r) => r.k === 'b'),
      muted: rows.some((r) => r.k === 'm'),
      self: false,
    };
  }

  /** Whether the viewer follows or has asked to follow someone, from the viewer's cell. */
  async followState(viewer: Actor, targetId: string): Promise<'active' | 'pending' | 'none'> {
    const row = await this.db(viewer.region)
      .selectFrom('follows')
      .select('status')
      .where('follower_id', '=', viewer.userId)
      .where('followee_id', '=', targetId)
      .executeTakeFirst();
    return (row?.status as 'active' | 'pending' | undefined) ?? 'none';
  }
}
