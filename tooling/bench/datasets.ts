// The export target, side by side in one run: a training dataset of two years of 1m bars
// with 20 feature columns exported as Arrow (the whole pipeline: binary COPY, decode, labels,
// splits with purge and embargo, gap rule, Arrow IPC encoding) must reach at least half the row rate
// of a bare `COPY (SELECT ...) TO STDOUT (FORMAT binary)` of the same rows, drained and dropped.
// Works on its own ticker, removed (and vacuumed) afterwards.
import type pg from 'pg';
import { copyOutBinary } from '../../server/db/copy-out';
import { DatasetRepository, DatasetRowRepository, seriesQuery } from '../../server/datasets/repository';
import { DatasetExportQuerySchema } from '../../server/datasets/schema';
import { DatasetService } from '../../server/datasets/service';
import type { PrismaClient } from '../../server/db/generated/client';
import { EventRepository } from '../../server/events/repository';
import { FEATURE_COLUMNS } from '../../server/features/indicators';
import { FeatureRepository } from '../../server/features/repository';
import { FeatureService } from '../../server/features/service';
import { MarketDataRepository } from '../../server/market-data/repository';
import { ModelRepository } from '../../server/models/repository';
import { twoYearsOfMinuteBars, withScratchTicker } from './scratch-series';

const BENCH_TICKER = 'ZZDATASET';
/** Exports / COPYs timed, alternating; the median of each is reported. */
const RUNS = 3;
/** The target: the export reaches this share of COPY's rows per second. */
export const DATASET_EXPORT_TARGET = 0.5;

export interface DatasetBenchResult {
  bars: number;
  rows: number;
  features: number;
  exportRowsPerSecond: number;
  copyRowsPerSecond: number;
  exportMs: number[];
  copyMs: number[];
  megabytes: number;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

export async function benchDatasetExport(handles: { pool: pg.Pool; prisma: PrismaClient }): Promise<DatasetBenchResult> {
  const bars = twoYearsOfMinuteBars(BENCH_TICKER, 7);
  const marketData = new MarketDataRepository(handles.pool);
  return withScratchTicker(handles.pool, BENCH_TICKER, async () => {
    await marketData.upsertBars(bars);
    await new FeatureService(new FeatureRepository(handles.pool), marketData).computeFeatures({ ticker: BENCH_TICKER, timeframe: '1m', full: true });
    await handles.pool.query(`VACUUM (ANALYZE) features, market_data`);

    // 20 feature columns: the plan's 19 and one key of the JSON bag.
    const features = [...FEATURE_COLUMNS, 'return_1'];
    const { definition } = DatasetExportQuerySchema.parse({
      ticker: BENCH_TICKER,
      timeframe: '1m',
      from: '2023-01-01',
      to: '2025-01-01',
      features: features.join(','),
      horizon: 5,
      format: 'arrow',
    });
    const service = new DatasetService(new DatasetRowRepository(handles.pool), new DatasetRepository(handles.prisma), new ModelRepository(handles.prisma, handles.pool, new EventRepository(handles.pool)));
    const exportOnce = async () => {
      const started = performance.now();
      const file = await service.export(definition, 'arrow');
      let bytes = 0;
      for await (const chunk of file.chunks) bytes += chunk.byteLength;
      const { rows } = file.counter.result();
      return { ms: performance.now() - started, rows: rows.train + rows.validation + rows.test, bytes };
    };
    const copyOnce = async () => {
      const started = performance.now();
      for await (const chunk of copyOutBinary(handles.pool, seriesQuery(BENCH_TICKER, definition))) void chunk;
      return performance.now() - started;
    };
    await exportOnce(); // warm-up: JIT, buffers, pool connections
    await copyOnce();
    const exportMs: number[] = [];
    const copyMs: number[] = [];
    let last = { rows: 0, bytes: 0 };
    for (let run = 0; run < RUNS; run++) {
      const exported = await exportOnce();
      exportMs.push(exported.ms);
      last = exported;
      copyMs.push(await copyOnce());
    }
    return {
      bars: bars.length,
      rows: last.rows,
      features: features.length,
      exportRowsPerSecond: last.rows / (median(exportMs) / 1000),
      copyRowsPerSecond: bars.length / (median(copyMs) / 1000),
      exportMs,
      copyMs,
      megabytes: last.bytes / 1024 / 1024,
    };
  });
}
