// Helpers for repositories that assemble SQL with optional conditions.
import type { PageCursor } from './pagination';

/** Collects positional parameters while a query's optional conditions are assembled. */
export class SqlParams {
  readonly values: unknown[] = [];

  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/** Keyset condition for a (time DESC, id DESC) order; the cursor names the last row already served. */
export function afterCursor(timeColumn: string, idColumn: string, cursor: PageCursor, params: SqlParams): string {
  return `(${timeColumn}, ${idColumn}) < (${params.add(cursor.time)}::timestamptz, ${params.add(cursor.id)}::uuid)`;
}
