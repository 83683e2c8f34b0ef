import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../testing/db';
import { InvalidBarError, MarketDataRepository } from './repository';
import { BarBatchSchema, type Bar } from './schema';

let db: TestDatabase;
let repo: MarketDataRepository;

beforeAll(async () => {
  db = await createTestDatabase();
  repo = new MarketDataRepository(db.pool);
});
afterAll(() => db.drop());
beforeEach(() => db.pool.query('TRUNCATE market_data'));

const T0 = Date.UTC(2025, 6, 1, 13, 30); // 09:30 New York
function minuteBars(n: number, ticker = 'SPY', start = T0): Bar[] {
  return Array.from({ length: n }, (_, i) => {
    const open = 500 + Math.sin(i / 10) * 3 + i * 1e-4;
    const close = open + Math.cos(i / 7) * 0.25;
    return {
      ticker,
      timeframe: '1m' as const,
      timestamp: new Date(start + i * 60_000),
      open,
      high: Math.max(open, close) + 0.125,
      low: Math.min(open, close) - 0.0625,
      close,
      volume: 1000 + i,
      vwap: (open + close) / 2,
      tradeCount: 10 + (i % 5),
    };
  });
}

async function rowCount(): Promise<number> {
  const { rows } = await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM market_data');
  return rows[0]!.n;
}

describe('bulk upsert', () => {
  it('round-trips values and millisecond UTC timestamps exactly', async () => {
    const bars = minuteBars(500);
    bars[3]!.timestamp = new Date(T0 + 3 * 60_000 + 123); // a millisecond part survives too
    bars[7]!.vwap = null;
    bars[7]!.tradeCount = null;
    expect(await repo.upsertBars(bars)).toEqual({ inserted: 500, updated: 0, unchanged: 0 });
    const stored = await repo.getBarsInRange('SPY', '1m', new Date(T0), new Date(T0 + 500 * 60_000));
    expect(stored).toEqual(
      bars.map((b) => ({
        timestamp: b.timestamp.getTime(),
        open: b.open,
        high: b.high,
        low: b.low,
        close: b.close,
        volume: b.volume,
        vwap: b.vwap,
        tradeCount: b.tradeCount,
      })),
    );
    const { rows } = await db.pool.query(`SELECT to_char("timestamp" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS') AS ts FROM market_data ORDER BY "timestamp" LIMIT 4`);
    expect(rows.map((r) => r.ts)).toEqual(bars.slice(0, 4).map((b) => b.timestamp.toISOString().slice(0, 23)));
  });

  it('round-trips timestamps before the PostgreSQL epoch (2000-01-01) and far after it', async () => {
    const [template] = minuteBars(1);
    const stamps = ['1987-10-19T14:30:00.250Z', '1999-12-31T23:59:59.999Z', '2000-01-01T00:00:00.001Z', '2100-02-28T15:00:00.000Z'];
    await repo.upsertBars(stamps.map((t) => ({ ...template!, timestamp: new Date(t) })));
    const stored = await repo.getBarsInRange('SPY', '1m', new Date('1900-01-01'), new Date('2200-01-01'));
    expect(stored.map((b) => new Date(b.timestamp).toISOString())).toEqual(stamps);
  });

  it('leaves 100,000 rows after the same 100,000 bars are written twice, and reports them unchanged', async () => {
    const bars = minuteBars(100_000);
    expect((await repo.upsertBars(bars)).inserted).toBe(100_000);
    expect(await repo.upsertBars(bars)).toEqual({ inserted: 0, updated: 0, unchanged: 100_000 });
    expect(await rowCount()).toBe(100_000);
  });

  it('updates corrected bars and inserts new ones in one call', async () => {
    const bars = minuteBars(10);
    await repo.upsertBars(bars.slice(0, 8));
    const corrected = bars.map((b, i) => (i === 2 ? { ...b, close: b.low, volume: 7 } : b));
    expect(await repo.upsertBars(corrected)).toEqual({ inserted: 2, updated: 1, unchanged: 7 });
    const [third] = await repo.getBarsInRange('SPY', '1m', bars[2]!.timestamp, bars[3]!.timestamp);
    expect(third).toMatchObject({ close: bars[2]!.low, volume: 7 });
  });

  it("stores each bar's source (the plan's default 'polygon' when none is named); a new source is an update", async () => {
    const bars = minuteBars(4);
    const named = bars.map((b, i) => (i < 2 ? { ...b, source: 'alpaca' } : b));
    expect((await repo.upsertBars(named.slice(0, 3))).inserted).toBe(3); // COPY straight in
    expect(await repo.upsertBars(named)).toEqual({ inserted: 1, updated: 0, unchanged: 3 }); // merged
    const sources = async () => (await db.pool.query(`SELECT source FROM market_data ORDER BY "timestamp"`)).rows.map((r) => r.source);
    expect(await sources()).toEqual(['alpaca', 'alpaca', 'polygon', 'polygon']);
    expect(await repo.upsertBars([{ ...bars[0]!, source: 'demo' }])).toEqual({ inserted: 0, updated: 1, unchanged: 0 });
    expect(await sources()).toEqual(['demo', 'alpaca', 'polygon', 'polygon']);
  });
});

describe('invalid bars', () => {
  const cases: Array<[string, (b: Bar) => Bar, string]> = [
    ['NaN price', (b) => ({ ...b, close: Number.NaN }), 'close'],
    ['Infinity price', (b) => ({ ...b, high: Number.POSITIVE_INFINITY }), 'high'],
    ['negative volume', (b) => ({ ...b, volume: -1 }), 'volume'],
    ['high below low', (b) => ({ ...b, high: b.low - 1, open: b.low, close: b.low }), 'high'],
    ['open outside [low, high]', (b) => ({ ...b, open: b.high + 1 }), 'open'],
    ['close outside [low, high]', (b) => ({ ...b, close: b.low - 1 }), 'close'],
    ['unknown timeframe', (b) => ({ ...b, timeframe: '2m' as Bar['timeframe'] }), 'timeframe'],
    ['empty ticker', (b) => ({ ...b, ticker: '' }), 'ticker'],
    ['malformed ticker', (b) => ({ ...b, ticker: 'SP Y;' }), 'ticker'],
    ['invalid date', (b) => ({ ...b, timestamp: new Date('not a date') }), 'timestamp'],
    ['empty source', (b) => ({ ...b, source: '' }), 'source'],
    ['source too long', (b) => ({ ...b, source: 'x'.repeat(65) }), 'source'],
  ];

  it.each(cases)('%s: the batch is rejected naming row and field, and nothing is written', async (_name, spoil, field) => {
    const bars = minuteBars(50);
    bars[37] = spoil(bars[37]!);
    const error = await repo.upsertBars(bars).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidBarError);
    expect(error).toMatchObject({ index: 37, field });
    expect(await rowCount()).toBe(0);
  });

  it('rejects a batch repeating a key, naming both rows', async () => {
    const bars = minuteBars(5);
    bars.push({ ...bars[1]! });
    await expect(repo.upsertBars(bars)).rejects.toThrow('bar 5: timestamp: duplicates bar 1');
    expect(await rowCount()).toBe(0);
  });

  it.each(cases)('%s: the API schema reports the same row and field', (_name, spoil, field) => {
    const bars: unknown[] = minuteBars(3);
    bars[2] = spoil(bars[2] as Bar);
    const result = BarBatchSchema.safeParse(bars);
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((i) => i.path.join('.'))).toContain(`2.${field}`);
  });

  it('is refused by the database itself when a writer bypasses the application', async () => {
    await expect(
      db.pool.query(`INSERT INTO market_data (ticker, timeframe, "timestamp", open, high, low, close, volume) VALUES ('SPY', '1m', now(), 10, 9, 11, 10, 1)`),
    ).rejects.toThrow(/market_data_ohlcv_check/);
    await expect(
      db.pool.query(`INSERT INTO market_data (ticker, timeframe, "timestamp", open, high, low, close, volume) VALUES ('SPY', '7m', now(), 10, 11, 9, 10, 1)`),
    ).rejects.toThrow(/market_data_timeframe_check/);
    await expect(
      db.pool.query(`INSERT INTO market_data (ticker, timeframe, "timestamp", open, high, low, close, volume, source) VALUES ('SPY', '1m', now(), 10, 11, 9, 10, 1, '')`),
    ).rejects.toThrow(/market_data_source_check/);
  });
});

describe('reads', () => {
  it('getLatest returns the newest bar, per ticker and timeframe', async () => {
    await repo.upsertBars([...minuteBars(30), ...minuteBars(5, 'QQQ', T0 + 86_400_000)]);
    expect((await repo.getLatest('SPY', '1m'))!.timestamp).toBe(T0 + 29 * 60_000);
    expect((await repo.getLatest('QQQ', '1m'))!.timestamp).toBe(T0 + 86_400_000 + 4 * 60_000);
    expect(await repo.getLatest('SPY', '5m')).toBeNull();
  });

  it('getHistoricalBars returns the last `limit` bars up to endDate, oldest first', async () => {
    await repo.upsertBars(minuteBars(100));
    const bars = await repo.getHistoricalBars('SPY', '1m', 10, new Date(T0 + 50 * 60_000));
    expect(bars.map((b) => (b.timestamp - T0) / 60_000)).toEqual([41, 42, 43, 44, 45, 46, 47, 48, 49, 50]);
    expect((await repo.getHistoricalBars('SPY', '1m', 3)).map((b) => (b.timestamp - T0) / 60_000)).toEqual([97, 98, 99]);
  });

  it('getBarsInRange is half-open [from, to)', async () => {
    await repo.upsertBars(minuteBars(100));
    const bars = await repo.getBarsInRange('SPY', '1m', new Date(T0 + 10 * 60_000), new Date(T0 + 20 * 60_000));
    expect(bars).toHaveLength(10);
    expect(bars[0]!.timestamp).toBe(T0 + 10 * 60_000);
  });

  it('coverage counts bars and finds the earliest and latest per ticker and timeframe', async () => {
    await repo.upsertBars([...minuteBars(42), ...minuteBars(7, 'IWM', T0 + 3_600_000)]);
    expect(await repo.getCoverage()).toEqual([
      { ticker: 'IWM', timeframe: '1m', count: 7, earliest: new Date(T0 + 3_600_000), latest: new Date(T0 + 3_600_000 + 6 * 60_000) },
      { ticker: 'SPY', timeframe: '1m', count: 42, earliest: new Date(T0), latest: new Date(T0 + 41 * 60_000) },
    ]);
    expect(await repo.getCoverage({ ticker: 'IWM' })).toHaveLength(1);
    expect(await repo.listTickers()).toEqual(['IWM', 'SPY']);
  });
});
