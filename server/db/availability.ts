// Knows whether PostgreSQL can be reached. A connection-level failure seen by the pool (a refused or
// timed-out connect, an idle connection cut by a server shutdown) marks the database down; from
// then on the pool refuses at once instead of letting each caller wait out a connect timeout, and
// a cheap probe (a fresh connection and SELECT 1) runs at once and then every PROBE_INTERVAL_MS
// until one succeeds.
// The pool itself is never replaced: once the probe succeeds, new connections are made as usual.
import pg from 'pg';
import { logger } from '../logger';
import { DomainError } from '../shared/domain-error';

const PROBE_INTERVAL_MS = 500;

/** Node socket errors, SQLSTATE classes 08 (connection exception) and 57P (operator intervention), Prisma's "can't reach". */
const CONNECTION_FAILURE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EPIPE', '57P01', '57P02', '57P03', 'P1001', 'P1002', 'P1017']);
// pg's own errors carry no code: a connect timeout, a connection ended under a query, or a query
// sent on a client whose connection already broke.
const CONNECTION_FAILURE_MESSAGES = /connect(ion)? (timeout|terminated)|timeout exceeded when trying to connect|Connection terminated|is not queryable/i;

export const DATABASE_UNAVAILABLE_MESSAGE = 'The database is unavailable; retry shortly';

/**
 * Every code along an error's wrappers, the most precise first: the driver error inside a Prisma
 * error's `meta` (a database error Prisma has no code of its own for, P2039, carries the SQLSTATE
 * there: a NUL byte in a text column is 22021), then the error's own code, then its `cause`.
 */
function codesAlong(error: unknown, codes: string[] = [], depth = 0): string[] {
  const e = error as { code?: unknown; originalCode?: unknown; cause?: unknown; meta?: { driverAdapterError?: unknown } } | null;
  if (!e || typeof e !== 'object' || depth > 5) return codes;
  codesAlong(e.meta?.driverAdapterError, codes, depth + 1);
  for (const code of [e.code, e.originalCode]) if (typeof code === 'string') codes.push(code);
  codesAlong(e.cause, codes, depth + 1);
  return codes;
}

/** The SQLSTATE, Node or Prisma code of an error, looking through wrappers. */
export function errorCode(error: unknown): string | undefined {
  return codesAlong(error)[0];
}

/** True when `error` says the database cannot be reached (as opposed to refusing one statement). */
export function isConnectionFailure(error: unknown): boolean {
  for (let e = error as { cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (e instanceof DomainError && e.kind === 'unavailable') return true;
  }
  if (codesAlong(error).some((code) => CONNECTION_FAILURE_CODES.has(code) || code.startsWith('08'))) return true;
  return error instanceof Error && CONNECTION_FAILURE_MESSAGES.test(error.message);
}

type ConnectCallback = (error: Error | undefined, client: pg.PoolClient | undefined, done: (release?: unknown) => void) => void;

export class DatabaseAvailability {
  private down = false;

  constructor(private readonly pool: pg.Pool) {
    pool.on('error', (error) => this.observe(error));
    // A checked-out client whose connection dies emits 'error' too (its query fails as well); with
    // no listener that would crash the process.
    pool.on('connect', (client) => client.on('error', (error) => this.observe(error)));
    // pool.query and Prisma's adapter both go through pool.connect, so this sees every connect.
    const connect = pool.connect.bind(pool) as (callback?: ConnectCallback) => Promise<pg.PoolClient> | undefined;
    const monitored = (callback?: ConnectCallback) => {
      if (this.down) {
        const refused = new DomainError('unavailable', DATABASE_UNAVAILABLE_MESSAGE);
        if (!callback) return Promise.reject(refused);
        process.nextTick(() => callback(refused, undefined, () => undefined));
        return undefined;
      }
      if (callback) {
        return connect((error, client, done) => {
          if (error) this.observe(error);
          callback(error, client, done);
        });
      }
      return (connect() as Promise<pg.PoolClient>).catch((error: unknown) => {
        this.observe(error);
        throw error;
      });
    };
    pool.connect = monitored as typeof pool.connect;
  }

  /** False from the first connection failure until a probe gets an answer again. */
  get available(): boolean {
    return !this.down;
  }

  private observe(error: unknown): void {
    if (this.down || this.pool.ending || !isConnectionFailure(error)) return;
    this.down = true;
    logger.warn({ code: errorCode(error) }, 'database unreachable: failing requests fast until it answers again');
    // At once: one connection killed on its own (pg_terminate_backend) is not an outage.
    this.scheduleProbe(0);
  }

  private scheduleProbe(delayMs = PROBE_INTERVAL_MS): void {
    setTimeout(() => void this.probe(), delayMs).unref();
  }

  private async probe(): Promise<void> {
    if (this.pool.ending) return;
    const client = new pg.Client({ ...this.pool.options, application_name: 'quantbase-probe' });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('SELECT 1');
      this.down = false;
      logger.info('database reachable again');
    } catch {
      this.scheduleProbe();
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}
