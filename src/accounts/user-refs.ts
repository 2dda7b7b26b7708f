import type { Kysely, Selectable } from 'kysely';
import type { DirectoryDb } from '../db/schema.js';
import type { UserRef } from './accounts.schema.js';
import type { DirectoryUsersTable } from './accounts.tables.js';

export type { UserRef } from './accounts.schema.js';

export function toUserRef(
  row: Pick<Selectable<DirectoryUsersTable>, 'id' | 'handle' | 'display_name' | 'avatar_url'>,
): UserRef {
  return { id: row.id, handle: row.handle, displayName: row.display_name, avatarUrl: row.avatar_url };
}

/** Active users by id from the directory, in one query. Deactivated or unknown users are absent. */
export async function userRefs(directory: Kysely<DirectoryDb>, ids: string[]): Promise<Map<string, UserRef>> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return new Map();
  const rows = await directory
    .selectFrom('users')
    .select(['id', 'handle', 'display_name', 'avatar_url'])
    .where('id', 'in', unique)
    .where('status', '=', 'active')
    .execute();
  return new Map(rows.map((r) => [r.id, toUserRef(r)]));
}
