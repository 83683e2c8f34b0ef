// Ingestion throughput, end to end: two years of synthetic SPY-like one-minute bars served by the
// fake Polygon server over real HTTP (JSON encoding and parsing included), paced off, backfilled
// through the production path (client, validation, COPY upsert, window logs) into the database.
// The bars go to a scratch ticker, removed before and after, so a real database keeps its data.
// One month is ingested first and thrown away: it warms the JIT and the pool's connections, which a
// real multi-hour backfill pays once. The two-year run is then repeated and the median reported,
// because on a small shared machine single runs vary by +-20%.
import type { DbHandles } from '../../server/db/client';
import { DEMO_TICKERS, sessionsBetween, simulateMinuteBars } from '../../server/demo/market-simulator';
import { MarketDataRepository } from '../../server/market-data/repository';
import { startFakePolygon } from '../fake-polygon/server';
import { previousTradingDay } from '../../server/ingestion/calendar';
import { IngestionRepository } from '../../server/ingestion/repository';
import { IngestionService } from '../../server/ingestion/service';
import { todayNy, yearsBefore } from '../../server/ingestion/windows';

const BENCH_TICKER = 'BENCHSPY';

export interface BenchResult {
  bars: number;
  /** Seconds of the median run. */
  seconds: number;
  /** Bars per second of the median run. */
  barsPerSecond: number;
  requests: number;
  /** Bars per second of every run, in run order. */
  runs: number[];
}

const monthBefore = (date: string) => new Date(Date.parse(`${date}T00:00:00Z`) - 30 * 86_400_000).toISOString().slice(0, 10);

export async function benchIngestion(handles: DbHandles, options: { years?: number; runs?: number } = {}): Promise<BenchResult> {
  const to = previousTradingDay(todayNy());
  const from = yearsBefore(to, options.years ?? 2);
  const spy = DEMO_TICKERS.find((t) => t.ticker === 'SPY')!;
  const bars = simulateMinuteBars({ ...spy, ticker: BENCH_TICKER }, sessionsBetween(from, to), 42);
  const fake = await startFakePolygon({ minuteBars: { [BENCH_TICKER]: bars } });
  const service = new IngestionService({
    repository: new IngestionRepository(handles.prisma, handles.pool),
    marketData: new MarketDataRepository(handles.pool),
    settings: {
      polygon: { apiKey: 'bench', baseUrl: fake.url, plan: 'developer', requestsPerSecond: 99, pacing: 'off', maxRetries: 0 },
      refresh: { tickers: [], timeframes: [], cron: [] },
    },
  });
  // Deleted bars stay as dead rows until a vacuum; a short-lived bench process never lives long
  // enough for autovacuum, so it vacuums itself and every run starts from the same table state.
  const clear = async () => {
    await service.repository.deleteTickerData(BENCH_TICKER);
    await handles.pool.query('VACUUM (ANALYZE) market_data');
  };
  await clear();
  try {
    await service.runBackfill({ tickers: [BENCH_TICKER], timeframes: ['1m'], from: monthBefore(to), to, force: true });
    const timed: Array<{ seconds: number; requests: number }> = [];
    for (let run = 0; run < (options.runs ?? 3); run++) {
      await clear();
      const started = performance.now();
      const summary = await service.runBackfill({ tickers: [BENCH_TICKER], timeframes: ['1m'], from, to, force: true });
      if (summary.status !== 'SUCCESS' || summary.bars !== bars.length) {
        throw new Error(`bench backfill ended ${summary.status} with ${summary.bars} of ${bars.length} bars: ${summary.error ?? summary.failures[0]?.error ?? ''}`);
      }
      timed.push({ seconds: (performance.now() - started) / 1000, requests: summary.requests });
    }
    const median = [...timed].sort((a, b) => a.seconds - b.seconds)[Math.floor(timed.length / 2)]!;
    const rate = (seconds: number) => Math.round(bars.length / seconds);
    return { bars: bars.length, seconds: median.seconds, barsPerSecond: rate(median.seconds), requests: median.requests, runs: timed.map((t) => rate(t.seconds)) };
  } finally {
    await fake.close();
    await clear();
  }
}
