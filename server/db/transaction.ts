// One transaction on one pooled connection: BEGIN, the work, COMMIT; ROLLBACK on any error. For
// the repositories that write several statements with plain SQL (Prisma code uses $transaction).
import type pg from 'pg';

export async function withTransaction<T>(pool: Pick<pg.Pool, 'connect'>, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
