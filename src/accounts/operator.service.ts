import type { Kysely } from 'kysely';
import type { DirectoryDb } from '../db/schema.js';
import { InvalidInputError, NotFoundError } from '../errors.js';
import type { CellRegistry } from '../regions/cells.js';

export const OPERATOR_ROLES = ['moderator', 'support', 'security', 'auditor'] as const;
export type OperatorRole = (typeof OPERATOR_ROLES)[number];

export interface OperatorRecord {
  userId: string;
  jurisdiction: string;
  role: OperatorRole;
}

/**
 * Operators are existing accounts given a jurisdiction and a role. A regional operator's record lives in
 * the cell of its jurisdiction; a `global` one in the directory.
 */
export class OperatorService {
  constructor(private readonly deps: { directory: Kysely<DirectoryDb>; cells: CellRegistry; now: () => Date }) {}

  async add(handle: string, jurisdiction: string, role: string): Promise<OperatorRecord> {
    if (!(OPERATOR_ROLES as readonly string[]).includes(role)) {
      throw new InvalidInputError('operator.role_invalid', `Role must be one of ${OPERATOR_ROLES.join(', ')}.`);
    }
    if (jurisdiction !== 'global' && !this.deps.cells.has(jurisdiction)) {
      throw new InvalidInputError(
        'operator.jurisdiction_invalid',
        `Jurisdiction must be global or one of ${this.deps.cells.regions().join(', ')}.`,
      );
    }
    const user = await this.deps.directory
      .selectFrom('users')
      .select('id')
      .where('handle', '=', handle.replace(/^@/, '').toLowerCase())
      .where('status', '=', 'active')
      .executeTakeFirst();
    if (!user) throw new NotFoundError('user.not_found', `There is no user @${handle}.`);
    const row = { user_id: user.id, jurisdiction, role, created_at: this.deps.now().toISOString() };
    // One record per operator: moving jurisdiction removes the old one.
    await this.deps.directory.deleteFrom('operators').where('user_id', '=', user.id).execute();
    for (const cell of this.deps.cells.all())
      await cell.db.deleteFrom('operators').where('user_id', '=', user.id).execute();
    const db = (jurisdiction === 'global' ? this.deps.directory : this.deps.cells.get(jurisdiction).db) as Kysely<any>;
    await db.insertInto('operators').values(row).execute();
    return { userId: user.id, jurisdiction, role: role as OperatorRole };
  }

  /** The operator record of a user, looked up in every cell and the directory. */
  async find(userId: string): Promise<OperatorRecord | undefined> {
    const global = await this.deps.directory
      .selectFrom('operators')
      .selectAll()
      .where('user_id', '=', userId)
      .executeTakeFirst();
    if (global) return { userId, jurisdiction: global.jurisdiction, role: global.role as OperatorRole };
    const row = await this.deps.cells.first((cell) =>
      cell.db.selectFrom('operators').selectAll().where('user_id', '=', userId).executeTakeFirst(),
    );
    return row && { userId, jurisdiction: row.jurisdiction, role: row.role as OperatorRole };
  }
}
