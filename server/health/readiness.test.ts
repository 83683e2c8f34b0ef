// Readiness: the database answers and every migration is applied; not while draining.
import net from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { primaryOnly } from '../db/read-router';
import { createTestDatabase, type TestDatabase } from '../testing/db';
import { HealthRepository } from './repository';
import { HealthService } from './service';

let db: TestDatabase;
const health = (pool: pg.Pool) => new HealthService(new HealthRepository(pool), pool, 'external', { timescaledb: false, extensionVersion: null }, primaryOnly(pool));

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.drop());

describe('readiness', () => {
  it('is ready on a migrated database, and not once draining', async () => {
    const service = health(db.pool);
    expect(await service.readiness()).toEqual({ ready: true });
    service.startDraining();
    expect(await service.readiness()).toEqual({ ready: false, reason: 'draining' });
  });

  it('is not ready, within about 2 s, when the database does not answer', async () => {
    // A server that accepts connections and never says a word, and a pool that would wait 10 s.
    const sockets: net.Socket[] = [];
    const silent = net.createServer((socket) => void sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as net.AddressInfo;
    const pool = new pg.Pool({ connectionString: `postgresql://x:y@127.0.0.1:${port}/none`, connectionTimeoutMillis: 10_000 });
    pool.on('error', () => undefined);
    try {
      const started = Date.now();
      expect(await health(pool).readiness()).toEqual({ ready: false, reason: 'database: no answer within 2000 ms' });
      expect(Date.now() - started).toBeLessThan(2500);
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
      await pool.end().catch(() => undefined);
    }
  });

  it('is not ready while a migration is not applied', async () => {
    const { rows } = await db.pool.query<{ name: string }>(
      `DELETE FROM _prisma_migrations WHERE migration_name = (SELECT max(migration_name) FROM _prisma_migrations) RETURNING migration_name AS name`,
    );
    expect(await health(db.pool).readiness()).toEqual({ ready: false, reason: `migrations not applied: ${rows[0]!.name}` });
  });
});
