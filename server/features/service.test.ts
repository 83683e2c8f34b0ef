// The feature pipeline against the real database: what is stored equals a fresh computation,
// incremental runs equal full ones, and only the rows that can change are rewritten.
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sessionsBetween, simulateMinuteBars, DEMO_TICKERS } from '../demo/market-simulator';
import { MarketDataRepository } from '../market-data/repository';
import type { Bar } from '../market-data/schema';
import { createTestDatabase, type TestDatabase } from '../testing/db';
import { metricValue } from '../testing/metrics';
import { freePort } from '../testing/postgres';
import { FEATURE_CATALOG, computeFeatureRows, computeFeatureSeries } from './indicators';
import { FeatureRepository } from './repository';
import { FEATURE_CATALOG_LIST, FEATURE_KEYS } from './schema';
import { FeatureService } from './service';

let db: TestDatabase;
let service: FeatureService;
let bars: MarketDataRepository;

// 1,800 one-minute bars (a bit over four sessions): enough for every 200-bar warm-up.
const series = (ticker: string): Bar[] =>
  simulateMinuteBars({ ...DEMO_TICKERS[0]!, ticker }, sessionsBetween('2025-03-03', '2025-03-07'), 11).slice(0, 1800);

beforeAll(async () => {
  db = await createTestDatabase();
  bars = new MarketDataRepository(db.pool);
  service = new FeatureService(new FeatureRepository(db.pool), bars);
});
afterAll(() => db.drop());
beforeEach(() => db.pool.query('TRUNCATE market_data, features'));

const computations = (result: string) => metricValue('quantbase_job_runs_total', { job: 'feature_computation', result });

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
/** Every feature of every row as the API serves it; JSON drops -0, which jsonb cannot hold either. */
const served = async (ticker: string) =>
  JSON.parse(JSON.stringify(await service.getFeatures({ ticker, timeframe: '1m', columns: [...FEATURE_KEYS], limit: 50_000 }))) as Array<Record<string, number | string | null>>;

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
        sma_20: want.columns.sma_20,
        sma_200: want.columns.sma_200,
        rsi_14: want.columns.rsi_14,
        macd_signal: want.columns.macd_signal,
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
    expect(after.map((r) => r.ema_12)).toEqual(fresh.map((r) => r.columns.ema_12));
  });

  it('serves every feature of every row exactly as the library computes it, NULL for each warm-up', async () => {
    const input = series('SPY');
    await bars.upsertBars(input);
    await service.computeFeatures({ ticker: 'SPY', timeframe: '1m' });
    const rows = await served('SPY');
    const expected = computeFeatureRows(input).map((r, i) => ({ timestamp: input[i]!.timestamp.toISOString(), ...r.columns, ...r.bag }));
    expect(rows).toEqual(JSON.parse(JSON.stringify(expected)));
    for (const { name, key, warmup } of FEATURE_CATALOG_LIST) {
      expect(rows.slice(0, warmup).every((r) => r[key] === null), name).toBe(true);
      expect(rows[warmup]![key], name).not.toBeNull();
    }
    // In the table itself: warm-up columns are SQL NULL and warm-up bag entries JSON null, never absent.
    const { rows: first } = await db.pool.query(`SELECT * FROM features WHERE ticker = 'SPY' ORDER BY "timestamp" LIMIT 1`);
    for (const [name, entry] of Object.entries(FEATURE_CATALOG)) {
      if (entry.warmup === 0) continue;
      if (entry.storage === 'column') expect(first[0][name], name).toBeNull();
      else expect(first[0].features, name).toHaveProperty(name, null);
    }
  });

  it('after a correction the table equals a full recompute of the corrected bars', async () => {
    const input = series('SPY');
    await bars.upsertBars(input);
    await service.computeFeatures({ ticker: 'SPY', timeframe: '1m' });
    const corrected = input.map((b, i) => (i === 700 ? { ...b, low: b.low - 1, close: b.low - 1 } : b));
    await bars.upsertBars([corrected[700]!]);
    await service.onBarsWritten('SPY', '1m', corrected[700]!.timestamp);
    await bars.upsertBars(corrected.map((b) => ({ ...b, ticker: 'BBB' })));
    await service.computeFeatures({ ticker: 'BBB', timeframe: '1m', full: true });
    expect(values(await stored('SPY'))).toEqual(values(await stored('BBB')));
  });

  it('catches up without being told what changed, and rewrites a series whose history was back-filled', async () => {
    const input = series('AAA');
    await bars.upsertBars(input.slice(300, 1200));
    await service.computeFeatures({ ticker: 'AAA', timeframe: '1m' });
    await bars.upsertBars(input.slice(1200));
    expect((await service.computeFeatures({ ticker: 'AAA', timeframe: '1m' })).rows).toBe(600);
    // Bars before the first stored one change every recursive indicator's seed: all rows are redone.
    await bars.upsertBars(input.slice(0, 300));
    const backfill = await service.computeFeatures({ ticker: 'AAA', timeframe: '1m' });
    expect(backfill).toMatchObject({ rows: 1800, from: input[0]!.timestamp });
    await bars.upsertBars(input.map((b) => ({ ...b, ticker: 'BBB' })));
    await service.computeFeatures({ ticker: 'BBB', timeframe: '1m', full: true });
    expect(values(await stored('AAA'))).toEqual(values(await stored('BBB')));
  });

  it('serialises concurrent computations of one series (the advisory lock)', async () => {
    const input = series('SPY');
    await bars.upsertBars(input);
    const counted = await computations('success');
    // Unserialised, both would delete, then both insert the same keys: a unique violation.
    const runs = await Promise.all([1, 2, 3].map(() => service.computeFeatures({ ticker: 'SPY', timeframe: '1m', full: true })));
    expect(runs.map((r) => r.rows)).toEqual([1800, 1800, 1800]);
    expect(await stored('SPY')).toHaveLength(1800);
    expect((await computations('success')) - counted).toBe(3);
  });

  it('counts a computation that fails as a failure', async () => {
    const dead = new pg.Pool({ connectionString: `postgresql://nobody:nothing@127.0.0.1:${await freePort()}/gone`, max: 1 });
    const [failed, succeeded] = [await computations('failure'), await computations('success')];
    try {
      await expect(new FeatureService(new FeatureRepository(dead), new MarketDataRepository(dead)).computeFeatures({ ticker: 'SPY', timeframe: '1m' })).rejects.toThrow();
    } finally {
      await dead.end();
    }
    expect([(await computations('failure')) - failed, (await computations('success')) - succeeded]).toEqual([1, 0]);
  });

  it('rolls a failed write back and releases the series', async () => {
    const input = series('SPY');
    await bars.upsertBars(input);
    await service.computeFeatures({ ticker: 'SPY', timeframe: '1m' });
    const before = await stored('SPY');
    const computed = computeFeatureSeries(input);
    const timestamps = Float64Array.from(input, (b) => b.timestamp.getTime());
    // Inserting over existing rows breaks the primary key mid-COPY: the error must surface, not hang.
    await expect(
      service.repository.withLockedSeries('SPY', '1m', async (s) => {
        await s.deleteFrom(input[1000]!.timestamp);
        await s.insert(timestamps, computed, 900);
      }),
    ).rejects.toMatchObject({ code: '23505' });
    expect(await stored('SPY')).toEqual(before);
    expect((await service.computeFeatures({ ticker: 'SPY', timeframe: '1m', full: true })).rows).toBe(1800);
  });

  it('reads a from/to range or the latest rows up to endDate, with only the selected columns', async () => {
    const input = series('SPY');
    await bars.upsertBars(input);
    await service.computeFeatures({ ticker: 'SPY', timeframe: '1m' });
    const ts = (i: number) => input[i]!.timestamp;
    const range = await service.getFeatures({ ticker: 'SPY', timeframe: '1m', columns: ['rsi_14', 'vwap_session'], from: ts(100), to: ts(110), limit: 1000 });
    expect(range.map((r) => r.timestamp)).toEqual(input.slice(100, 110).map((b) => b.timestamp.toISOString()));
    expect(Object.keys(range[0]!)).toEqual(['timestamp', 'rsi_14', 'vwap_session']);
    const firstOfRange = await service.getFeatures({ ticker: 'SPY', timeframe: '1m', columns: ['obv'], from: ts(100), limit: 3 });
    expect(firstOfRange.map((r) => r.timestamp)).toEqual(input.slice(100, 103).map((b) => b.timestamp.toISOString()));
    const latest = await service.getFeatures({ ticker: 'SPY', timeframe: '1m', columns: ['obv'], endDate: ts(500), limit: 3 });
    expect(latest.map((r) => r.timestamp)).toEqual(input.slice(498, 501).map((b) => b.timestamp.toISOString()));
    await expect(service.repository.read('SPY', '1m', ['obv; DROP TABLE features' as never], { limit: 1 })).rejects.toThrow(/unknown feature column/);
  });

  it('is idempotent: a second run writes nothing', async () => {
    await bars.upsertBars(series('SPY'));
    await service.computeFeatures({ ticker: 'SPY', timeframe: '1m' });
    const before = await stored('SPY');
    expect((await service.computeFeatures({ ticker: 'SPY', timeframe: '1m' })).rows).toBe(0);
    expect(await stored('SPY')).toEqual(before);
    // Re-running a trigger or a full recompute rewrites rows, with the same values.
    await service.onBarsWritten('SPY', '1m', new Date(before[900]!.ms));
    await service.computeFeatures({ ticker: 'SPY', timeframe: '1m', full: true });
    expect(values(await stored('SPY'))).toEqual(values(before));
  });
});
