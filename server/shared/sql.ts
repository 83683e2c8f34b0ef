// Helpers for repositories that assemble SQL with optional conditions.
import type { PageCursor } from './pagination';

/**
 * A SQL string literal of a validated value, for the statements that take no bind parameters (COPY).
 * standard_conforming_strings is on in every supported PostgreSQL, so doubling quotes is enough.
 */
export const sqlLiteral = (value: string) => `'${value.replaceAll("'", "''")}'`;

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
