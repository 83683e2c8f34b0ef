// Native mode of the time-series layer on a real PostgreSQL (no TimescaleDB here): the template
// database already ran setupTimeSeries, so each test starts from what a fresh install looks like.
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../testing/db';
import { metricValue } from '../testing/metrics';
import {
  EXPECTED_DAILY_SUMMARY,
  EXPECTED_SUMMARY_COLUMNS,
  insertBars,
  readDailySummary,
  readSummaryColumns,
} from './timescale-fixture';
import { refreshDailySummary, setupTimeSeries, createTimeSeriesMaintenance, type TimeSeriesMode } from './timescale';

const NATIVE: TimeSeriesMode = { timescaledb: false, extensionVersion: null };

let db: TestDatabase;
const extraPools: pg.Pool[] = [];

/** A second "app instance": its own pool on the same database. */
function instancePool(): pg.Pool {
  const pool = new pg.Pool({ connectionString: db.url, max: 2 });
  extraPools.push(pool);
  return pool;
}

/** The first run to finish; fails (instead of hanging) if none does while the blocker holds. */
async function firstSettled<T>(runs: Promise<T>[], ms = 10_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('no instance skipped: both are waiting for the blocker')), ms);
  });
  try {
    return await Promise.race([...runs, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function summaryObjects() {
  const { rows } = await db.pool.query<{ view_oid: number; index_oid: number; index_def: string; comment: string }>(
    `SELECT c.oid::int AS view_oid, i.indexrelid::int AS index_oid, pg_get_indexdef(i.indexrelid) AS index_def,
            obj_description(c.oid, 'pg_class') AS comment
     FROM pg_class c JOIN pg_index i ON i.indrelid = c.oid
     WHERE c.oid = 'daily_market_summary'::regclass AND c.relkind = 'm' AND i.indisunique`,
  );
  return rows;
}

beforeAll(async () => {
  db = await createTestDatabase();
});

afterEach(async () => {
  vi.restoreAllMocks();
  await db.pool.query('DELETE FROM market_data');
  await refreshDailySummary(db.pool);
});

afterAll(async () => {
  await Promise.all(extraPools.map((p) => p.end()));
  await db?.drop();
});

describe('setupTimeSeries without TimescaleDB', () => {
  it('reports native mode and creates daily_market_summary as a materialized view with a unique (ticker, day) index', async () => {
    await expect(setupTimeSeries(db.pool, { retentionYears: 5 })).resolves.toEqual(NATIVE);
    const objects = await summaryObjects();
    expect(objects).toHaveLength(1);
    expect(objects[0]!.index_def).toMatch(/UNIQUE INDEX .* ON public\.daily_market_summary USING btree \(ticker, day\)/);
    expect(await readSummaryColumns(db.pool)).toEqual(EXPECTED_SUMMARY_COLUMNS);
    // No hypertables or policies without the extension.
    const ext = await db.pool.query(`SELECT 1 FROM pg_extension WHERE extname = 'timescaledb'`);
    expect(ext.rowCount).toBe(0);
  });

  it('aggregates 1m bars per New York session date with exact OHLCV', async () => {
    await insertBars(db.pool);
    await refreshDailySummary(db.pool);
    expect(await readDailySummary(db.pool)).toEqual(EXPECTED_DAILY_SUMMARY);
  });

  it('is a no-op when run again, also by two instances at once', async () => {
    await insertBars(db.pool);
    await refreshDailySummary(db.pool);
    const before = await summaryObjects();
    const relations = await db.pool.query(`SELECT count(*)::int AS n FROM pg_class WHERE relnamespace = 'public'::regnamespace`);

    await setupTimeSeries(db.pool, { retentionYears: 5 });
    const results = await Promise.all([
      setupTimeSeries(instancePool(), { retentionYears: 5 }),
      setupTimeSeries(instancePool(), { retentionYears: 5 }),
    ]);

    expect(results).toEqual([NATIVE, NATIVE]);
    expect(await summaryObjects()).toEqual(before); // same view and index, not rebuilt
    const after = await db.pool.query(`SELECT count(*)::int AS n FROM pg_class WHERE relnamespace = 'public'::regnamespace`);
    expect(after.rows[0].n).toBe(relations.rows[0].n);
    expect(await readDailySummary(db.pool)).toEqual(EXPECTED_DAILY_SUMMARY); // data kept
  });

  it('rebuilds a view whose definition version is outdated', async () => {
    const [before] = await summaryObjects();
    await db.pool.query(`COMMENT ON MATERIALIZED VIEW daily_market_summary IS 'quantbase daily_market_summary v0 (native)'`);
    await insertBars(db.pool);
    await setupTimeSeries(db.pool, { retentionYears: 5 });
    const [after] = await summaryObjects();
    expect(after!.view_oid).not.toBe(before!.view_oid);
    expect(after!.comment).toBe(before!.comment);
    expect(await readDailySummary(db.pool)).toEqual(EXPECTED_DAILY_SUMMARY); // built WITH DATA
  });
});

describe('createTimeSeriesMaintenance in native mode', () => {
  it('retention deletes only market_data rows older than retentionYears', async () => {
    // ticker = how old the bar is; a 1m and a 1d bar of each age.
    await db.pool.query(`
      INSERT INTO market_data (ticker, timeframe, "timestamp", open, high, low, close, volume)
      SELECT label, tf, now() - age, 1, 1, 1, 1, 1
      FROM (VALUES ('AGE7Y', interval '7 years'), ('AGE5Y1D', interval '5 years 1 day'),
                   ('AGE4Y11M', interval '4 years 11 mons'), ('AGE1H', interval '1 hour')) AS a(label, age),
           unnest(ARRAY['1m', '1d']) AS tf`);
    const maintenance = createTimeSeriesMaintenance(db.pool, NATIVE, { retentionYears: 5 });
    expect(await maintenance.runOnce()).toEqual({ refreshed: true, deletedRows: 4 });
    const { rows } = await db.pool.query<{ bar: string }>(
      `SELECT ticker || ' ' || timeframe AS bar FROM market_data ORDER BY "timestamp", timeframe`,
    );
    expect(rows.map((r) => r.bar)).toEqual(['AGE4Y11M 1d', 'AGE4Y11M 1m', 'AGE1H 1d', 'AGE1H 1m']);
    expect(await maintenance.runOnce()).toEqual({ refreshed: true, deletedRows: 0 });
  });

  it('two instances running at once: only one refreshes (advisory lock), the other skips without waiting', async () => {
    await insertBars(db.pool);
    const refreshes = () => Promise.all(['success', 'skipped'].map((result) => metricValue('quantbase_job_runs_total', { job: 'daily_summary_refresh', result })));
    const before = await refreshes();
    const a = createTimeSeriesMaintenance(instancePool(), NATIVE, { retentionYears: 5 });
    const b = createTimeSeriesMaintenance(instancePool(), NATIVE, { retentionYears: 5 });
    // A plain (non-concurrent) refresh left uncommitted holds the view's ACCESS EXCLUSIVE lock, so
    // whichever instance wins the advisory lock stays inside its own refresh until COMMIT.
    const blocker = new pg.Client({ connectionString: db.url });
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('REFRESH MATERIALIZED VIEW daily_market_summary');
      const runs = [a.runOnce(), b.runOnce()];
      const loser = await firstSettled(runs); // the winner cannot finish while the blocker holds the view
      expect(loser).toEqual({ refreshed: false, deletedRows: 0 });
      await blocker.query('COMMIT');
      const results = await Promise.all(runs);
      expect(results.map((r) => r.refreshed).sort()).toEqual([false, true]);
      expect(await readDailySummary(db.pool)).toEqual(EXPECTED_DAILY_SUMMARY);
      expect((await refreshes()).map((n, i) => n - before[i]!)).toEqual([1, 1]);
    } finally {
      await blocker.end();
    }
  });

  it('two instances running at once: only one applies retention', async () => {
    await db.pool.query(`
      INSERT INTO market_data (ticker, timeframe, "timestamp", open, high, low, close, volume)
      VALUES ('OLD', '1m', now() - interval '6 years', 1, 1, 1, 1, 1)`);
    const retentions = () => Promise.all(['success', 'skipped'].map((result) => metricValue('quantbase_job_runs_total', { job: 'market_data_retention', result })));
    const before = await retentions();
    const a = createTimeSeriesMaintenance(instancePool(), NATIVE, { retentionYears: 5 });
    const b = createTimeSeriesMaintenance(instancePool(), NATIVE, { retentionYears: 5 });
    // A row lock on the expired bar keeps the retention winner inside its DELETE.
    const blocker = new pg.Client({ connectionString: db.url });
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query(`SELECT 1 FROM market_data WHERE ticker = 'OLD' FOR UPDATE`);
      const runs = [a.runOnce(), b.runOnce()];
      const loser = await firstSettled(runs);
      expect(loser.deletedRows).toBeNull();
      await blocker.query('COMMIT');
      const results = await Promise.all(runs);
      expect(results.map((r) => r.deletedRows).sort()).toEqual([1, null]);
      expect((await retentions()).map((n, i) => n - before[i]!)).toEqual([1, 1]);
    } finally {
      await blocker.end();
    }
  });

  it('does nothing in TimescaleDB mode (the server runs the policies)', async () => {
    await db.pool.query(`
      INSERT INTO market_data (ticker, timeframe, "timestamp", open, high, low, close, volume)
      VALUES ('OLD', '1m', now() - interval '6 years', 1, 1, 1, 1, 1)`);
    const maintenance = createTimeSeriesMaintenance(db.pool, { timescaledb: true, extensionVersion: '2.23.0' }, { retentionYears: 5 });
    expect(await maintenance.runOnce()).toEqual({ refreshed: false, deletedRows: null });
    const { rows } = await db.pool.query(`SELECT count(*)::int AS n FROM market_data`);
    expect(rows[0].n).toBe(1);
  });
});
