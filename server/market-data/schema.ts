// The market-data concepts, one zod schema each, shared by tRPC, REST and the SPA.
import { z } from 'zod';
import { LimitSchema } from '../shared/pagination';
import { QueryDateSchema } from '../shared/time';
import { ROW_LIMITS } from '../shared/limits';

export const TIMEFRAMES = ['1m', '5m', '15m', '1h', '4h', '1d'] as const;
export const TimeframeSchema = z.enum(TIMEFRAMES);
export type Timeframe = z.infer<typeof TimeframeSchema>;

/** Bar length in minutes (1d is nominal: daily bars are keyed by session date). */
export const TIMEFRAME_MINUTES: Readonly<Record<Timeframe, number>> = {
  '1m': 1,
  '5m': 5,
  '15m': 15,
  '1h': 60,
  '4h': 240,
  '1d': 1440,
};

const TICKER_PATTERN = /^[A-Z][A-Z0-9.-]{0,14}$/;

/**
 * The highest price a bar may carry (about 1,400 times Berkshire Hathaway's A share). Without a
 * bound, a price near 1.8e308 times any position overflows to Infinity when the position is valued.
 */
const MAX_PRICE = 1e9;

/** The plan's default `source` of a bar: what a write that names none stores. */
export const DEFAULT_BAR_SOURCE = 'polygon';
const MAX_SOURCE_LENGTH = 64;
const validSource = (source: string | undefined) => source === undefined || (source.length > 0 && source.length <= MAX_SOURCE_LENGTH);

export interface BarViolation {
  field: string;
  message: string;
}

/**
 * Every rule a stored bar must satisfy, in one place: the zod schema (API edge) and the bulk
 * writer (hot path, typed input) both call it. The database's CHECK constraints repeat the
 * OHLC/volume rules as the last line of defence.
 */
const NO_VIOLATIONS: readonly BarViolation[] = Object.freeze([]);

export function barViolations(bar: Bar): readonly BarViolation[] {
  // The common case, checked without allocating (bulk writes call this 100,000 times per batch).
  if (
    bar.high >= bar.low && bar.open >= bar.low && bar.open <= bar.high && bar.close >= bar.low && bar.close <= bar.high &&
    bar.low > 0 && bar.high <= MAX_PRICE && bar.volume >= 0 && bar.volume < Infinity &&
    (bar.vwap == null || (bar.vwap > 0 && bar.vwap <= MAX_PRICE)) &&
    (bar.tradeCount == null || (Number.isInteger(bar.tradeCount) && bar.tradeCount >= 0)) && validSource(bar.source) &&
    bar.timestamp instanceof Date && !Number.isNaN(bar.timestamp.getTime()) &&
    (TIMEFRAMES as readonly string[]).includes(bar.timeframe) && TICKER_PATTERN.test(bar.ticker)
  ) {
    return NO_VIOLATIONS;
  }
  const out: BarViolation[] = [];
  if (!TICKER_PATTERN.test(bar.ticker)) out.push({ field: 'ticker', message: 'ticker must be 1-15 characters: A-Z, 0-9, "." or "-", starting with a letter' });
  if (!(TIMEFRAMES as readonly string[]).includes(bar.timeframe)) out.push({ field: 'timeframe', message: `timeframe must be one of ${TIMEFRAMES.join(', ')}` });
  if (!(bar.timestamp instanceof Date) || Number.isNaN(bar.timestamp.getTime())) out.push({ field: 'timestamp', message: 'invalid date' });
  for (const field of ['open', 'high', 'low', 'close'] as const) {
    if (!Number.isFinite(bar[field]) || bar[field] <= 0 || bar[field] > MAX_PRICE) out.push({ field, message: `${field} must be a positive number up to ${MAX_PRICE}` });
  }
  if (!Number.isFinite(bar.volume) || bar.volume < 0) out.push({ field: 'volume', message: 'volume must be a finite number >= 0' });
  if (bar.vwap != null && (!Number.isFinite(bar.vwap) || bar.vwap <= 0 || bar.vwap > MAX_PRICE)) out.push({ field: 'vwap', message: `vwap must be a positive number up to ${MAX_PRICE}` });
  if (bar.tradeCount != null && (!Number.isInteger(bar.tradeCount) || bar.tradeCount < 0)) out.push({ field: 'tradeCount', message: 'tradeCount must be an integer >= 0' });
  if (!validSource(bar.source)) out.push({ field: 'source', message: `source must be 1-${MAX_SOURCE_LENGTH} characters` });
  if (out.length > 0) return out;
  if (bar.high < bar.low) out.push({ field: 'high', message: 'high is below low' });
  for (const field of ['open', 'close'] as const) {
    if (bar[field] < bar.low || bar[field] > bar.high) out.push({ field, message: `${field} is outside [low, high]` });
  }
  return out;
}

/** Upper-cased; letters, digits, '.', '-' (BRK.B, BF-B), at most 15 characters. */
export const TickerSchema = z.string().trim().toUpperCase().regex(TICKER_PATTERN, 'ticker must be 1-15 characters: A-Z, 0-9, "." or "-", starting with a letter');

/** One OHLCV bar, stamped with its start (UTC). */
const BarSchema = z
  .object({
    ticker: TickerSchema,
    timeframe: TimeframeSchema,
    timestamp: z.coerce.date<Date | string | number>(),
    open: z.number(),
    high: z.number(),
    low: z.number(),
    close: z.number(),
    volume: z.number(),
    vwap: z.number().nullish(),
    tradeCount: z.number().int().nullish(),
    source: z.string().trim().optional().describe(`Where the bar comes from (polygon, alpaca, ...); default "${DEFAULT_BAR_SOURCE}"`),
  })
  .superRefine((bar, ctx) => {
    for (const v of barViolations(bar)) ctx.addIssue({ code: 'custom', path: [v.field], message: v.message });
  });
export interface Bar {
  ticker: string;
  timeframe: Timeframe;
  timestamp: Date;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  vwap?: number | null;
  tradeCount?: number | null;
  /** Default DEFAULT_BAR_SOURCE. */
  source?: string;
}

export const BarBatchSchema = z.array(BarSchema).min(1).max(100_000);

// ---- API shapes -------------------------------------------------------------------------------

export const BarsQuerySchema = z.object({
  ticker: TickerSchema,
  timeframe: TimeframeSchema.default('1d'),
  limit: LimitSchema(ROW_LIMITS.bars),
  endDate: QueryDateSchema.optional(),
});

export const BarRangeQuerySchema = z
  .object({
    ticker: TickerSchema,
    timeframe: TimeframeSchema,
    from: QueryDateSchema,
    to: QueryDateSchema,
    limit: LimitSchema(ROW_LIMITS.barRange),
  })
  .refine((q) => q.from < q.to, { path: ['to'], message: 'to must be after from' });

export const SeriesKeySchema = z.object({ ticker: TickerSchema, timeframe: TimeframeSchema.default('1d') });

/** A stored bar on the wire: timestamp as an ISO-8601 UTC string (bar start). */
const BarRowSchema = z.object({
  timestamp: z.string(),
  open: z.number(),
  high: z.number(),
  low: z.number(),
  close: z.number(),
  volume: z.number(),
  vwap: z.number().nullable(),
  tradeCount: z.number().nullable(),
});
export type BarRow = z.infer<typeof BarRowSchema>;

export const BarsResponseSchema = z.object({
  success: z.literal(true),
  ticker: z.string(),
  timeframe: TimeframeSchema,
  count: z.number(),
  data: z.array(BarRowSchema),
});

export const LatestBarResponseSchema = z.object({
  success: z.literal(true),
  ticker: z.string(),
  timeframe: TimeframeSchema,
  bar: BarRowSchema.nullable(),
});

export const BulkInsertInputSchema = z.object({ bars: BarBatchSchema });
export const BulkInsertResponseSchema = z.object({
  success: z.literal(true),
  received: z.number(),
  inserted: z.number(),
  updated: z.number(),
  unchanged: z.number(),
});

export const CoverageQuerySchema = z.object({ ticker: TickerSchema.optional(), timeframe: TimeframeSchema.optional() });
export const CoverageResponseSchema = z.object({
  success: z.literal(true),
  coverage: z.array(
    z.object({ ticker: z.string(), timeframe: TimeframeSchema, count: z.number(), earliest: z.string(), latest: z.string() }),
  ),
});

export const DailySummaryQuerySchema = z.object({
  ticker: TickerSchema,
  from: QueryDateSchema.optional(),
  to: QueryDateSchema.optional(),
});
export const DailySummaryResponseSchema = z.object({
  success: z.literal(true),
  ticker: z.string(),
  days: z.array(
    z.object({ day: z.string(), open: z.number(), high: z.number(), low: z.number(), close: z.number(), volume: z.number(), barCount: z.number() }),
  ),
});

export const TickersResponseSchema = z.object({ success: z.literal(true), tickers: z.array(z.string()) });
