// Where the heavy reads run: the read replica (DATABASE_REPLICA_URL) while it is up and close enough
// behind the primary, the primary otherwise. The replica's state is checked at most every few
// seconds, not per read; a read that fails to reach the replica is retried on the primary.
import pg from 'pg';
import { logger } from '../logger';

/** What the read-only repositories use of a pool; a `pg.Pool` is one. */
export type ReadPool = Pick<pg.Pool, 'query' | 'connect'>;

export interface ReplicaState {
  configured: boolean;
  /** Heavy reads go to the replica right now. */
  inUse: boolean;
  status: 'none' | 'ok' | 'lagging' | 'down';
  /** Seconds the replica's replay is behind (0 when it has replayed everything the primary wrote). */
  lagSeconds: number | null;
  maxLagSeconds: number;
  checkedAt: string | null;
  error?: string;
}

export interface ReadRouterOptions {
  maxLagSeconds: number;
  /** How long a replica check is trusted. */
  checkIntervalMs?: number;
}

export interface ReadRouter {
  /** The pool for heavy reads: use it instead of the primary's for range reads, exports, reports. */
  pool: ReadPool;
  state(): Promise<ReplicaState>;
  close(): Promise<void>;
}

/** Without a replica every read runs on the primary. */
export function primaryOnly(primary: pg.Pool): ReadRouter {
  return {
    pool: primary,
    state: async () => ({ configured: false, inUse: false, status: 'none', lagSeconds: null, maxLagSeconds: 0, checkedAt: null }),
    close: async () => undefined,
  };
}

// SQLSTATE classes where the replica, not the query, is at fault: connection exceptions, operator
// intervention (shutdown), insufficient resources, and a query cancelled by recovery conflicts.
const REPLICA_FAULT = /^(08|57|53|40001)/;
const isReplicaFault = (error: unknown) => {
  const code = (error as { code?: unknown }).code;
  return typeof code !== 'string' || !/^[0-9A-Z]{5}$/.test(code) || REPLICA_FAULT.test(code);
};

export function createReadRouter(primary: pg.Pool, replicaUrl: string, opts: ReadRouterOptions): ReadRouter {
  const checkIntervalMs = opts.checkIntervalMs ?? 2_000;
  const replica = new pg.Pool({
    connectionString: replicaUrl,
    max: primary.options.max,
    idleTimeoutMillis: 30_000,
    // A replica that does not answer quickly is treated as down; the primary takes the read.
    connectionTimeoutMillis: 1_000,
    application_name: 'quantbase-replica-reads',
  });
  replica.on('error', () => undefined);

  let state: ReplicaState = { configured: true, inUse: false, status: 'down', lagSeconds: null, maxLagSeconds: opts.maxLagSeconds, checkedAt: null };
  let checkedAtMs = Number.NEGATIVE_INFINITY;
  let pending: Promise<ReplicaState> | null = null;

  const setState = (next: Omit<ReplicaState, 'configured' | 'maxLagSeconds' | 'checkedAt' | 'inUse'>) => {
    if (next.status !== state.status) logger.warn({ replica: next.status, lagSeconds: next.lagSeconds, error: next.error }, 'read replica state changed');
    checkedAtMs = Date.now();
    state = { configured: true, maxLagSeconds: opts.maxLagSeconds, checkedAt: new Date(checkedAtMs).toISOString(), inUse: next.status === 'ok', ...next };
    return state;
  };

  /**
   * Lag: zero when the replica has replayed up to the primary's current WAL position (no writes is
   * no lag, however old the last replayed commit); otherwise the age of the last replayed commit.
   */
  const check = async (): Promise<ReplicaState> => {
    try {
      const { rows: p } = await primary.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');
      const { rows } = await replica.query<{ recovering: boolean; caughtUp: boolean | null; lag: number | null }>(
        `SELECT pg_is_in_recovery() AS recovering,
                pg_last_wal_replay_lsn() >= $1::pg_lsn AS "caughtUp",
                extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8 AS lag`,
        [p[0]!.lsn],
      );
      const { recovering, caughtUp, lag } = rows[0]!;
      if (!recovering) return setState({ status: 'down', lagSeconds: null, error: 'not a standby (pg_is_in_recovery() is false)' });
      const lagSeconds = caughtUp ? 0 : (lag ?? Number.POSITIVE_INFINITY);
      return setState({ status: lagSeconds > opts.maxLagSeconds ? 'lagging' : 'ok', lagSeconds: Number.isFinite(lagSeconds) ? Math.round(lagSeconds * 1000) / 1000 : null });
    } catch (error) {
      return setState({ status: 'down', lagSeconds: null, error: (error as Error).message });
    }
  };

  const current = (): Promise<ReplicaState> => {
    if (Date.now() - checkedAtMs < checkIntervalMs) return Promise.resolve(state);
    pending ??= check().finally(() => (pending = null));
    return pending;
  };

  const markDown = (error: unknown) => setState({ status: 'down', lagSeconds: null, error: (error as Error).message });

  /** `work` on the replica when it is in use, on the primary otherwise or when the replica fails it. */
  const route = async <T>(work: (pool: pg.Pool) => Promise<T>): Promise<T> => {
    if (!(await current()).inUse) return work(primary);
    try {
      return await work(replica);
    } catch (error) {
      if (!isReplicaFault(error)) throw error;
      markDown(error);
      return work(primary);
    }
  };

  const pool: ReadPool = {
    query: ((...args: Parameters<pg.Pool['query']>) => route((p) => (p.query as (...a: unknown[]) => Promise<unknown>)(...args))) as pg.Pool['query'],
    connect: (() => route((p) => p.connect())) as pg.Pool['connect'],
  };
  return {
    pool,
    state: current,
    close: () => replica.end(),
  };
}
