import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { IngestionRepository } from '../ingestion/repository';
import { MarketDataRepository } from '../market-data/repository';
import type { Bar } from '../market-data/schema';
import { createTestDatabase, type TestDatabase } from '../testing/db';
import { EventRepository } from './repository';

let db: TestDatabase;
let bars: MarketDataRepository;
let events: EventRepository;

beforeAll(async () => {
  db = await createTestDatabase();
  bars = new MarketDataRepository(db.pool);
  events = new EventRepository(db.pool);
});
afterAll(() => db.drop());
beforeEach(() => db.pool.query('TRUNCATE market_data, events'));


const T0 = Date.UTC(2025, 6, 1, 13, 30);
const bar = (ticker: string, minute: number, close = 500 + minute): Bar => ({
  ticker,
  timeframe: '1m',
  timestamp: new Date(T0 + minute * 60_000),
  open: 500,
  high: Math.max(500, close) + 1,
  low: Math.min(500, close) - 1,
  close,
  volume: 1000 + minute,
});
const iso = (minute: number) => new Date(T0 + minute * 60_000).toISOString();

describe('bar.upserted publication', () => {
  it('publishes one event per series of a new batch, with its newest bar, earliest timestamp and count', async () => {
    // Out of order on purpose: the newest SPY bar is minute 2, listed first.
    await bars.upsertBars([bar('SPY', 2), bar('SPY', 0), bar('QQQ', 5), bar('SPY', 1)]);
    const feed = await events.after('0');
    expect(feed.map((e) => [e.name, e.ticker, e.timeframe])).toEqual([
      ['bar.upserted', 'SPY', '1m'],
      ['bar.upserted', 'QQQ', '1m'],
    ]);
    expect(feed[0]!.payload).toEqual({ timestamp: iso(2), open: 500, high: 503, low: 499, close: 502, volume: 1002, earliest: iso(0), count: 3 });
    expect(feed[1]!.payload).toMatchObject({ timestamp: iso(5), earliest: iso(5), count: 1, close: 505 });
  });

  it('publishes only what a merge changed, and nothing for a batch that changed nothing', async () => {
    await bars.upsertBars([bar('SPY', 0), bar('SPY', 1), bar('SPY', 2)]);
    const cursor = await events.latestId();
    await bars.upsertBars([bar('SPY', 0), bar('SPY', 1), bar('SPY', 2)]);
    expect(await events.after(cursor)).toEqual([]);
    // Minute 1 corrected (close 501 -> 501.5) and minute 3 new: two bars written, the newest is minute 3.
    await bars.upsertBars([bar('SPY', 0), bar('SPY', 1, 501.5), bar('SPY', 2), bar('SPY', 3)]);
    const feed = await events.after(cursor);
    expect(feed).toHaveLength(1);
    expect(feed[0]!.payload).toEqual({ timestamp: iso(3), open: 500, high: 504, low: 499, close: 503, volume: 1003, earliest: iso(1), count: 2 });
  });

  it('publishes nothing when the batch is refused', async () => {
    await expect(bars.upsertBars([bar('SPY', 0), { ...bar('SPY', 1), low: 600 }])).rejects.toThrow(/bar 1/);
    expect(await events.latestId()).toBe('0');
  });
});

describe('ingestion.progress publication', () => {
  it('publishes each completed window with the run counters after it', async () => {
    const ingestion = new IngestionRepository(db.prisma, db.pool);
    const [jan, feb] = [new Date('2025-01-01T05:00:00Z'), new Date('2025-02-01T05:00:00Z')];
    const run = await ingestion.createRun({ kind: 'backfill', tickers: ['SPY'], timeframes: ['1m'], fromDate: jan, toDate: feb, windowsTotal: 2 });
    const log = await ingestion.startWindow({ runId: run.id, ticker: 'SPY', timeframe: '1m', start: jan, end: feb });
    await ingestion.completeWindow(log, run.id, { status: 'SUCCESS', rowsIngested: 100, attempts: 1, errorMessage: null }, { windowsDone: 1, bars: 100 });
    const feed = await events.after('0', { topics: ['ingestion'] });
    expect(feed).toHaveLength(1);
    expect(feed[0]).toMatchObject({ name: 'ingestion.progress', ticker: 'SPY', timeframe: '1m' });
    expect(feed[0]!.payload).toEqual({
      runId: run.id,
      logId: log,
      status: 'SUCCESS',
      rowsIngested: 100,
      from: jan.toISOString(),
      to: feb.toISOString(),
      windowsTotal: 2,
      windowsDone: 1,
      windowsFailed: 0,
    });
  });
});
