import type { Me } from '../api';

/** A signed-in account with the moderator role. */
export type Moderator = Me & { operator: NonNullable<Me['operator']> };

/**
 * Whether the signed-in account may use the moderation console (its links show; the routes still answer 403 to
 * anyone else, and a moderator of one region to cases of another).
 */
export const isModerator = (me: Me | null | undefined): me is Moderator => me?.operator?.role === 'moderator';
