// The time-series layer, set up after migrations (which create plain tables only). With the
// TimescaleDB extension: hypertables, compression, retention and the `daily_market_summary`
// continuous aggregate, all maintained by the server's own job scheduler. Without it: the same-named
// `daily_market_summary` as a plain materialized view, refreshed and pruned by scheduled pg-boss
// jobs (createTimeSeriesMaintenance), which run once per schedule across instances sharing the
// database.
//
// `daily_market_summary` has the same columns and types in both modes:
//   ticker text, day timestamptz, open/high/low/close/volume double precision, bar_count bigint.
// `day` is the start of the New York session date, i.e. midnight America/New_York as a timestamptz
// (2024-03-08T05:00:00Z in winter, 2024-03-11T04:00:00Z in summer) — the same convention Polygon
// uses for daily bars. A continuous aggregate cannot expose a `date` (its bucket column must be the
// time_bucket itself), hence timestamptz. The calendar date is `(day AT TIME ZONE 'America/New_York')::date`.
import type pg from 'pg';
import { logger } from '../logger';
import { countJobRun } from '../metrics';

export interface TimeSeriesMode {
  timescaledb: boolean;
  extensionVersion: string | null;
}

/** What one maintenance run did (runOnce). */
interface MaintenanceResult {
  /** false when another instance held the refresh lock, or in TimescaleDB mode (server policies refresh). */
  refreshed: boolean;
  /** market_data rows deleted by retention; null when skipped (lock held elsewhere, or TimescaleDB mode). */
  deletedRows: number | null;
}

export interface TimeSeriesMaintenance {
  /** Refreshes daily_market_summary; false when skipped. */
  refresh(): Promise<boolean>;
  /** Deletes expired market_data rows; null when skipped. */
  retention(): Promise<number | null>;
  runOnce(): Promise<MaintenanceResult>;
}

const DAILY_SUMMARY_VIEW = 'daily_market_summary';

// Session-level advisory locks, two-int form (the single-bigint form Prisma Migrate uses cannot collide
// with it). First key: this module's namespace; second key: the job.
const LOCK_NAMESPACE = 0x5154_5344; // "QTSD"
const LOCK_SETUP = 1;
const LOCK_REFRESH = 2;
const LOCK_RETENTION = 3;

// Bumped whenever a definition below changes: setup compares it with the view's COMMENT and rebuilds
// the view when they differ (a CREATE ... IF NOT EXISTS would silently keep the old definition).
const SUMMARY_VERSION = 1;
const summaryComment = (kind: 'timescaledb' | 'native') => `quantbase ${DAILY_SUMMARY_VIEW} v${SUMMARY_VERSION} (${kind})`;

const HYPERTABLES = [
  { table: 'market_data', column: 'timestamp', chunk: '1 week', compress: true },
  { table: 'features', column: 'timestamp', chunk: '1 week', compress: true },
  { table: 'predictions', column: 'prediction_time', chunk: '1 month', compress: false },
] as const;

const COMPRESS_AFTER = '7 days';
// Recompute the last 3 days every 30 minutes (late and corrected bars land there); leave the last
// hour to real-time aggregation, which reads the raw bars for what is not materialized yet.
const CAGG_POLICY = { startOffset: '3 days', endOffset: '1 hour', schedule: '30 minutes' };
const RETENTION_BATCH_ROWS = 50_000;

// first()/last() are TimescaleDB aggregates. materialized_only = false: like the native view right
// after a refresh, today's partial session is visible (materialized part + raw bars since).
const CAGG_SQL = `
CREATE MATERIALIZED VIEW ${DAILY_SUMMARY_VIEW}
WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT ticker,
       time_bucket('1 day', "timestamp", 'America/New_York') AS day,
       first(open, "timestamp") AS open,
       max(high) AS high,
       min(low) AS low,
       last(close, "timestamp") AS close,
       sum(volume) AS volume,
       count(*) AS bar_count
FROM market_data
WHERE timeframe = '1m'
GROUP BY ticker, day
WITH NO DATA`;

// date_trunc(..., zone) returns the same timestamptz as time_bucket('1 day', ts, zone): local midnight.
// Open/close: one hash aggregate finds each day's first and last bar time, then two primary-key
// lookups per (ticker, day) fetch their prices. Measured 2-3x faster than array_agg(... ORDER BY)
// (which sorts all bars and spills to disk at the default work_mem) and than DISTINCT ON.
// The primary key (ticker, timeframe, timestamp) makes each lookup return exactly one row.
const NATIVE_VIEW_SQL = `
CREATE MATERIALIZED VIEW ${DAILY_SUMMARY_VIEW} AS
SELECT d.ticker,
       d.day,
       (SELECT f.open FROM market_data f
        WHERE f.ticker = d.ticker AND f.timeframe = '1m' AND f."timestamp" = d.first_at) AS open,
       d.high,
       d.low,
       (SELECT l.close FROM market_data l
        WHERE l.ticker = d.ticker AND l.timeframe = '1m' AND l."timestamp" = d.last_at) AS close,
       d.volume,
       d.bar_count
FROM (SELECT ticker,
             date_trunc('day', "timestamp", 'America/New_York') AS day,
             min("timestamp") AS first_at,
             max("timestamp") AS last_at,
             max(high) AS high,
             min(low) AS low,
             sum(volume) AS volume,
             count(*) AS bar_count
      FROM market_data
      WHERE timeframe = '1m'
      GROUP BY 1, 2) d
WITH DATA`;

// REFRESH ... CONCURRENTLY needs a unique index without WHERE clause over plain columns.
const NATIVE_INDEX_SQL = `
CREATE UNIQUE INDEX IF NOT EXISTS ${DAILY_SUMMARY_VIEW}_ticker_day_key ON ${DAILY_SUMMARY_VIEW} (ticker, day)`;

type Queryable = Pick<pg.ClientBase, 'query'>;

/**
 * Idempotent; run after migrations on every start. Concurrent callers serialize on an advisory lock,
 * and the later ones find everything in place. Every statement runs on one connection in autocommit
 * mode (TimescaleDB refuses some of them inside a transaction block; PGlite has one connection).
 */
export async function setupTimeSeries(pool: pg.Pool, opts: { retentionYears: number }): Promise<TimeSeriesMode> {
  assertYears(opts.retentionYears);
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query('SELECT pg_advisory_lock($1, $2)', [LOCK_NAMESPACE, LOCK_SETUP]);
    try {
      const mode = await enableTimescale(client);
      if (mode.timescaledb) await setupTimescale(client, opts.retentionYears);
      else await setupNative(client);
      return mode;
    } finally {
      await client.query('SELECT pg_advisory_unlock($1, $2)', [LOCK_NAMESPACE, LOCK_SETUP]).catch(() => {
        broken = true; // dropping the connection releases the lock
      });
    }
  } catch (error) {
    broken = true;
    throw error;
  } finally {
    client.release(broken);
  }
}

async function enableTimescale(client: pg.PoolClient): Promise<TimeSeriesMode> {
  const available = await client.query<{ installed_version: string | null }>(
    `SELECT installed_version FROM pg_available_extensions WHERE name = 'timescaledb'`,
  );
  const row = available.rows[0];
  if (!row) {
    logger.info('timescaledb extension not available on this server: native time-series mode');
    return { timescaledb: false, extensionVersion: null };
  }
  if (row.installed_version === null) {
    try {
      await client.query('CREATE EXTENSION IF NOT EXISTS timescaledb');
    } catch (error) {
      // Typically "must be loaded via shared_preload_libraries" or missing privileges.
      logger.warn({ err: error }, 'timescaledb is available but CREATE EXTENSION failed: native time-series mode');
      return { timescaledb: false, extensionVersion: null };
    }
  }
  const installed = await client.query<{ extversion: string }>(
    `SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'`,
  );
  const version = installed.rows[0]?.extversion ?? null;
  logger.info({ version }, 'timescaledb mode');
  return { timescaledb: true, extensionVersion: version };
}

async function setupTimescale(client: pg.PoolClient, retentionYears: number): Promise<void> {
  for (const h of HYPERTABLES) {
    // Our own "timestamp DESC" indexes already exist, so no default index. migrate_data moves rows
    // already in the plain table into chunks (locks the table while it runs).
    await client.query(
      `SELECT create_hypertable($1::regclass, by_range($2::name, $3::interval),
                                create_default_indexes => false, if_not_exists => true, migrate_data => true)`,
      [h.table, h.column, h.chunk],
    );
  }

  const compressed = await client.query<{ hypertable_name: string }>(
    `SELECT hypertable_name FROM timescaledb_information.hypertables
     WHERE hypertable_schema = current_schema() AND compression_enabled`,
  );
  const alreadyCompressed = new Set(compressed.rows.map((r) => r.hypertable_name));
  for (const h of HYPERTABLES) {
    if (!h.compress) continue;
    // Re-running this ALTER once chunks are compressed is an error, hence the check.
    if (!alreadyCompressed.has(h.table)) {
      await client.query(
        `ALTER TABLE ${h.table} SET (timescaledb.compress,
                                      timescaledb.compress_segmentby = 'ticker, timeframe',
                                      timescaledb.compress_orderby = '"timestamp" DESC')`,
      );
    }
    await client.query(`SELECT add_compression_policy($1::regclass, $2::interval, if_not_exists => true)`, [
      h.table,
      COMPRESS_AFTER,
    ]);
  }

  await ensureRetentionPolicy(client, retentionYears);
  await ensureContinuousAggregate(client);
}

/** add_retention_policy(if_not_exists) keeps an existing policy with another drop_after: replace it. */
async function ensureRetentionPolicy(client: pg.PoolClient, years: number): Promise<void> {
  const { rows } = await client.query<{ same: boolean }>(
    `SELECT (config->>'drop_after')::interval = make_interval(years => $1) AS same
     FROM timescaledb_information.jobs
     WHERE proc_name = 'policy_retention' AND hypertable_schema = current_schema() AND hypertable_name = 'market_data'`,
    [years],
  );
  if (rows[0]?.same) return;
  if (rows.length > 0) await client.query(`SELECT remove_retention_policy('market_data', if_exists => true)`);
  await client.query(`SELECT add_retention_policy('market_data', make_interval(years => $1))`, [years]);
}

async function ensureContinuousAggregate(client: pg.PoolClient): Promise<void> {
  const existing = await describeSummary(client);
  const wanted = summaryComment('timescaledb');
  const current = existing?.isCagg === true && existing.comment === wanted;
  if (existing && !current) {
    // A native view left by a run without the extension, or an older definition: rebuild.
    logger.info({ found: existing.comment }, `rebuilding ${DAILY_SUMMARY_VIEW} as a continuous aggregate`);
    await client.query(existing.isCagg ? `DROP MATERIALIZED VIEW ${DAILY_SUMMARY_VIEW}` : dropStatement(existing.relkind));
  }
  if (!current) {
    await client.query(CAGG_SQL);
    await client.query(`COMMENT ON VIEW ${DAILY_SUMMARY_VIEW} IS '${wanted}'`);
    // TimescaleDB already indexes the materialization on (ticker, day DESC) (create_group_indexes);
    // continuous aggregates refuse UNIQUE indexes, and a second index would only cost writes.
  }
  await client.query(
    `SELECT add_continuous_aggregate_policy($1::regclass, start_offset => $2::interval, end_offset => $3::interval,
                                            schedule_interval => $4::interval, if_not_exists => true)`,
    [DAILY_SUMMARY_VIEW, CAGG_POLICY.startOffset, CAGG_POLICY.endOffset, CAGG_POLICY.schedule],
  );
  // The policy only ever looks at the last 3 days: materialize existing history once, now.
  if (!current) await client.query(`CALL refresh_continuous_aggregate('${DAILY_SUMMARY_VIEW}', NULL, NULL)`);
}

async function setupNative(client: pg.PoolClient): Promise<void> {
  const existing = await describeSummary(client);
  const wanted = summaryComment('native');
  if (existing?.relkind === 'm' && existing.comment === wanted) {
    await client.query(NATIVE_INDEX_SQL); // no-op unless someone dropped it
    return;
  }
  if (existing?.isCagg) {
    throw new Error(
      `${DAILY_SUMMARY_VIEW} is a TimescaleDB continuous aggregate but the extension is not usable now; ` +
        'restore timescaledb (shared_preload_libraries) instead of falling back',
    );
  }
  // One transaction, so a crash cannot leave a view without the unique index CONCURRENTLY needs.
  await client.query('BEGIN');
  try {
    if (existing) await client.query(dropStatement(existing.relkind));
    await client.query(NATIVE_VIEW_SQL);
    await client.query(NATIVE_INDEX_SQL);
    await client.query(`COMMENT ON MATERIALIZED VIEW ${DAILY_SUMMARY_VIEW} IS '${wanted}'`);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

interface SummaryRelation {
  relkind: string;
  comment: string | null;
  isCagg: boolean;
}

async function describeSummary(db: Queryable): Promise<SummaryRelation | null> {
  const { rows } = await db.query<{ relkind: string; comment: string | null; has_timescale: boolean }>(
    `SELECT c.relkind::text AS relkind, obj_description(c.oid, 'pg_class') AS comment,
            to_regclass('_timescaledb_catalog.continuous_agg') IS NOT NULL AS has_timescale
     FROM pg_class c WHERE c.oid = to_regclass($1)`,
    [DAILY_SUMMARY_VIEW],
  );
  const row = rows[0];
  if (!row) return null;
  let isCagg = false;
  // The view only exists with the extension, so it is queried only then.
  if (row.has_timescale && row.relkind === 'v') {
    const cagg = await db.query(
      `SELECT 1 FROM timescaledb_information.continuous_aggregates
       WHERE view_schema = current_schema() AND view_name = $1`,
      [DAILY_SUMMARY_VIEW],
    );
    isCagg = (cagg.rowCount ?? 0) > 0;
  }
  return { relkind: row.relkind, comment: row.comment, isCagg };
}

function dropStatement(relkind: string): string {
  if (relkind === 'm') return `DROP MATERIALIZED VIEW ${DAILY_SUMMARY_VIEW}`;
  if (relkind === 'v') return `DROP VIEW ${DAILY_SUMMARY_VIEW}`;
  throw new Error(`${DAILY_SUMMARY_VIEW} exists as an unexpected relation (relkind ${relkind}); not touching it`);
}

/**
 * Brings `daily_market_summary` up to date with market_data, whichever mode setup chose. Readers are
 * not blocked: CONCURRENTLY in native mode, and a continuous aggregate refresh never blocks reads.
 * Accepts a pool or a checked-out client (the maintenance jobs run it on the client holding the lock).
 */
export async function refreshDailySummary(db: pg.Pool | pg.PoolClient): Promise<void> {
  const summary = await describeSummary(db as Queryable);
  if (!summary) throw new Error(`${DAILY_SUMMARY_VIEW} does not exist: run setupTimeSeries first`);
  if (summary.isCagg) {
    // Must be a top-level statement (not in a transaction block): fine on a pool / autocommit client.
    await db.query(`CALL refresh_continuous_aggregate('${DAILY_SUMMARY_VIEW}', NULL, NULL)`);
  } else {
    await db.query(`REFRESH MATERIALIZED VIEW CONCURRENTLY ${DAILY_SUMMARY_VIEW}`);
  }
}

/**
 * Native-mode retention: deletes market_data bars older than `years`, series by series through the
 * primary key (the only index; there is no global time index to slow down ingestion), in batches so
 * no single transaction holds millions of row locks (the first run on a big history).
 */
async function deleteExpiredMarketData(client: Queryable, years: number): Promise<number> {
  const { rows } = await client.query<{ cutoff: Date }>(`SELECT now() - make_interval(years => $1) AS cutoff`, [years]);
  const cutoff = rows[0]!.cutoff;
  // Loose index scan over the primary key: one probe per series instead of reading every bar.
  const { rows: series } = await client.query<{ ticker: string; timeframe: string }>(
    `WITH RECURSIVE s AS (
       (SELECT ticker, timeframe FROM market_data ORDER BY ticker, timeframe LIMIT 1)
       UNION ALL
       SELECT n.ticker, n.timeframe FROM s, LATERAL (
         SELECT ticker, timeframe FROM market_data WHERE (ticker, timeframe) > (s.ticker, s.timeframe)
         ORDER BY ticker, timeframe LIMIT 1) n
     ) SELECT ticker, timeframe FROM s`,
  );
  let total = 0;
  for (const { ticker, timeframe } of series) {
    for (;;) {
      const result = await client.query(
        `DELETE FROM market_data
         WHERE ctid = ANY (ARRAY(SELECT ctid FROM market_data
                                 WHERE ticker = $1 AND timeframe = $2 AND "timestamp" < $3 LIMIT ${RETENTION_BATCH_ROWS}))`,
        [ticker, timeframe, cutoff],
      );
      total += result.rowCount ?? 0;
      if ((result.rowCount ?? 0) < RETENTION_BATCH_ROWS) break;
    }
  }
  return total;
}

/**
 * Runs `job` on one connection if this session wins `pg_try_advisory_lock`; returns `{ ran: false }` when
 * another instance (or another job run in this one) holds it, without waiting.
 */
async function runExclusive<T>(
  pool: pg.Pool,
  lockKey: number,
  job: (client: pg.PoolClient) => Promise<T>,
): Promise<{ ran: true; value: T } | { ran: false }> {
  const client = await pool.connect();
  let broken = false;
  try {
    const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS locked', [
      LOCK_NAMESPACE,
      lockKey,
    ]);
    if (!rows[0]?.locked) return { ran: false };
    try {
      return { ran: true, value: await job(client) };
    } finally {
      await client.query('SELECT pg_advisory_unlock($1, $2)', [LOCK_NAMESPACE, lockKey]).catch(() => {
        broken = true;
      });
    }
  } catch (error) {
    broken = true; // discard the connection: any lock still held goes with it
    throw error;
  } finally {
    client.release(broken);
  }
}

/**
 * Native mode: the summary refresh and the retention pass, run by the scheduled jobs
 * (server/jobs/workers.ts). TimescaleDB mode: nothing, the server's policies do both. Each run is
 * also skipped when another one holds its advisory lock (a run outlasting its schedule).
 */
export function createTimeSeriesMaintenance(pool: pg.Pool, mode: TimeSeriesMode, opts: { retentionYears: number }): TimeSeriesMaintenance {
  assertYears(opts.retentionYears);
  const refreshOnce = async (): Promise<boolean> => {
    const started = performance.now();
    const result = await runExclusive(pool, LOCK_REFRESH, (client) => refreshDailySummary(client));
    if (result.ran) logger.debug({ ms: Math.round(performance.now() - started) }, `${DAILY_SUMMARY_VIEW} refreshed`);
    return result.ran;
  };
  const retentionOnce = async (): Promise<number | null> => {
    const result = await runExclusive(pool, LOCK_RETENTION, (client) =>
      deleteExpiredMarketData(client, opts.retentionYears),
    );
    if (!result.ran) return null;
    if (result.value > 0) logger.info({ deleted: result.value, years: opts.retentionYears }, 'market_data retention');
    return result.value;
  };
  // Every run counts in quantbase_job_runs_total, as skipped when another run held the lock.
  const refresh = async () =>
    !mode.timescaledb && countJobRun('daily_summary_refresh', refreshOnce, (ran) => (ran ? 'success' : 'skipped'));
  const retention = async () =>
    mode.timescaledb ? null : countJobRun('market_data_retention', retentionOnce, (deleted) => (deleted === null ? 'skipped' : 'success'));

  return {
    refresh,
    retention,
    async runOnce() {
      return { refreshed: await refresh(), deletedRows: await retention() };
    },
  };
}

function assertYears(years: number): void {
  if (!Number.isInteger(years) || years < 1) throw new Error(`retentionYears must be a positive integer, got ${years}`);
}
