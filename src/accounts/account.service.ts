import type { Kysely, Selectable } from 'kysely';
import type { Config } from '../config.js';
import type { Events } from '../events.js';
import { isUniqueViolation } from '../db/errors.js';
import { newId } from '../db/ids.js';
import type { DirectoryDb } from '../db/schema.js';
import { ConflictError, InvalidInputError, NotFoundError } from '../errors.js';
import type { Logger } from '../logging.js';
import type { Border } from '../regions/border.js';
import { dataKeyOf, type CellRegistry } from '../regions/cells.js';
import { openField, sealField } from '../regions/keys.js';
import type { AccountsTable, DirectoryUsersTable } from './accounts.tables.js';
import {
  ageOn,
  checkBio,
  checkBirthdate,
  checkCountry,
  checkDisplayName,
  checkEmail,
  checkPassword,
  normalizeHandle,
  suspendedUntil,
} from './account-rules.js';
import { LANGUAGES, type Language, type Me, type PublicUser, type WhoCanComment } from './accounts.schema.js';
import { hashPassword } from './passwords.js';
import type { TextPolicy } from '../moderation/blocked-terms.js';
import type { OperatorService } from './operator.service.js';
import { emailTaken, type AccountEmailService } from './account-email.service.js';

export interface SignupInput {
  handle: string;
  password: string;
  email: string;
  birthdate: string;
  country: string;
  /** Stored as the account's language (the first mail is written in it); absent, the account follows the browser. */
  language?: Language;
}

export type { Me, WhoCanComment } from './accounts.schema.js';
/** A public profile without the viewer's relation to it. */
export type PublicProfile = Omit<PublicUser, 'viewer'>;

export interface AccountServiceDeps {
  config: Pick<Config, 'countryRegion'>;
  directory: Kysely<DirectoryDb>;
  cells: CellRegistry;
  border: Border;
  now: () => Date;
  log: Logger;
  events: Events;
  /** Minimum age by region (default 13). */
  minAge?: (region: string) => number;
  /** Teen defaults by region (default: under 16 start private, comments from followers). */
  teenPolicy?: (region: string) => { until: number; privateAccount: boolean; whoCanComment: WhoCanComment };
  /** The region's blocked terms, for display names and bios. */
  text: TextPolicy;
  operators: Pick<OperatorService, 'find'>;
  /** The address's blind index (one account per address) and its verification mail. */
  emails: Pick<AccountEmailService, 'assertAvailable' | 'record' | 'sendVerification' | 'isVerified'>;
}

const PENDING_GRACE_MS = 10 * 60_000;

export function toPublicProfile(row: Selectable<DirectoryUsersTable>): PublicProfile {
  return {
    id: row.id,
    handle: row.handle,
    region: row.region,
    displayName: row.display_name,
    bio: row.bio,
    avatarUrl: row.avatar_url,
    private: row.private_account === 1,
    createdAt: row.created_at,
    stats: {
      followers: row.follower_count,
      following: row.following_count,
      likes: row.like_count,
      videos: row.video_count,
    },
  };
}

/**
 * Accounts live in the home cell of the country declared at signup. The directory holds only the handle
 * reservation, routing and the public profile, written through the border.
 */
export class AccountService {
  constructor(private readonly deps: AccountServiceDeps) {}

  regionFor(country: string): string {
    const region = this.deps.config.countryRegion[checkCountry(country)];
    if (!region) throw new InvalidInputError('account.country_unknown', `No region serves country ${country}.`);
    return region;
  }

  async signup(input: SignupInput): Promise<{ id: string; handle: string; region: string }> {
    const now = this.deps.now();
    const handle = normalizeHandle(input.handle);
    checkPassword(input.password, handle, [input.email]);
    const email = checkEmail(input.email);
    const country = checkCountry(input.country);
    const region = this.regionFor(country);
    const birthdate = checkBirthdate(input.birthdate, now, this.deps.minAge?.(region) ?? 13);
    // Telling a signup that its address is taken is accepted practice (a reset never tells).
    await this.deps.emails.assertAvailable(region, email);
    const cell = this.deps.cells.get(region);
    const passwordHash = await hashPassword(input.password);

    const id = newId(now.getTime());
    const at = now.toISOString();
    // The handle is reserved in the directory first: its unique index is what makes handles global.
    try {
      await this.deps.border.publish(region, 'profile.publish', 'users', {
        id,
        handle,
        region,
        status: 'pending',
        display_name: handle,
        bio: '',
        avatar_url: null,
        private_account: 0,
        created_at: at,
        updated_at: at,
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError('account.handle_taken', `The handle @${handle} is taken.`);
      throw err;
    }

    // Teens start private, with comments from followers only, unless the region's policy says otherwise.
    const teenPolicy = this.deps.teenPolicy?.(region) ?? {
      until: 16,
      privateAccount: true,
      whoCanComment: 'followers' as const,
    };
    const isTeen = ageOn(birthdate, now) < teenPolicy.until;
    const privateAccount = isTeen && teenPolicy.privateAccount;
    const whoCanComment: WhoCanComment = isTeen ? teenPolicy.whoCanComment : 'everyone';
    try {
      const { dek, wrapped } = cell.keys.newWrappedDek(id);
      await cell.db.transaction().execute(async (tx) => {
        await tx.insertInto('user_keys').values({ user_id: id, wrapped_dek: wrapped, created_at: at }).execute();
        await tx
          .insertInto('accounts')
          .values({
            id,
            handle,
            status: 'active',
            password_hash: passwordHash,
            email_enc: sealField(dek, id, 'email', email),
            birthdate_enc: sealField(dek, id, 'birthdate', birthdate),
            country,
            display_name: handle,
            bio: '',
            private_account: privateAccount ? 1 : 0,
            who_can_comment: whoCanComment,
            created_at: at,
            updated_at: at,
            deactivated_at: null,
            delete_after: null,
            language: input.language ?? null,
          })
          .execute();
        await this.deps.emails.record(tx, id, email, at);
      });
    } catch (err) {
      await this.deps.border.remove(region, 'profile.unpublish', 'users', { id }).catch(() => undefined);
      // The directory already settled the handle: a unique violation here is the address (a same-cell race).
      if (isUniqueViolation(err)) throw emailTaken();
      throw err;
    }
    await this.deps.border.update(
      region,
      'profile.publish',
      'users',
      { id },
      { status: 'active', private_account: privateAccount ? 1 : 0 },
    );
    await this.deps.emails.sendVerification(region, id);
    this.deps.log.info({ userId: id, region }, 'account created');
    return { id, handle, region };
  }

  /** Removes handle reservations left by a signup that crashed between the directory and the cell. */
  async reconcilePending(): Promise<number> {
    const cutoff = new Date(this.deps.now().getTime() - PENDING_GRACE_MS).toISOString();
    const pending = await this.deps.directory
      .selectFrom('users')
      .select(['id', 'region'])
      .where('status', '=', 'pending')
      .where('created_at', '<', cutoff)
      .execute();
    let removed = 0;
    for (const row of pending) {
      if (!this.deps.cells.has(row.region)) continue;
      const account = await this.deps.cells
        .get(row.region)
        .db.selectFrom('accounts')
        .select('id')
        .where('id', '=', row.id)
        .executeTakeFirst();
      if (account)
        await this.deps.border.update(row.region, 'profile.publish', 'users', { id: row.id }, { status: 'active' });
      else {
        await this.deps.border.remove(row.region, 'profile.unpublish', 'users', { id: row.id });
        removed++;
      }
    }
    return removed;
  }

  /** Where a user lives, from the directory. */
  async locate(userId: string): Promise<{ id: string; handle: string; region: string } | undefined> {
    return this.deps.directory
      .selectFrom('users')
      .select(['id', 'handle', 'region'])
      .where('id', '=', userId)
      .where('status', '=', 'active')
      .executeTakeFirst();
  }

  async locateHandle(handle: string): Promise<{ id: string; handle: string; region: string } | undefined> {
    return this.deps.directory
      .selectFrom('users')
      .select(['id', 'handle', 'region'])
      .where('handle', '=', handle.replace(/^@/, '').toLowerCase())
      .where('status', '=', 'active')
      .executeTakeFirst();
  }

  async me(userId: string, region: string): Promise<Me> {
    const cell = this.deps.cells.get(region);
    const row = await cell.db.selectFrom('accounts').selectAll().where('id', '=', userId).executeTakeFirst();
    const dek = await dataKeyOf(cell, userId);
    if (!row || !dek) throw new NotFoundError('account.not_found', 'This account no longer exists.');
    const [pub, op, emailVerified] = await Promise.all([
      this.deps.directory.selectFrom('users').select('avatar_url').where('id', '=', userId).executeTakeFirst(),
      this.deps.operators.find(userId),
      this.deps.emails.isVerified(region, userId),
    ]);
    return {
      ...this.toMe(
        row,
        region,
        openField(dek, userId, 'email', row.email_enc),
        openField(dek, userId, 'birthdate', row.birthdate_enc),
        pub?.avatar_url ?? null,
      ),
      operator: op ? { jurisdiction: op.jurisdiction, role: op.role } : null,
      emailVerified,
    };
  }

  async updateProfile(
    userId: string,
    region: string,
    patch: { displayName?: string; bio?: string; language?: Language | null },
  ): Promise<Me> {
    if (patch.language !== undefined)
      // The language is the user's own setting (protected): it stays in the cell, unlike the public profile.
      await this.deps.cells
        .get(region)
        .db.updateTable('accounts')
        .set({ language: patch.language })
        .where('id', '=', userId)
        .execute();
    const set: { display_name?: string; bio?: string } = {};
    if (patch.displayName !== undefined) set.display_name = checkDisplayName(patch.displayName);
    if (patch.bio !== undefined) set.bio = checkBio(patch.bio);
    await this.deps.text.check(region, set.display_name ?? '', set.bio ?? '');
    if (Object.keys(set).length > 0) {
      const at = this.deps.now().toISOString();
      await this.deps.cells
        .get(region)
        .db.updateTable('accounts')
        .set({ ...set, updated_at: at })
        .where('id', '=', userId)
        .execute();
      await this.deps.border.update(region, 'profile.publish', 'users', { id: userId }, { ...set, updated_at: at });
    }
    return this.me(userId, region);
  }

  async updatePrivacy(
    userId: string,
    region: string,
    patch: { privateAccount?: boolean; whoCanComment?: WhoCanComment },
  ): Promise<Me['privacy']> {
    const set: { private_account?: number; who_can_comment?: string } = {};
    if (patch.privateAccount !== undefined) set.private_account = patch.privateAccount ? 1 : 0;
    if (patch.whoCanComment !== undefined) set.who_can_comment = patch.whoCanComment;
    if (Object.keys(set).length > 0) {
      const db = this.deps.cells.get(region).db;
      const before = await db
        .selectFrom('accounts')
        .select('private_account')
        .where('id', '=', userId)
        .executeTakeFirst();
      const at = this.deps.now().toISOString();
      await db
        .updateTable('accounts')
        .set({ ...set, updated_at: at })
        .where('id', '=', userId)
        .execute();
      if (set.who_can_comment !== undefined)
        await this.deps.events.emit({ type: 'account.comment_setting_changed', region, userId });
      if (set.private_account !== undefined) {
        await this.deps.border.update(
          region,
          'profile.publish',
          'users',
          { id: userId },
          { private_account: set.private_account, updated_at: at },
        );
        // Going private takes the account's clips out of the public index (and back in): media follows.
        if (before && before.private_account !== set.private_account) {
          await this.deps.events.emit({
            type: 'account.audience_changed',
            region,
            userId,
            narrowed: set.private_account === 1,
          });
        }
      }
    }
    return (await this.me(userId, region)).privacy;
  }

  /** Moderation's suspension (until a time) or its end (null). The account may still sign in and read. */
  async setSuspension(region: string, userId: string, until: string | null): Promise<void> {
    await this.deps.cells
      .get(region)
      .db.updateTable('accounts')
      .set({ suspended_until: until })
      .where('id', '=', userId)
      .execute();
  }

  /**
   * Moderation's ban, or its reversal. A banned account is signed out everywhere, cannot sign in, and is gone for
   * everyone as a deactivated one is (profile, clips, media). False when the account is not in a state to change
   * (e.g. deactivated for deletion).
   */
  async setBanned(region: string, userId: string, banned: boolean): Promise<boolean> {
    const [from, to] = banned ? ['active', 'banned'] : ['banned', 'active'];
    const at = this.deps.now().toISOString();
    const changed = await this.deps.cells
      .get(region)
      .db.transaction()
      .execute(async (tx) => {
        const res = await tx
          .updateTable('accounts')
          .set({ status: to, updated_at: at })
          .where('id', '=', userId)
          .where('status', '=', from)
          .executeTakeFirst();
        if (banned) await tx.deleteFrom('sessions').where('user_id', '=', userId).execute();
        return Number(res.numUpdatedRows) === 1;
      });
    if (!changed) return false;
    await this.deps.border.update(region, 'profile.publish', 'users', { id: userId }, { status: to, updated_at: at });
    await this.deps.events.emit({ type: 'account.audience_changed', region, userId, narrowed: banned });
    return true;
  }

  async publicProfile(handle: string): Promise<PublicProfile> {
    const row = await this.deps.directory
      .selectFrom('users')
      .selectAll()
      .where('handle', '=', handle.replace(/^@/, '').toLowerCase())
      .where('status', '=', 'active')
      .executeTakeFirst();
    if (!row) throw new NotFoundError('user.not_found', `There is no user @${handle.replace(/^@/, '')}.`);
    return toPublicProfile(row);
  }

  private toMe(
    row: Selectable<AccountsTable>,
    region: string,
    email: string,
    birthdate: string,
    avatarUrl: string | null,
  ): Omit<Me, 'operator' | 'emailVerified'> {
    return {
      id: row.id,
      handle: row.handle,
      region,
      email,
      birthdate,
      country: row.country,
      displayName: row.display_name,
      bio: row.bio,
      avatarUrl,
      createdAt: row.created_at,
      privacy: { privateAccount: row.private_account === 1, whoCanComment: row.who_can_comment as WhoCanComment },
      language: (LANGUAGES as readonly string[]).includes(row.language ?? '') ? (row.language as Language) : null,
      suspendedUntil: suspendedUntil(row.suspended_until, this.deps.now()),
    };
  }
}
