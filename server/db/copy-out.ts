// `COPY (query) TO STDOUT` as a stream of raw chunks, for the bulk reads that decode PostgreSQL's
// binary format themselves (bar ranges, dataset exports).
import type pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';

/**
 * The output of `COPY (${query}) TO STDOUT (FORMAT binary)` as it arrives. COPY takes no bind
 * parameters, so callers inline values with `sqlLiteral` (escaped literals of validated input). A
 * connection whose COPY did not finish (an error, or the consumer stopping early) is discarded,
 * not reused.
 */
export async function* copyOutBinary(pool: Pick<pg.Pool, 'connect'>, query: string): AsyncGenerator<Buffer> {
  const client = await pool.connect();
  let complete = false;
  try {
    for await (const chunk of client.query(copyTo(`COPY (${query}) TO STDOUT (FORMAT binary)`))) yield chunk as Buffer;
    complete = true;
  } finally {
    client.release(!complete);
  }
}
