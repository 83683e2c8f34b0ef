// The feature pipeline against the real database: what is stored equals a fresh computation,
// incremental runs equal full ones, and only the rows that can change are rewritten.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sessionsBetween, simulateMinuteBars, DEMO_TICKERS } from '../demo/market-simulator';
import { MarketDataRepository } from '../market-data/repository';
import type { Bar } from '../market-data/schema';
import { createTestDatabase, type TestDatabase } from '../testing/db';
import { computeFeatureRows } from './indicators';
import { FeatureService } from './service';

let db: TestDatabase;
let service: FeatureService;
let bars: MarketDataRepository;

// 1,800 one-minute bars (a bit over four sessions): enough for every 200-bar warm-up.
const series = (ticker: string): Bar[] =>
  simulateMinuteBars({ ...DEMO_TICKERS[0]!, ticker }, sessionsBetween('2025-03-03', '2025-03-07'), 11).slice(0, 1800);

beforeAll(async () => {
  db = await createTestDatabase();
  service = new FeatureService(db.pool);
  bars = new MarketDataRepository(db.pool);
});
afterAll(() => db.drop());
beforeEach(() => db.pool.query('TRUNCATE market_data, features'));

/** Stored feature rows of a series, comparable across tickers; xmin tells whether a row was rewritten. */
async function stored(ticker: string) {
  const { rows } = await db.pool.query(
    `SELECT (extract(epoch from "timestamp") * 1000)::float8 AS ms, xmin::text AS xmin,
            sma_20, sma_200, ema_12, rsi_14, macd, macd_signal, stoch_k, bb_upper, atr_14, obv, features
     FROM features WHERE ticker = $1 AND timeframe = '1m' ORDER BY "timestamp"`,
    [ticker],
  );
  return rows as Array<Record<string, unknown> & { ms: number; xmin: string }>;
}
const values = (rows: Awaited<ReturnType<typeof stored>>) => rows.map(({ xmin: _xmin, ...rest }) => rest);

describe('feature pipeline', () => {
  it('stores exactly what the indicator library computes, with NULL warm-up rows', async () => {
    const input = series('SPY');
    await bars.upsertBars(input);
    const result = await service.computeFeatures({ ticker: 'SPY', timeframe: '1m', full: true });
    expect(result.rows).toBe(input.length);
    const rows = await stored('SPY');
    const expected = computeFeatureRows(input);
    expect(rows).toHaveLength(input.length);
    expect(rows.slice(0, 199).every((r) => r.sma_200 === null)).toBe(true);
    expect(rows[199]!.sma_200).not.toBeNull();
    expect(rows.slice(0, 14).every((r) => r.rsi_14 === null)).toBe(true);
    expect(rows[14]!.rsi_14).not.toBeNull();
    for (const i of [0, 19, 33, 250, 1799]) {
      const want = expected[i]!;
      expect(rows[i]).toMatchObject({
        ms: input[i]!.timestamp.getTime(),
        sma_20: want.columns.sma20,
        sma_200: want.columns.sma200,
        rsi_14: want.columns.rsi14,
        macd_signal: want.columns.macdSignal,
        obv: want.columns.obv,
      });
      expect((rows[i]!.features as Record<string, number | null>).wma_20).toBe(want.bag.wma_20 ?? null);
    }
  });

  it('incremental results equal a full recompute after bars are appended, and earlier rows are not rewritten', async () => {
    const input = series('AAA');
    await bars.upsertBars(input.slice(0, 1500));
    await service.computeFeatures({ ticker: 'AAA', timeframe: '1m' });
    const before = await stored('AAA');
    await bars.upsertBars(input.slice(1500));
    await service.onBarsWritten('AAA', '1m', input[1500]!.timestamp);
    const after = await stored('AAA');

    await bars.upsertBars(input.map((b) => ({ ...b, ticker: 'BBB' })));
    await service.computeFeatures({ ticker: 'BBB', timeframe: '1m', full: true });
    expect(values(after)).toEqual(values(await stored('BBB')));
    // A feature at bar t is unchanged, and not even rewritten, when later bars arrive.
    expect(after.slice(0, 1500)).toEqual(before);
  });

  it('recomputes exactly the rows from a corrected past bar on', async () => {
    const input = series('SPY');
    await bars.upsertBars(input);
    await service.computeFeatures({ ticker: 'SPY', timeframe: '1m' });
    const before = await stored('SPY');
    const corrected = { ...input[1000]!, close: input[1000]!.high, volume: input[1000]!.volume * 3 };
    await bars.upsertBars([corrected]);
    const result = await service.computeFeatures({ ticker: 'SPY', timeframe: '1m', since: corrected.timestamp });
    expect(result.rows).toBe(800);
    const after = await stored('SPY');
    expect(after.slice(0, 1000)).toEqual(before.slice(0, 1000)); // same values, same row versions
    expect(after[1000]!.xmin).not.toBe(before[1000]!.xmin);
    expect(after[1000]!.obv).not.toBe(before[1000]!.obv);
    const fresh = computeFeatureRows(input.map((b, i) => (i === 1000 ? corrected : b)));
    expect(after.map((r) => r.obv)).toEqual(fresh.map((r) => r.columns.obv));
    expect(after.map((r) => r.ema_12)).toEqual(fresh.map((r) => r.columns.ema12));
  });

  it('is idempotent: a second run writes nothing', async () => {
    await bars.upsertBars(series('SPY'));
    await service.computeFeatures({ ticker: 'SPY', timeframe: '1m' });
    const before = await stored('SPY');
    expect((await service.computeFeatures({ ticker: 'SPY', timeframe: '1m' })).rows).toBe(0);
    expect(await stored('SPY')).toEqual(before);
  });
});
