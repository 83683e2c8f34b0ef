// The API's request limits that clients plan around, in one module without dependencies: the zod
// schemas build their rules from it, and the SPA imports it (the browser gets no zod), so the two
// cannot disagree on how much one request may ask for. A client that sends the constant itself
// cannot ask for too much; one that picks a smaller literal wraps it in `withinLimit`, which turns
// a literal above the limit into a compile error.

export interface RowLimit {
  /** The most rows one request may ask for (`limit`); more is a 400. */
  max: number;
  /** Rows served when `limit` is absent. */
  default: number;
}

/** `limit` of each listing, per request. */
export const ROW_LIMITS = {
  /** marketData.bars: the newest bars up to `endDate`. */
  bars: { max: 50_000, default: 100 },
  /** marketData.range: every bar in [from, to). */
  barRange: { max: 500_000, default: 500_000 },
  /** features.list, either from `from` on or the newest up to `endDate`. */
  features: { max: 50_000, default: 1000 },
  /** Keyset-paginated listings (`cursor`): predictions.list, trading.history. */
  keysetPage: { max: 1000, default: 100 },
  /** predictions.latest */
  latestPredictions: { max: 100, default: 10 },
  /** ingestion.runs */
  ingestionRuns: { max: 200, default: 20 },
  /** ingestion.logs */
  ingestionLogs: { max: 1000, default: 100 },
  /** jobs.list */
  jobs: { max: 200, default: 50 },
  /** webhooks.deliveries: the newest deliveries of one subscription. */
  webhookDeliveries: { max: 200, default: 50 },
} as const satisfies Record<string, RowLimit>;

/**
 * Training datasets (datasets.preview, datasets.create, GET /api/datasets/export): tickers and
 * features per definition, the longest label horizon in bars, and rows a preview shows.
 */
export const DATASET_LIMITS = { tickers: 50, horizon: 1000, previewRows: { max: 200, default: 20 } } as const;

/** Longest span (calendar days, `to - from`) of one gap report (ingestion.validate). */
export const GAP_REPORT_MAX_DAYS = { intraday: 400, daily: 12_000 } as const;

/** Ingestion runs (ingestion.startBackfill, ingestion.triggerRefresh): tickers per run; years a backfill reaches back. */
export const INGESTION_LIMITS = { tickers: 50, years: 30 } as const;

/** Characters in an API key's name. */
export const KEY_NAME_MAX_LENGTH = 64;

// `N <= Max` for non-negative integer literals, decided on their decimal digits: fewer digits is
// smaller, and the same number of digits compare digit by digit from the left.
type DigitCount<S extends string, Counted extends 0[] = []> = S extends `${string}${infer Rest}` ? DigitCount<Rest, [...Counted, 0]> : Counted['length'];
type DigitBefore<A extends string, B extends string> = '0123456789' extends `${string}${A}${string}${B}${string}` ? true : false;
type DigitsNotAbove<A extends string, B extends string> = A extends `${infer a}${infer restA}`
  ? B extends `${infer b}${infer restB}`
    ? a extends b
      ? DigitsNotAbove<restA, restB>
      : DigitBefore<a, b>
    : false
  : true;
/** true when the literal `N` is at most `Max`; false for anything the compiler cannot decide (`number`, fractions, negatives). */
export type IsNotAbove<N extends number, Max extends number> = number extends N | Max
  ? false
  : `${N | Max}` extends `${string}${'.' | '-' | 'e'}${string}`
    ? false
    : DigitCount<`${N}`> extends DigitCount<`${Max}`>
      ? DigitsNotAbove<`${N}`, `${Max}`>
      : DigitBefore<`${DigitCount<`${N}`>}`, `${DigitCount<`${Max}`>}`>;

/**
 * A request size the client chose, checked against the server's limit: `withinLimit(500,
 * ROW_LIMITS.keysetPage.max)` is 500, and `withinLimit(5000, ROW_LIMITS.keysetPage.max)` does not
 * compile ("not assignable to parameter of type 'never'"). Only literals pass. It also throws
 * at run time, for callers that got around the types.
 */
export function withinLimit<const N extends number, const Max extends number>(n: IsNotAbove<N, Max> extends true ? N : never, max: Max): N {
  if (!(n <= max)) throw new RangeError(`${n} is above the server's limit of ${max}`);
  return n;
}

/** Nesting levels a JSON request body may have (the body itself is level 1); deeper is a 400. */
export const MAX_JSON_DEPTH = 64;
