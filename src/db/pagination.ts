import { InvalidInputError } from '../errors.js';

/**
 * Keyset cursors: an opaque base64url JSON of the sort key of the last row served.
 * Lists never use OFFSET, so pages stay stable while new rows arrive.
 */
export function encodeCursor(key: Record<string, string | number>): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

export function decodeCursor<K extends Record<string, string | number>>(
  cursor: string | undefined,
  fields: (keyof K)[],
): K | undefined {
  if (!cursor) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Record<string, unknown>;
    for (const f of fields) {
      const v = parsed[f as string];
      if (typeof v !== 'string' && typeof v !== 'number') throw new Error('missing field');
    }
    return parsed as K;
  } catch {
    throw new InvalidInputError('cursor.invalid', 'The cursor is not valid; start again without one.');
  }
}

export function clampLimit(limit: number | undefined, fallback = 20, max = 100): number {
  if (limit === undefined) return fallback;
  return Math.max(1, Math.min(max, Math.floor(limit)));
}
