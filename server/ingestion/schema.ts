// Ingestion concepts on the wire (tRPC for the SPA, REST for bots), one zod schema each.
import { z } from 'zod';
import { TickerSchema, TimeframeSchema, TIMEFRAMES } from '../market-data/schema';
import { LimitSchema } from '../shared/pagination';
import { INGESTION_LIMITS, GAP_REPORT_MAX_DAYS, ROW_LIMITS } from '../shared/limits';

const STATUSES = ['RUNNING', 'SUCCESS', 'PARTIAL', 'FAILED'] as const;
const IngestionStatusSchema = z.enum(STATUSES);
const RunKindSchema = z.enum(['backfill', 'refresh']);

/** A New York session date. */
const SessionDateSchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD')
  .refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d), 'not a calendar date');

/** "SPY,QQQ" (REST query) or ["SPY","QQQ"]. */
const listOf = <T extends z.ZodType>(item: T, max: number) =>
  z.preprocess((v) => (typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter(Boolean) : v), z.array(item).min(1).max(max));

export const BackfillInputSchema = z
  .object({
    tickers: listOf(TickerSchema, INGESTION_LIMITS.tickers),
    timeframes: listOf(TimeframeSchema, TIMEFRAMES.length).default([...TIMEFRAMES]),
    /** Default: `years` before `to`. */
    from: SessionDateSchema.optional(),
    /** Default: today (New York); later dates are cut to today. */
    to: SessionDateSchema.optional(),
    years: z.coerce.number<number>().positive().max(INGESTION_LIMITS.years).default(2),
    /** Refetch windows an earlier run already completed. */
    force: z.boolean().default(false),
  })
  .refine((b) => !b.from || !b.to || b.from <= b.to, { path: ['to'], message: 'to must not be before from' });

export const RefreshInputSchema = z.object({
  tickers: listOf(TickerSchema, INGESTION_LIMITS.tickers).optional(),
  timeframes: listOf(TimeframeSchema, TIMEFRAMES.length).optional(),
});

export const ValidateInputSchema = z
  .object({
    ticker: TickerSchema,
    timeframe: TimeframeSchema,
    from: SessionDateSchema,
    to: SessionDateSchema,
    /** Missing runs longer than this (minutes) are outages. Default 15. */
    outageMinutes: z.coerce.number<number>().int().min(1).max(1440).optional(),
    /** false: extended-hours bars count as outside the session. */
    extended: z.preprocess((v) => (v === 'false' ? false : v === 'true' ? true : v), z.boolean()).optional(),
  })
  .refine((v) => v.from <= v.to, { path: ['to'], message: 'to must not be before from' })
  .refine((v) => Date.parse(v.to) - Date.parse(v.from) <= GAP_REPORT_MAX_DAYS[v.timeframe === '1d' ? 'daily' : 'intraday'] * 86_400_000, {
    path: ['to'],
    message: 'range too long (at most ~13 months of intraday bars per report)',
  });
export type ValidateInput = z.output<typeof ValidateInputSchema>;

export const RunListInputSchema = z.object({
  kind: RunKindSchema.optional(),
  status: IngestionStatusSchema.optional(),
  limit: LimitSchema(ROW_LIMITS.ingestionRuns),
  cursor: z.string().uuid().optional(),
});

export const LogListInputSchema = z.object({
  runId: z.string().uuid().optional(),
  ticker: TickerSchema.optional(),
  timeframe: TimeframeSchema.optional(),
  status: IngestionStatusSchema.optional(),
  /** Windows ending after this instant. */
  from: z.coerce.date<Date | string | number>().optional(),
  /** Windows starting before this instant. */
  to: z.coerce.date<Date | string | number>().optional(),
  limit: LimitSchema(ROW_LIMITS.ingestionLogs),
  cursor: z.string().uuid().optional(),
});

const RunSchema = z.object({
  id: z.string(),
  kind: RunKindSchema,
  tickers: z.array(z.string()),
  timeframes: z.array(TimeframeSchema),
  fromDate: z.date(),
  toDate: z.date(),
  status: IngestionStatusSchema,
  windowsTotal: z.number(),
  windowsDone: z.number(),
  windowsFailed: z.number(),
  bars: z.number(),
  retries: z.number(),
  error: z.string().nullable(),
  startedAt: z.date(),
  heartbeatAt: z.date(),
  finishedAt: z.date().nullable(),
  progress: z.object({
    /** Windows finished (any outcome), of windowsTotal. */
    windowsFinished: z.number(),
    percent: z.number(),
    elapsedSeconds: z.number(),
    barsPerSecond: z.number(),
    /** Null when finished or not estimable yet. */
    etaSeconds: z.number().nullable(),
    /** RUNNING but without heartbeat: the process probably died (the next run closes it). */
    stale: z.boolean(),
  }),
});
export type RunView = z.infer<typeof RunSchema>;

const LogSchema = z.object({
  id: z.string(),
  runId: z.string().nullable(),
  source: z.string(),
  ticker: z.string(),
  timeframe: TimeframeSchema,
  fromDate: z.date(),
  toDate: z.date(),
  status: IngestionStatusSchema,
  rowsIngested: z.number(),
  attempts: z.number(),
  errorMessage: z.string().nullable(),
  createdAt: z.date(),
  completedAt: z.date().nullable(),
});
export type LogView = z.infer<typeof LogSchema>;

export const RunPageSchema = z.object({ success: z.literal(true), runs: z.array(RunSchema), nextCursor: z.string().nullable() });
export const RunResponseSchema = z.object({ success: z.literal(true), run: RunSchema });
export const LogPageSchema = z.object({ success: z.literal(true), logs: z.array(LogSchema), nextCursor: z.string().nullable() });
export const StartedRunSchema = z.object({ success: z.literal(true), runId: z.string() });

const IssueSchema = z.object({ timestamp: z.string(), local: z.string(), reason: z.string() });

/** gaps.ts GapReport. */
const GapReportSchema = z.object({
  ticker: z.string().nullable(),
  timeframe: TimeframeSchema,
  from: z.string(),
  to: z.string(),
  extendedAllowed: z.boolean(),
  outageMinutes: z.number(),
  sessions: z.array(
    z.object({
      date: z.string(),
      expected: z.number(),
      present: z.number(),
      missing: z.number(),
      earlyClose: z.boolean(),
      extendedBars: z.number(),
      outages: z.number(),
    }),
  ),
  missingSessions: z.array(z.string()),
  outages: z.array(
    z.object({
      date: z.string(),
      segment: z.enum(['regular', 'extended']),
      start: z.string(),
      end: z.string(),
      startLocal: z.string(),
      endLocal: z.string(),
      minutes: z.number(),
      bars: z.number(),
    }),
  ),
  singleMissing: z.number(),
  shortGapRuns: z.number(),
  outsideSession: z.array(IssueSchema),
  misaligned: z.array(IssueSchema),
  duplicates: z.array(z.object({ timestamp: z.string(), local: z.string(), count: z.number() })),
  anomalies: z.array(
    z.object({
      timestamp: z.string(),
      local: z.string(),
      kind: z.enum(['non_finite', 'ohlc_invariant', 'wick', 'extended_outlier']),
      detail: z.string(),
    }),
  ),
  totals: z.record(z.string(), z.number()),
  ok: z.boolean(),
});
export const GapReportResponseSchema = z.object({ success: z.literal(true), report: GapReportSchema });

// ---- the Polygon stream (stream.ts) ---------------------------------------------------------------

/** STREAM_TICKERS: "SPY,QQQ". */
export const StreamTickersSchema = listOf(TickerSchema, INGESTION_LIMITS.tickers);

/** A per-minute aggregate event of Polygon's stocks socket; only the fields a bar needs are required. */
export const PolygonMinuteEventSchema = z.object({
  ev: z.literal('AM'),
  sym: TickerSchema,
  s: z.number().int().nonnegative(),
  e: z.number().int().nonnegative().optional(),
  o: z.number(),
  h: z.number(),
  l: z.number(),
  c: z.number(),
  v: z.number().nonnegative(),
  vw: z.number().optional(),
});

const STREAM_STATES = ['off', 'standby', 'connecting', 'authenticating', 'subscribing', 'streaming', 'reconnecting'] as const;
export type StreamState = (typeof STREAM_STATES)[number];

export const StreamHealthSchema = z
  .object({
    enabled: z.boolean().describe('STREAM_TICKERS is set and this instance competes for the stream'),
    role: z.enum(['off', 'standby', 'holder']).describe('holder: this instance holds the stream; standby: another one does'),
    state: z.enum(STREAM_STATES),
    url: z.string(),
    tickers: z.array(z.string()),
    lastMessageAt: z.string().nullable().describe('Wall-clock time of the last frame received'),
    lastBarEnd: z.string().nullable().describe("End (Polygon's timestamp) of the newest bar received"),
    lagSeconds: z.number().nullable().describe('Now minus lastBarEnd'),
    barsStored: z.number(),
    eventsSkipped: z.number().describe('Malformed frames and events, and bars the upsert refused'),
    reconnects: z.number(),
    repairsQueued: z.number().describe('Holes queued for a REST backfill job'),
    lastError: z.string().nullable(),
  })
  .describe('Polygon WebSocket ingestion as this instance sees it (STREAM_TICKERS)');
export type StreamHealth = z.infer<typeof StreamHealthSchema>;
