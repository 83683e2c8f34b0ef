// Fault: Polygon answers 200 with something that is not a page of bars (garbage, JSON cut in half,
// values of the wrong type, a page far bigger than asked for). A backfill through the fake server:
// each such window is logged FAILED with an error that says what was wrong, nothing of it is stored,
// and the run goes on to the next windows; a later run fills the failed windows with the true bars.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessionsBetween, simulateMinuteBars, DEMO_TICKERS } from '../demo/market-simulator';
import { MarketDataRepository } from '../market-data/repository';
import { createTestDatabase, type TestDatabase } from '../testing/db';
import { ingestionServiceFor } from '../testing/ingestion';
import { startFakePolygon, type FakePolygon } from '../../tooling/fake-polygon/server';
import type { IngestionService } from './service';

/** Five months of regular-session minutes: five monthly 1m windows, one request each. */
const source = simulateMinuteBars(DEMO_TICKERS[0]!, sessionsBetween('2025-01-01', '2025-05-31'), 11);
const TICKER = 'FLT';

let db: TestDatabase;
let fake: FakePolygon;
let bars: MarketDataRepository;

beforeAll(async () => {
  db = await createTestDatabase();
  bars = new MarketDataRepository(db.pool);
  fake = await startFakePolygon({ minuteBars: { [TICKER]: source }, apiKey: 'test-key' });
});
afterAll(async () => {
  await fake?.close();
  await db?.drop();
});

// One retry: each broken window costs two requests, both broken.
const service = () => ingestionServiceFor(db, fake.url, { polygon: { maxRetries: 1, backoff: { baseMs: 5, maxMs: 10 } }, deps: { marketData: bars } });

const backfill = (s: IngestionService) => s.runBackfill({ tickers: [TICKER], timeframes: ['1m'], from: '2025-01-01', to: '2025-05-31' });

async function storedByMonth(): Promise<Record<string, number>> {
  const { rows } = await db.pool.query<{ month: string; n: number }>(
    `SELECT to_char("timestamp" AT TIME ZONE 'America/New_York', 'YYYY-MM') AS month, count(*)::int AS n
     FROM market_data WHERE ticker = $1 AND timeframe = '1m' GROUP BY 1 ORDER BY 1`,
    [TICKER],
  );
  return Object.fromEntries(rows.map((r) => [r.month, r.n]));
}

describe('backfill through a Polygon that answers garbage', () => {
  it('logs each broken window FAILED with a clear error, stores nothing of it, and goes on', async () => {
    fake.setFaults({
      byRequest: {
        1: { type: 'garbage' },
        2: { type: 'garbage' },
        3: { type: 'truncated-json' },
        4: { type: 'truncated-json' },
        5: { type: 'wrong-types' },
        6: { type: 'wrong-types' },
        7: { type: 'huge-page' },
        8: { type: 'huge-page' },
      },
    });
    const s = service();
    const summary = await backfill(s);
    expect(summary).toMatchObject({ status: 'PARTIAL', windows: { total: 5, succeeded: 1, failed: 4, partial: 0 }, requests: 9 });
    expect(summary.failures.map((f) => [f.firstDate, f.status, f.error])).toEqual([
      ['2025-01-01', 'FAILED', expect.stringMatching(/^malformed response: the body is not JSON \(\d+ characters, starting "<html><body>upstream said: .*\(gave up after 2 attempts\)$/)],
      ['2025-02-01', 'FAILED', expect.stringMatching(/^malformed response: the body is not JSON \(\d+ characters, starting "\{\\"ticker\\":\\"FLT\\".*\(gave up after 2 attempts\)$/)],
      ['2025-03-01', 'FAILED', 'malformed response: results[0].o is a string, not a number (gave up after 2 attempts)'],
      ['2025-04-01', 'FAILED', 'malformed response: a page of 100000 rows, more than the 50000 asked for (gave up after 2 attempts)'],
    ]);
    const logs = (await s.listLogs({ runId: summary.runId, limit: 10 })).logs.sort((a, b) => a.fromDate.getTime() - b.fromDate.getTime());
    expect(logs.map((l) => [l.status, l.rowsIngested])).toEqual([
      ['FAILED', 0],
      ['FAILED', 0],
      ['FAILED', 0],
      ['FAILED', 0],
      ['SUCCESS', source.filter((b) => b.timestamp >= new Date('2025-05-01T04:00:00Z')).length],
    ]);
    // Only the good window was stored.
    expect(Object.keys(await storedByMonth())).toEqual(['2025-05']);

    // The next run redoes only the failed windows, and then the stored series is exactly the source.
    fake.setFaults();
    const again = await backfill(s);
    expect(again).toMatchObject({ status: 'SUCCESS', windows: { succeeded: 4, skipped: 1, failed: 0 } });
    const stored = await bars.getBarsInRange(TICKER, '1m', new Date('2025-01-01'), new Date('2025-06-01'));
    expect(stored.map((b) => [new Date(b.timestamp).getTime(), b.open, b.high, b.low, b.close, b.volume])).toEqual(
      source.map((b) => [b.timestamp.getTime(), b.open, b.high, b.low, b.close, b.volume]),
    );
  });
});
