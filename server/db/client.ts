// One pg pool per process, shared by Prisma (through @prisma/adapter-pg) and by the repositories'
// hand-written SQL on the hot paths (COPY, range reads), so both see the same connection limits.
import pg from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';
import { DatabaseAvailability } from './availability';
import { PrismaClient } from './generated/client';

export interface DbHandles {
  pool: pg.Pool;
  prisma: PrismaClient;
  /** Whether the database answers; while it does not, the pool refuses at once (availability.ts). */
  availability: DatabaseAvailability;
}

/** A short connect timeout: an unreachable database must fail a request well within 2 s. */
const DEFAULT_CONNECT_TIMEOUT_MS = 1_000;

export function createDbHandles(url: string, poolMax: number, connectTimeoutMs = DEFAULT_CONNECT_TIMEOUT_MS): DbHandles {
  const pool = new pg.Pool({
    connectionString: url,
    max: poolMax,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: connectTimeoutMs,
    application_name: 'quantbase',
  });
  // An idle client losing its connection (server restart) must not crash the process; the
  // availability monitor listens for it too.
  pool.on('error', () => undefined);
  const availability = new DatabaseAvailability(pool);
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  return { pool, prisma, availability };
}

/** Creates `name` on the server behind `serverUrl` if missing; returns a URL pointing at it. */
export async function ensureDatabase(serverUrl: string, name: string): Promise<string> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
  } finally {
    await client.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
