// A bench's own series: two years of SPY-like 1m regular-session bars (~196k) under a scratch
// ticker, whose bars and features are removed before and after the run, so a bench can run on a
// database holding real data.
import type pg from 'pg';
import { DEMO_TICKERS, sessionsBetween, simulateMinuteBars } from '../../server/demo/market-simulator';
import type { Bar } from '../../server/market-data/schema';

export function twoYearsOfMinuteBars(ticker: string, seed: number): Bar[] {
  const spy = DEMO_TICKERS.find((t) => t.ticker === 'SPY')!;
  return simulateMinuteBars({ ...spy, ticker }, sessionsBetween('2023-01-01', '2024-12-31'), seed);
}

/** Runs `bench` with `ticker` absent from bars and features at its start, and removes it afterwards. */
export async function withScratchTicker<T>(pool: pg.Pool, ticker: string, bench: () => Promise<T>): Promise<T> {
  const cleanUp = async () => {
    await pool.query(`DELETE FROM features WHERE ticker = $1`, [ticker]);
    await pool.query(`DELETE FROM market_data WHERE ticker = $1`, [ticker]);
    // A short-lived bench never sees autovacuum: without this, repeated runs slow down on dead rows.
    await pool.query(`VACUUM (ANALYZE) features, market_data`);
  };
  await cleanUp();
  try {
    return await bench();
  } finally {
    await cleanUp();
  }
}
