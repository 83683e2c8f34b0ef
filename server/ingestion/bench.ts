// Ingestion throughput, end to end: two years of synthetic SPY-like one-minute bars served by the
// fake Polygon server over real HTTP (JSON encoding and parsing included), paced off, backfilled
// through the production path (client, validation, COPY upsert, window logs) into the database.
// The bars go to a scratch ticker, removed before and after, so a real database keeps its data.
import type { DbHandles } from '../db/client';
import { DEMO_TICKERS, sessionsBetween, simulateMinuteBars } from '../demo/market-simulator';
import { startFakePolygon } from './fake-polygon/server';
import { previousTradingDay } from './calendar';
import { IngestionService } from './service';
import { todayNy, yearsBefore } from './windows';

export const BENCH_TICKER = 'BENCHSPY';

export interface BenchResult {
  bars: number;
  seconds: number;
  barsPerSecond: number;
  requests: number;
}

export async function benchIngestion(handles: DbHandles, options: { years?: number } = {}): Promise<BenchResult> {
  const to = previousTradingDay(todayNy());
  const from = yearsBefore(to, options.years ?? 2);
  const spy = DEMO_TICKERS.find((t) => t.ticker === 'SPY')!;
  const bars = simulateMinuteBars({ ...spy, ticker: BENCH_TICKER }, sessionsBetween(from, to), 42);
  const fake = await startFakePolygon({ minuteBars: { [BENCH_TICKER]: bars } });
  const service = new IngestionService({
    ...handles,
    settings: {
      polygon: { apiKey: 'bench', baseUrl: fake.url, plan: 'developer', requestsPerSecond: 99, pacing: 'off', maxRetries: 0 },
      refresh: { tickers: [], timeframes: [], cron: [] },
    },
  });
  await service.repository.deleteTickerData(BENCH_TICKER);
  try {
    const started = performance.now();
    const summary = await service.runBackfill({ tickers: [BENCH_TICKER], timeframes: ['1m'], from, to, force: true });
    if (summary.status !== 'SUCCESS' || summary.bars !== bars.length) {
      throw new Error(`bench backfill ended ${summary.status} with ${summary.bars} of ${bars.length} bars: ${summary.error ?? summary.failures[0]?.error ?? ''}`);
    }
    const seconds = (performance.now() - started) / 1000;
    return { bars: summary.bars, seconds, barsPerSecond: Math.round(summary.bars / seconds), requests: summary.requests };
  } finally {
    await fake.close();
    await service.repository.deleteTickerData(BENCH_TICKER);
  }
}
