// SQL for market_data. The hot paths (bulk upsert, range reads) bypass per-row ORM work: COPY into
// a temp table then one set-based upsert; reads decode plain arrays of numbers.
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { copyOutBinary } from '../db/copy-out';
import type { ReadPool } from '../db/read-router';
import { withTransaction } from '../db/transaction';
import { appendEventsInTransaction } from '../events/repository';
import { barUpserted, type BarUpsertedPayload, type NewEvent } from '../events/schema';
import { DomainError } from '../shared/domain-error';
import { sqlLiteral as lit } from '../shared/sql';
import { decodeBarColumnStream, decodeBarCopy, ENCODED_BAR_COLUMNS, encodeBarCopy, type BarColumns, type StoredBar } from './binary-copy';
import { barViolations, type Bar, type Timeframe } from './schema';

/** A bar of a batch breaks a stored-bar rule; the whole batch is refused (400, the bar's field in `details`). */
export class InvalidBarError extends DomainError {
  constructor(
    readonly index: number,
    readonly field: string,
    readonly reason: string,
  ) {
    super('invalid', `bar ${index}: ${field}: ${reason}`, { details: [{ path: `bars.${index}.${field}`, message: reason }] });
    this.name = 'InvalidBarError';
  }
}

export type { StoredBar };

export interface UpsertResult {
  inserted: number;
  updated: number;
  unchanged: number;
}

export interface DailySummaryRow {
  day: Date;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  barCount: number;
}

export interface Coverage {
  ticker: string;
  timeframe: Timeframe;
  count: number;
  earliest: Date;
  latest: Date;
}

const BAR_COLUMNS = ENCODED_BAR_COLUMNS;
const COPY_COLUMNS = `"timestamp", open, high, low, close, volume, vwap, trade_count`;

/** Rejects the whole batch on the first invalid or repeated bar, naming its index and field. */
function assertValidBatch(bars: readonly Bar[]): void {
  // Timestamps seen per series; batches are mostly one series, so the lookup is by reference.
  const series = new Map<string, Map<number, number>>();
  let lastTicker = '';
  let lastTimeframe = '';
  let seen = new Map<number, number>();
  bars.forEach((bar, index) => {
    const violation = barViolations(bar)[0];
    if (violation) throw new InvalidBarError(index, violation.field, violation.message);
    if (bar.ticker !== lastTicker || bar.timeframe !== lastTimeframe) {
      [lastTicker, lastTimeframe] = [bar.ticker, bar.timeframe];
      const key = `${bar.ticker}|${bar.timeframe}`;
      seen = series.get(key) ?? new Map();
      series.set(key, seen);
    }
    const ms = bar.timestamp.getTime();
    const first = seen.get(ms);
    if (first !== undefined) throw new InvalidBarError(index, 'timestamp', `duplicates bar ${first} (same ticker, timeframe and timestamp)`);
    seen.set(ms, index);
  });
}

/** One `bar.upserted` per series of the written bars: its newest bar, its earliest timestamp and the count. */
function seriesEvents(bars: readonly Bar[]): NewEvent[] {
  const series = new Map<string, { newest: Bar; earliest: Date; count: number }>();
  for (const bar of bars) {
    const key = `${bar.ticker}|${bar.timeframe}`;
    const s = series.get(key);
    if (!s) series.set(key, { newest: bar, earliest: bar.timestamp, count: 1 });
    else {
      s.count += 1;
      if (bar.timestamp > s.newest.timestamp) s.newest = bar;
      if (bar.timestamp < s.earliest) s.earliest = bar.timestamp;
    }
  }
  return [...series.values()].map(({ newest: b, earliest, count }) =>
    barUpserted(b.ticker, b.timeframe, {
      timestamp: b.timestamp.toISOString(),
      open: b.open,
      high: b.high,
      low: b.low,
      close: b.close,
      volume: b.volume,
      earliest: earliest.toISOString(),
      count,
    }),
  );
}

async function copyBars(client: pg.PoolClient, table: string, bars: readonly Bar[]): Promise<void> {
  await pipeline(Readable.from(encodeBarCopy(bars)), client.query(copyFrom(`COPY ${table} (${BAR_COLUMNS}) FROM STDIN (FORMAT binary)`)));
}

export class MarketDataRepository {
  /** `pool`: the primary's, or the read router's for an instance that only serves heavy reads. */
  constructor(private readonly pool: ReadPool) {}

  /**
   * Inserts or updates bars keyed on (ticker, timeframe, timestamp), all or nothing. Identical
   * rows are left untouched, so re-running an ingestion writes nothing. The same transaction
   * publishes one `bar.upserted` per series that changed (none when nothing did).
   */
  async upsertBars(bars: readonly Bar[]): Promise<UpsertResult> {
    assertValidBatch(bars);
    if (bars.length === 0) return { inserted: 0, updated: 0, unchanged: 0 };
    return withTransaction(this.pool, async (client) => {
      const copied = await this.tryCopyNew(client, bars);
      const { result, events } = copied ? { result: copied, events: seriesEvents(bars) } : await this.copyAndMerge(client, bars);
      await appendEventsInTransaction(client, events);
      return result;
    });
  }

  /**
   * Fast path for new data (the common ingestion case): COPY straight into market_data. If any
   * key already exists the savepoint is rolled back and the caller merges instead.
   */
  private async tryCopyNew(client: pg.PoolClient, bars: readonly Bar[]): Promise<UpsertResult | null> {
    await client.query('SAVEPOINT copy_new');
    try {
      await copyBars(client, 'market_data', bars);
      await client.query('RELEASE SAVEPOINT copy_new');
      return { inserted: bars.length, updated: 0, unchanged: 0 };
    } catch (error) {
      if ((error as { code?: string }).code !== '23505') throw error; // only a key clash falls back
      await client.query('ROLLBACK TO SAVEPOINT copy_new');
      return null;
    }
  }

  /** COPY into a temp table, then one upsert that leaves identical rows untouched; events for the written ones. */
  private async copyAndMerge(client: pg.PoolClient, bars: readonly Bar[]): Promise<{ result: UpsertResult; events: NewEvent[] }> {
    await client.query(`CREATE TEMP TABLE bars_in (LIKE market_data INCLUDING DEFAULTS) ON COMMIT DROP`);
    await copyBars(client, 'bars_in', bars);
    type MergedSeries = Omit<BarUpsertedPayload, 'timestamp' | 'earliest' | 'count'> & { ticker: string; timeframe: string; inserted: number; written: number; earliest: Date; timestamp: Date };
    const { rows } = await client.query<MergedSeries>(`
      WITH written AS (
        INSERT INTO market_data (${BAR_COLUMNS})
        SELECT ${BAR_COLUMNS} FROM bars_in
        ON CONFLICT (ticker, timeframe, "timestamp") DO UPDATE
          SET open = EXCLUDED.open, high = EXCLUDED.high, low = EXCLUDED.low, close = EXCLUDED.close,
              volume = EXCLUDED.volume, vwap = EXCLUDED.vwap, trade_count = EXCLUDED.trade_count, source = EXCLUDED.source
          WHERE (market_data.open, market_data.high, market_data.low, market_data.close,
                 market_data.volume, market_data.vwap, market_data.trade_count, market_data.source)
             IS DISTINCT FROM (EXCLUDED.open, EXCLUDED.high, EXCLUDED.low, EXCLUDED.close,
                 EXCLUDED.volume, EXCLUDED.vwap, EXCLUDED.trade_count, EXCLUDED.source)
        RETURNING (xmax = 0) AS is_insert, ticker, timeframe, "timestamp", open, high, low, close, volume
      )
      SELECT g.ticker, g.timeframe, g.inserted, g.written, g.earliest,
             n."timestamp", n.open, n.high, n.low, n.close, n.volume
      FROM (SELECT ticker, timeframe, count(*) FILTER (WHERE is_insert)::int AS inserted, count(*)::int AS written,
                   min("timestamp") AS earliest, max("timestamp") AS latest
            FROM written GROUP BY ticker, timeframe) g
      JOIN written n ON n.ticker = g.ticker AND n.timeframe = g.timeframe AND n."timestamp" = g.latest`);
    const inserted = rows.reduce((n, r) => n + r.inserted, 0);
    const written = rows.reduce((n, r) => n + r.written, 0);
    const events = rows.map(({ ticker, timeframe, inserted: _, written: count, earliest, timestamp, ...prices }) =>
      barUpserted(ticker, timeframe, { ...prices, timestamp: timestamp.toISOString(), earliest: earliest.toISOString(), count }),
    );
    return { result: { inserted, updated: written - inserted, unchanged: bars.length - written }, events };
  }

  /** The plan's getHistoricalBars: the `limit` bars up to `endDate` (inclusive), oldest first. */
  async getHistoricalBars(ticker: string, timeframe: Timeframe, limit: number, endDate?: Date): Promise<StoredBar[]> {
    return decodeBarCopy(await this.copyOut(recentQuery(ticker, timeframe, limit, endDate)));
  }

  /** Bars with from <= timestamp < to, oldest first. */
  async getBarsInRange(ticker: string, timeframe: Timeframe, from: Date, to: Date, limit?: number): Promise<StoredBar[]> {
    return decodeBarCopy(await this.copyOut(rangeQuery(ticker, timeframe, from, to, limit)));
  }

  /** getHistoricalBars as a stream of column batches (see streamCopy). */
  streamHistoricalBars(ticker: string, timeframe: Timeframe, limit: number, endDate?: Date): AsyncGenerator<BarColumns> {
    return this.streamCopy(recentQuery(ticker, timeframe, limit, endDate));
  }

  /** getBarsInRange as a stream of column batches (see streamCopy). */
  streamBarsInRange(ticker: string, timeframe: Timeframe, from: Date, to: Date, limit?: number): AsyncGenerator<BarColumns> {
    return this.streamCopy(rangeQuery(ticker, timeframe, from, to, limit));
  }

  async getLatest(ticker: string, timeframe: Timeframe): Promise<StoredBar | null> {
    const { rows } = await this.pool.query({
      text: `SELECT (extract(epoch from "timestamp") * 1000)::float8, open, high, low, close, volume, vwap, trade_count
             FROM market_data WHERE ticker = $1 AND timeframe = $2 ORDER BY "timestamp" DESC LIMIT 1`,
      values: [ticker, timeframe],
      rowMode: 'array',
    });
    const row = rows[0] as [number, number, number, number, number, number, number | null, number | null] | undefined;
    if (!row) return null;
    const [timestamp, open, high, low, close, volume, vwap, tradeCount] = row;
    return { timestamp, open, high, low, close, volume, vwap, tradeCount };
  }

  /** The plan's getDataGaps: per ticker/timeframe how many bars, earliest and latest. */
  async getCoverage(filter: { ticker?: string; timeframe?: Timeframe } = {}): Promise<Coverage[]> {
    const { rows } = await this.pool.query<Coverage>(
      `SELECT ticker, timeframe, count(*)::int AS count, min("timestamp") AS earliest, max("timestamp") AS latest
       FROM market_data
       WHERE ($1::text IS NULL OR ticker = $1) AND ($2::text IS NULL OR timeframe = $2)
       GROUP BY ticker, timeframe ORDER BY ticker, timeframe`,
      [filter.ticker ?? null, filter.timeframe ?? null],
    );
    return rows;
  }

  /** Daily OHLCV from `daily_market_summary` (continuous aggregate or materialized view). */
  async getDailySummary(ticker: string, from?: Date, to?: Date): Promise<DailySummaryRow[]> {
    const { rows } = await this.pool.query<DailySummaryRow>(
      `SELECT day, open, high, low, close, volume, bar_count::int AS "barCount"
       FROM daily_market_summary
       WHERE ticker = $1 AND ($2::timestamptz IS NULL OR day >= $2) AND ($3::timestamptz IS NULL OR day < $3)
       ORDER BY day`,
      [ticker, from ?? null, to ?? null],
    );
    return rows;
  }

  async listTickers(): Promise<string[]> {
    const { rows } = await this.pool.query<{ ticker: string }>(
      // Loose index scan: one index probe per ticker instead of reading every bar.
      `WITH RECURSIVE t AS (
         (SELECT ticker FROM market_data ORDER BY ticker LIMIT 1)
         UNION ALL
         SELECT (SELECT ticker FROM market_data WHERE ticker > t.ticker ORDER BY ticker LIMIT 1) FROM t WHERE t.ticker IS NOT NULL
       ) SELECT ticker FROM t WHERE ticker IS NOT NULL`,
    );
    return rows.map((r) => r.ticker);
  }

  /**
   * A bar query's rows as column batches, decoded while PostgreSQL is still sending: the shape for
   * very large reads (no object per bar, nothing held but the batch in hand).
   */
  private streamCopy(query: string): AsyncGenerator<BarColumns> {
    return decodeBarColumnStream(copyOutBinary(this.pool, query));
  }

  /** Runs a bar query as binary COPY and returns its raw output whole (decoded in binary-copy.ts). */
  private async copyOut(query: string): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const chunk of copyOutBinary(this.pool, query)) chunks.push(chunk);
    return Buffer.concat(chunks);
  }
}

function recentQuery(ticker: string, timeframe: Timeframe, limit: number, endDate?: Date): string {
  return `SELECT * FROM (
            SELECT ${COPY_COLUMNS} FROM market_data
            WHERE ticker = ${lit(ticker)} AND timeframe = ${lit(timeframe)} AND "timestamp" <= ${endDate ? lit(endDate.toISOString()) : "'infinity'"}
            ORDER BY "timestamp" DESC LIMIT ${Math.trunc(limit)}
          ) recent ORDER BY "timestamp"`;
}

function rangeQuery(ticker: string, timeframe: Timeframe, from: Date, to: Date, limit?: number): string {
  return `SELECT ${COPY_COLUMNS} FROM market_data
          WHERE ticker = ${lit(ticker)} AND timeframe = ${lit(timeframe)}
            AND "timestamp" >= ${lit(from.toISOString())} AND "timestamp" < ${lit(to.toISOString())}
          ORDER BY "timestamp"${limit === undefined ? '' : ` LIMIT ${Math.trunc(limit)}`}`;
}
