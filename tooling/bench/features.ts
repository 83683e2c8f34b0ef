// The speed target: compute AND store every feature for 2 years of SPY-like 1m
// regular-session bars (~196k) in under 10 s. Works on its own ticker and removes it afterwards,
// so it can run on a database holding real data.
import type pg from 'pg';
import { MarketDataRepository } from '../../server/market-data/repository';
import { FeatureRepository } from '../../server/features/repository';
import { FeatureService, type ComputeResult } from '../../server/features/service';
import { twoYearsOfMinuteBars, withScratchTicker } from './scratch-series';

export interface FeatureBenchResult {
  bars: number;
  /** Storing the bars (setup, not part of the target). */
  storeBarsMs: number;
  /** Reading the bars, computing every feature and storing every row: the figure the target is about. */
  compute: ComputeResult;
  targetMs: number;
}

const FEATURE_BENCH_TARGET_MS = 10_000;
const BENCH_TICKER = 'ZZFEATBENCH';

export async function benchFeatures(handles: { pool: pg.Pool }): Promise<FeatureBenchResult> {
  const bars = twoYearsOfMinuteBars(BENCH_TICKER, 42);
  return withScratchTicker(handles.pool, BENCH_TICKER, async () => {
    const started = performance.now();
    const marketData = new MarketDataRepository(handles.pool);
    await marketData.upsertBars(bars);
    const storeBarsMs = performance.now() - started;
    const compute = await new FeatureService(new FeatureRepository(handles.pool), marketData).computeFeatures({
      ticker: BENCH_TICKER,
      timeframe: '1m',
      full: true,
    });
    return { bars: bars.length, storeBarsMs, compute, targetMs: FEATURE_BENCH_TARGET_MS };
  });
}
