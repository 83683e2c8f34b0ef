// Page sizes and keyset pagination on (time DESC, id DESC), shared by every listing: an opaque
// cursor names the last row served, and a page is fetched with limit + 1 rows.
import { z } from 'zod';
import { ROW_LIMITS, type RowLimit } from './limits';

/** `limit` of a listing, by its entry in ROW_LIMITS (shared with the SPA): an integer in [1, max], its default when absent. */
export const LimitSchema = ({ max, default: fallback }: RowLimit) => z.coerce.number<number>().int().min(1).max(max).default(fallback);

/** Position of the last row of a page in a (time DESC, id DESC) keyset. */
export interface PageCursor {
  time: Date;
  id: string;
}

function encodeCursor(cursor: PageCursor): string {
  return Buffer.from(JSON.stringify([cursor.time.toISOString(), cursor.id])).toString('base64url');
}

/**
 * One page of a keyset listing: `rows` were fetched with limit + 1, so an extra row means there
 * is a next page, which starts after the last row served.
 */
export function toPage<T, R>(rows: readonly T[], limit: number, cursorOf: (row: T) => PageCursor, toRow: (row: T) => R) {
  const served = rows.slice(0, limit);
  const last = served.at(-1);
  return { items: served.map(toRow), nextCursor: rows.length > limit && last ? encodeCursor(cursorOf(last)) : null };
}

/** An opaque `nextCursor` from a previous page, decoded; anything else is a 400. */
const CursorSchema = z.string().transform((text, ctx): PageCursor => {
  try {
    const [time, id] = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as unknown[];
    const date = new Date(time as string);
    if (typeof time === 'string' && typeof id === 'string' && z.uuid().safeParse(id).success && !Number.isNaN(date.getTime())) {
      return { time: date, id };
    }
  } catch {
    // reported below
  }
  ctx.addIssue({ code: 'custom', message: 'cursor must be a nextCursor returned by a previous page' });
  return z.NEVER;
});

export const PageQuerySchema = z.object({ limit: LimitSchema(ROW_LIMITS.keysetPage), cursor: CursorSchema.optional() });
