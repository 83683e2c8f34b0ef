// Shared by the native (PostgreSQL) and TimescaleDB (PGlite) tests of timescale.ts: the same 1m bars
// must give the same daily_market_summary rows in both modes.
//
// Three New York session dates around the 2024 DST switch (Fri 2024-03-08 in EST, UTC-5; Mon 03-11 and
// Tue 03-12 in EDT, UTC-4). Several bars sit on the wrong side of UTC midnight for their New York date
// (after-hours bars at 19:00-19:59 ET are the next UTC day), or exactly on New York midnight, so a
// UTC-day or fixed-offset grouping would give different rows.
import type pg from 'pg';

export interface FixtureBar {
  ticker: string;
  timeframe: string;
  timestamp: string; // UTC
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

export interface DailySummaryRow {
  ticker: string;
  sessionDate: string; // New York date of `day`
  day: string; // ISO, midnight New York
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  barCount: number;
}

const bar = (ticker: string, timestamp: string, open: number, high: number, low: number, close: number, volume: number, timeframe = '1m'): FixtureBar => ({
  ticker,
  timeframe,
  timestamp,
  open,
  high,
  low,
  close,
  volume,
});

// Deliberately not in time order: open/close must come from the timestamps, not from insert order.
const FIXTURE_BARS: FixtureBar[] = [
  // AAPL, Fri 2024-03-08 (EST)
  bar('AAPL', '2024-03-09T00:59:00Z', 103, 103.5, 98, 99, 200), // 19:59 ET Mar 8, UTC Mar 9: last of Mar 8
  bar('AAPL', '2024-03-08T14:30:00Z', 100, 101, 99.5, 100.5, 1000), // 09:30 ET
  bar('AAPL', '2024-03-08T20:59:00Z', 102, 103, 101, 102.5, 2000), // 15:59 ET
  bar('AAPL', '2024-03-09T00:00:00Z', 102.5, 104, 102, 103, 300), // 19:00 ET Mar 8, exactly UTC midnight
  // AAPL, Mon 2024-03-11 (EDT)
  bar('AAPL', '2024-03-11T13:30:00Z', 99.5, 101, 99, 100.8, 1500), // 09:30 ET
  bar('AAPL', '2024-03-12T03:59:00Z', 101.5, 101.6, 101.4, 101.45, 5), // 23:59 ET Mar 11, UTC Mar 12: last of Mar 11
  bar('AAPL', '2024-03-11T04:00:00Z', 99, 99.5, 98.5, 99.2, 10), // 00:00 ET: first of Mar 11 (in EST it would be Mar 10)
  bar('AAPL', '2024-03-11T23:59:00Z', 101, 102, 100.5, 101.5, 50), // 19:59 ET
  // AAPL, Tue 2024-03-12 (EDT)
  bar('AAPL', '2024-03-12T19:59:00Z', 102.2, 103, 102, 102.9, 1100), // 15:59 ET
  bar('AAPL', '2024-03-12T13:30:00Z', 102, 102.5, 101.8, 102.2, 900), // 09:30 ET
  // MSFT
  bar('MSFT', '2024-03-09T00:30:00Z', 401, 402, 395, 396, 100), // 19:30 ET Mar 8
  bar('MSFT', '2024-03-08T14:30:00Z', 400, 401, 399, 400.5, 500),
  bar('MSFT', '2024-03-11T19:59:00Z', 398, 405, 397.5, 404, 3000),
  bar('MSFT', '2024-03-11T08:00:00Z', 396, 397, 395.5, 396.5, 20), // 04:00 ET pre-market
  bar('MSFT', '2024-03-12T23:59:00Z', 410, 411, 409, 410.5, 70), // 19:59 ET
  bar('MSFT', '2024-03-12T04:00:00Z', 404, 404.5, 403, 403.5, 1), // 00:00 ET Mar 12
  // Not 1m: must not reach the summary.
  bar('AAPL', '2024-03-12T14:00:00Z', 102, 999, 1, 102, 1_000_000, '5m'),
  bar('MSFT', '2024-03-08T05:00:00Z', 1, 999, 1, 1, 1_000_000, '1d'),
];

export const EXPECTED_DAILY_SUMMARY: DailySummaryRow[] = [
  { ticker: 'AAPL', sessionDate: '2024-03-08', day: '2024-03-08T05:00:00.000Z', open: 100, high: 104, low: 98, close: 99, volume: 3500, barCount: 4 },
  { ticker: 'AAPL', sessionDate: '2024-03-11', day: '2024-03-11T04:00:00.000Z', open: 99, high: 102, low: 98.5, close: 101.45, volume: 1565, barCount: 4 },
  { ticker: 'AAPL', sessionDate: '2024-03-12', day: '2024-03-12T04:00:00.000Z', open: 102, high: 103, low: 101.8, close: 102.9, volume: 2000, barCount: 2 },
  { ticker: 'MSFT', sessionDate: '2024-03-08', day: '2024-03-08T05:00:00.000Z', open: 400, high: 402, low: 395, close: 396, volume: 600, barCount: 2 },
  { ticker: 'MSFT', sessionDate: '2024-03-11', day: '2024-03-11T04:00:00.000Z', open: 396, high: 405, low: 395.5, close: 404, volume: 3020, barCount: 2 },
  { ticker: 'MSFT', sessionDate: '2024-03-12', day: '2024-03-12T04:00:00.000Z', open: 404, high: 411, low: 403, close: 410.5, volume: 71, barCount: 2 },
];

/** Column names and types `daily_market_summary` must have in both modes. */
export const EXPECTED_SUMMARY_COLUMNS = [
  { name: 'ticker', type: 'text' },
  { name: 'day', type: 'timestamp with time zone' },
  { name: 'open', type: 'double precision' },
  { name: 'high', type: 'double precision' },
  { name: 'low', type: 'double precision' },
  { name: 'close', type: 'double precision' },
  { name: 'volume', type: 'double precision' },
  { name: 'bar_count', type: 'bigint' },
];

export async function insertBars(pool: pg.Pool, bars: FixtureBar[] = FIXTURE_BARS): Promise<void> {
  // One multi-row INSERT through unnest: a single round trip, same SQL on PostgreSQL and PGlite.
  await pool.query(
    `INSERT INTO market_data (ticker, timeframe, "timestamp", open, high, low, close, volume)
     SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::float8[], $5::float8[], $6::float8[], $7::float8[], $8::float8[])`,
    [
      bars.map((b) => b.ticker),
      bars.map((b) => b.timeframe),
      bars.map((b) => b.timestamp),
      bars.map((b) => b.open),
      bars.map((b) => b.high),
      bars.map((b) => b.low),
      bars.map((b) => b.close),
      bars.map((b) => b.volume),
    ],
  );
}

export async function readDailySummary(pool: pg.Pool): Promise<DailySummaryRow[]> {
  const { rows } = await pool.query<{
    ticker: string;
    session_date: string;
    day: Date;
    open: number;
    high: number;
    low: number;
    close: number;
    volume: number;
    bar_count: string;
  }>(
    `SELECT ticker, to_char(day AT TIME ZONE 'America/New_York', 'YYYY-MM-DD') AS session_date,
            day, open, high, low, close, volume, bar_count
     FROM daily_market_summary ORDER BY ticker, day`,
  );
  return rows.map((r) => ({
    ticker: r.ticker,
    sessionDate: r.session_date,
    day: r.day.toISOString(),
    open: r.open,
    high: r.high,
    low: r.low,
    close: r.close,
    volume: r.volume,
    barCount: Number(r.bar_count),
  }));
}

export async function readSummaryColumns(pool: pg.Pool): Promise<{ name: string; type: string }[]> {
  const { rows } = await pool.query<{ name: string; type: string }>(
    `SELECT attname AS name, format_type(atttypid, atttypmod) AS type
     FROM pg_attribute WHERE attrelid = 'daily_market_summary'::regclass AND attnum > 0 AND NOT attisdropped
     ORDER BY attnum`,
  );
  return rows;
}
