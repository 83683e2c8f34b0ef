// SQL for the `features` table. Writes go through one transaction per series that holds the
// series' advisory lock, deletes the rows from the first changed bar on and COPYs the new rows
// straight in, encoded from the Float64Array series (no row objects); reads aggregate the
// selected columns into one JSON text, like the bars reads.
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { withTransaction } from '../db/transaction';
import type { Timeframe } from '../market-data/schema';
import { BAG_KEYS, FEATURE_COLUMNS, type FeatureSeries } from './indicators';
import type { FeatureKey } from './schema';

/**
 * The whitelist between API names and SQL: only these expressions ever reach a query, so a
 * column selection cannot inject anything.
 */
const KEY_SQL: ReadonlyMap<string, string> = new Map([
  ...FEATURE_COLUMNS.map((name) => [name, name] as const),
  ...BAG_KEYS.map((key) => [key, `features -> '${key}'`] as const),
]);

/**
 * A feature's value as float8 from the `features` row under `alias`, for binary reads that decode
 * doubles (dataset exports): columns as they are, bag keys extracted and cast. Whitelisted names only.
 */
export function featureValueSql(key: FeatureKey, alias: string): string {
  if (!KEY_SQL.has(key)) throw new RangeError(`unknown feature column: ${key}`);
  return (FEATURE_COLUMNS as readonly string[]).includes(key) ? `${alias}.${key}` : `(${alias}.features ->> '${key}')::float8`;
}

/** Lock namespace for pg_advisory_xact_lock(int, int): "FEAT". The two-int key space never meets the one-bigint one. */
const FEATURE_LOCK_NAMESPACE = 0x46454154;
const ROWS_PER_COPY_CHUNK = 2000;

export interface FeatureExtent {
  /** Unix ms of the first and last stored feature row of the series. */
  earliest: number;
  latest: number;
}

export interface FeatureWindow {
  /** Inclusive lower bound; when set the earliest `limit` rows from it are returned. */
  from?: Date;
  /** Exclusive upper bound. */
  to?: Date;
  /** Inclusive upper bound; without `from` the latest `limit` rows up to it are returned. */
  endDate?: Date;
  limit: number;
}

/** Row `[ms, ...values]`, values in the order of the requested keys. */
export type FeatureTuple = [number, ...(number | null)[]];

const PG_EPOCH_MS = Date.UTC(2000, 0, 1);
const COPY_HEADER = Buffer.concat([Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'), Buffer.alloc(8)]); // signature, flags, no extension
const COPY_TRAILER = Buffer.from([0xff, 0xff]);
// jsonb stores object keys sorted by length, then bytes; sending them in that order lets its
// per-row sort find them presorted (measured ~20% of the parse).
const BAG_ORDER = [...BAG_KEYS].sort((a, b) => a.length - b.length || (a < b ? -1 : 1));
const BAG_LABELS = BAG_ORDER.map((key, k) => `${k === 0 ? '{' : ','}"${key}":`);
// Longest JSON a row's bag can take: every label, 25 characters per number (the longest JS prints,
// e.g. "-0.0000012345678901234567") and the closing brace.
const MAX_BAG_BYTES = BAG_LABELS.join('').length + 25 * BAG_KEYS.length + 1;

/**
 * Binary COPY rows [from, n) of the series: ticker, timeframe, timestamp, the 19 columns as float8
 * (NULL for NaN) and the bag as jsonb (version byte + JSON text with every key, null for NaN).
 * Binary spares formatting the column doubles as text; the bag must be text for jsonb, and JS
 * formats it while PostgreSQL parses the previous chunk. In chunks so memory stays flat.
 */
function* copyRows(ticker: string, timeframe: Timeframe, timestamps: Float64Array, series: FeatureSeries, from: number): Generator<Buffer> {
  const columns = FEATURE_COLUMNS.map((name) => series.columns[name]);
  const bag = BAG_ORDER.map((key) => series.bag[key]);
  const tickerBytes = Buffer.from(ticker);
  const timeframeBytes = Buffer.from(timeframe);
  const maxRowBytes = 2 + 8 + tickerBytes.length + timeframeBytes.length + 12 + 12 * columns.length + 5 + MAX_BAG_BYTES;
  yield COPY_HEADER;
  for (let start = from; start < timestamps.length; start += ROWS_PER_COPY_CHUNK) {
    const end = Math.min(timestamps.length, start + ROWS_PER_COPY_CHUNK);
    const buf = Buffer.allocUnsafe((end - start) * maxRowBytes);
    let o = 0;
    for (let t = start; t < end; t++) {
      o = buf.writeInt16BE(4 + columns.length, o);
      o = buf.writeInt32BE(tickerBytes.length, o);
      o += tickerBytes.copy(buf, o);
      o = buf.writeInt32BE(timeframeBytes.length, o);
      o += timeframeBytes.copy(buf, o);
      // timestamptz: int64 microseconds since 2000-01-01, written as two 32-bit halves.
      const micros = (timestamps[t]! - PG_EPOCH_MS) * 1000;
      const high = Math.floor(micros / 2 ** 32);
      o = buf.writeInt32BE(8, o);
      o = buf.writeInt32BE(high, o);
      o = buf.writeUInt32BE(micros - high * 2 ** 32, o);
      for (const c of columns) {
        const v = c[t]!;
        if (v - v === 0) {
          o = buf.writeInt32BE(8, o);
          o = buf.writeDoubleBE(v, o);
        } else {
          o = buf.writeInt32BE(-1, o); // NaN/Infinity = no value = NULL
        }
      }
      let json = '';
      for (let k = 0; k < bag.length; k++) {
        const v = bag[k]![t]!;
        json += BAG_LABELS[k]! + (v - v === 0 ? v : 'null');
      }
      const length = buf.write(`${json}}`, o + 5, 'latin1'); // ASCII only: keys, digits, "null"
      o = buf.writeInt32BE(length + 1, o);
      o = buf.writeUInt8(1, o); // jsonb binary format version
      o += length;
    }
    yield buf.subarray(0, o);
  }
  yield COPY_TRAILER;
}

/** One series inside its locked transaction: the only way to write features. */
export class LockedFeatureSeries {
  constructor(
    private readonly client: pg.PoolClient,
    readonly ticker: string,
    readonly timeframe: Timeframe,
  ) {}

  /** First and last computed timestamp, or null when the series has no feature rows. */
  async extent(): Promise<FeatureExtent | null> {
    // Two index probes on the primary key instead of a min/max scan of the series.
    const { rows } = await this.client.query<{ earliest: number | null; latest: number | null }>(
      `SELECT (SELECT (extract(epoch from "timestamp") * 1000)::float8 FROM features
                WHERE ticker = $1 AND timeframe = $2 ORDER BY "timestamp" LIMIT 1) AS earliest,
              (SELECT (extract(epoch from "timestamp") * 1000)::float8 FROM features
                WHERE ticker = $1 AND timeframe = $2 ORDER BY "timestamp" DESC LIMIT 1) AS latest`,
      [this.ticker, this.timeframe],
    );
    const { earliest, latest } = rows[0]!;
    return earliest === null || latest === null ? null : { earliest, latest };
  }

  /** Deletes the series' rows with timestamp >= `from` (every row when `from` is null). */
  async deleteFrom(from: Date | null): Promise<number> {
    const { rowCount } = await this.client.query(
      `DELETE FROM features WHERE ticker = $1 AND timeframe = $2 AND "timestamp" >= coalesce($3::timestamptz, '-infinity')`,
      [this.ticker, this.timeframe, from],
    );
    return rowCount ?? 0;
  }

  /**
   * COPYs rows `from`.. of `series` (one per entry of `timestamps`, Unix ms) straight into the
   * table; the caller has deleted that range first, so there is nothing to merge.
   */
  async insert(timestamps: Float64Array, series: FeatureSeries, from: number): Promise<void> {
    await pipeline(
      Readable.from(copyRows(this.ticker, this.timeframe, timestamps, series, from)),
      this.client.query(copyFrom(`COPY features (ticker, timeframe, "timestamp", ${FEATURE_COLUMNS.join(', ')}, features) FROM STDIN (FORMAT binary)`)),
    );
  }
}

export class FeatureRepository {
  constructor(private readonly pool: pg.Pool) {}

  /**
   * Runs `work` in one transaction holding the series' transaction-scoped advisory lock: two
   * instances computing the same series queue up instead of interleaving their deletes and
   * writes, and readers see either the old rows or the new ones, never a half-written tail.
   */
  async withLockedSeries<T>(ticker: string, timeframe: Timeframe, work: (series: LockedFeatureSeries) => Promise<T>): Promise<T> {
    return withTransaction(this.pool, async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [FEATURE_LOCK_NAMESPACE, `${ticker}|${timeframe}`]);
      return work(new LockedFeatureSeries(client, ticker, timeframe));
    });
  }

  /**
   * Stored rows of a series with the selected features (API names; anything outside the
   * whitelist throws). PostgreSQL encodes the rows as one JSON text: JSON.parse of one value is
   * several times faster than node-pg decoding every row.
   */
  async read(ticker: string, timeframe: Timeframe, keys: readonly FeatureKey[], window: FeatureWindow): Promise<FeatureTuple[]> {
    const selected = keys.map((key, i) => {
      const sql = KEY_SQL.get(key);
      if (!sql) throw new RangeError(`unknown feature column: ${key}`);
      return `${sql} AS c${i}`;
    });
    const direction = window.from ? 'ASC' : 'DESC';
    const { rows } = await this.pool.query<{ rows: string }>(
      `SELECT coalesce(json_agg(json_build_array(${['ms', ...keys.map((_, i) => `c${i}`)].join(', ')}) ORDER BY ms), '[]')::text AS rows
       FROM (
         SELECT (extract(epoch from "timestamp") * 1000)::float8 AS ms${selected.map((s) => `, ${s}`).join('')}
         FROM features
         WHERE ticker = $1 AND timeframe = $2
           AND "timestamp" >= coalesce($3::timestamptz, '-infinity')
           AND "timestamp" < coalesce($4::timestamptz, 'infinity')
           AND "timestamp" <= coalesce($5::timestamptz, 'infinity')
         ORDER BY "timestamp" ${direction} LIMIT $6
       ) f`,
      [ticker, timeframe, window.from ?? null, window.to ?? null, window.endDate ?? null, window.limit],
    );
    return JSON.parse(rows[0]!.rows) as FeatureTuple[];
  }
}
