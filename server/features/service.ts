// Feature use cases: compute a series' features from its stored bars and write only the rows that
// can have changed; serve stored features by API name.
//
// Why every compute reads the whole series: EMA/Wilder/OBV values depend on all history back to
// the first bar (FEATURE_LOOKBACK = Infinity, see indicators/README.md), so the exact incremental
// path recomputes from bar 0 in memory (~0.5 s for 200k bars) but WRITES only from the first
// changed bar. Rows before it are never touched.
import type { MarketDataRepository, StoredBar } from '../market-data/repository';
import type { Timeframe } from '../market-data/schema';
import { countJobRun } from '../metrics';
import { computeFeatureSeries, firstAffectedIndex, type FeatureBar } from './indicators';
import type { FeatureExtent, FeatureRepository } from './repository';
import type { FeaturesQuery, FeatureWireRow } from './schema';

export interface ComputeRequest {
  ticker: string;
  timeframe: Timeframe;
  /** Rewrite every row of the series. */
  full?: boolean;
  /** Earliest bar the caller (ingestion) inserted or changed; rows from it on are rewritten. */
  since?: Date;
}

export interface ComputeResult {
  ticker: string;
  timeframe: Timeframe;
  /** Feature rows written. */
  rows: number;
  /** Timestamp of the first row written; null when nothing had to be written. */
  from: Date | null;
  ms: number;
  /** Where the time went: reading bars, computing every feature, deleting + COPYing + committing. */
  phases: { readMs: number; computeMs: number; writeMs: number };
}

// Bounds for "every bar of the series" that PostgreSQL and node-pg both represent.
const ALL_TIME = { from: new Date('1000-01-01T00:00:00Z'), to: new Date('9999-12-31T00:00:00Z') };

/** Index of the first bar at or after `ms`, or the bar count. */
function firstAtOrAfter(bars: readonly StoredBar[], ms: number): number {
  const i = bars.findIndex((b) => b.timestamp >= ms);
  return i === -1 ? bars.length : i;
}

/**
 * First bar whose features must be (re)written: everything after the last stored row (catches up
 * a series whose earlier compute failed or never ran), and from `since` on. A series whose stored
 * rows do not start at its first bar (bars back-filled before it) is rewritten whole, because
 * every recursive indicator is seeded at the first bar.
 */
function firstRowToWrite(bars: readonly StoredBar[], extent: FeatureExtent | null, request: Pick<ComputeRequest, 'full' | 'since'>): number {
  if (request.full || !extent || bars.length === 0 || extent.earliest !== bars[0]!.timestamp) return 0;
  const afterStored = firstAtOrAfter(bars, extent.latest + 1);
  return firstAffectedIndex(Math.min(afterStored, request.since ? firstAtOrAfter(bars, request.since.getTime()) : afterStored));
}

export class FeatureService {
  constructor(
    readonly repository: FeatureRepository,
    private readonly bars: MarketDataRepository,
  ) {}

  /** Idempotent: a second run with nothing new writes nothing. Counted in quantbase_job_runs_total. */
  computeFeatures(request: ComputeRequest): Promise<ComputeResult> {
    return countJobRun('feature_computation', () => this.compute(request));
  }

  private async compute(request: ComputeRequest): Promise<ComputeResult> {
    const { ticker, timeframe } = request;
    const started = performance.now();
    let readMs = 0;
    let computeMs = 0;
    const written = await this.repository.withLockedSeries(ticker, timeframe, async (series) => {
      // Read inside the lock, so a run that waited sees the bars the previous run did not.
      const extent = await series.extent();
      const stored = await this.bars.getBarsInRange(ticker, timeframe, ALL_TIME.from, ALL_TIME.to);
      readMs = performance.now() - started;
      const from = firstRowToWrite(stored, extent, request);
      const rows = stored.length - from;
      if (rows === 0 && !request.full) return { rows, from: null };
      const timestamps = new Float64Array(stored.length);
      const input = stored.map((b, i): FeatureBar => {
        timestamps[i] = b.timestamp;
        return { open: b.open, high: b.high, low: b.low, close: b.close, volume: b.volume, timestamp: new Date(b.timestamp) };
      });
      const computed = computeFeatureSeries(input);
      computeMs = performance.now() - started - readMs;
      const fromDate = rows > 0 ? new Date(stored[from]!.timestamp) : null;
      // A full run also clears rows whose bars no longer exist.
      await series.deleteFrom(request.full ? null : fromDate);
      await series.insert(timestamps, computed, from);
      return { rows, from: fromDate };
    });
    const ms = performance.now() - started;
    return { ticker, timeframe, ...written, ms, phases: { readMs, computeMs, writeMs: ms - readMs - computeMs } };
  }

  /**
   * The ingestion trigger: `onBarsWritten(ticker, timeframe, earliestChanged)`. Bound, so it can
   * be handed over as a plain callback.
   */
  readonly onBarsWritten = async (ticker: string, timeframe: Timeframe, earliestChanged: Date): Promise<void> => {
    await this.computeFeatures({ ticker, timeframe, since: earliestChanged });
  };

  /** Every series with stored bars, one after the other (CLI `--all`, demo seeding). */
  async computeAll(options: { full?: boolean } = {}): Promise<ComputeResult[]> {
    const results: ComputeResult[] = [];
    for (const { ticker, timeframe } of await this.bars.getCoverage()) {
      results.push(await this.computeFeatures({ ticker, timeframe, full: options.full }));
    }
    return results;
  }

  /** Stored features as wire rows: ISO timestamp, then the requested keys in the requested order. */
  async getFeatures(query: FeaturesQuery): Promise<FeatureWireRow[]> {
    const { ticker, timeframe, columns, from, to, endDate, limit } = query;
    const tuples = await this.repository.read(ticker, timeframe, columns, { from, to, endDate, limit });
    return tuples.map(([ms, ...values]) => {
      const row: Record<string, string | number | null> = { timestamp: new Date(ms).toISOString() };
      columns.forEach((key, i) => (row[key] = values[i] ?? null));
      return row as FeatureWireRow;
    });
  }
}
