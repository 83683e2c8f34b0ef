// Polygon.io aggregates through @polygon.io/client-js: one call per window, pages followed by hand
// through next_url, every request paced and retried. Rows that cannot belong to the window are
// returned as `rejected` with a reason so the caller logs them; none vanish.
import {
  GetStocksAggregatesSortEnum,
  GetStocksAggregatesTimespanEnum,
  restClient,
  type DefaultApi,
  type GetStocksAggregates200Response,
} from '@polygon.io/client-js';
import { TIMEFRAME_MINUTES, type Bar, type Timeframe } from '../market-data/schema';
import { formatNy, isAlignedBarStart } from './calendar';
import { parseRetryAfter, retryDelayMs, sleep, type BackoffOptions, type Pacer } from './pacing';
import type { IngestionWindow } from './windows';

/** Project timeframe -> Polygon multiplier/timespan. */
function polygonSpanOf(timeframe: Timeframe): { multiplier: number; timespan: GetStocksAggregatesTimespanEnum } {
  switch (timeframe) {
    case '1m':
    case '5m':
    case '15m':
      return { multiplier: TIMEFRAME_MINUTES[timeframe], timespan: GetStocksAggregatesTimespanEnum.Minute };
    case '1h':
    case '4h':
      return { multiplier: TIMEFRAME_MINUTES[timeframe] / 60, timespan: GetStocksAggregatesTimespanEnum.Hour };
    case '1d':
      return { multiplier: 1, timespan: GetStocksAggregatesTimespanEnum.Day };
  }
}

export interface RejectedRow {
  /** Unix ms of the row, when it had one. */
  t: number | null;
  reason: string;
}

export interface FetchedWindow {
  bars: Bar[];
  rejected: RejectedRow[];
  requests: number;
  retries: number;
}

export interface RetryEvent {
  /** 1-based retry number of the request being retried. */
  retry: number;
  delayMs: number;
  reason: string;
}

export interface FetchHooks {
  signal?: AbortSignal;
  onRetry?: (event: RetryEvent) => void;
}

/** The `source` of bars and ingestion logs written from Polygon.io. */
export const POLYGON_SOURCE = 'polygon';

/** Where bars come from; the runner only knows this interface (tests may plug in another source). */
export interface BarSource {
  fetchWindow(window: IngestionWindow, hooks?: FetchHooks): Promise<FetchedWindow>;
}

/** A request that failed for good: retries exhausted, or an error that retrying cannot fix. */
export class PolygonRequestError extends Error {
  constructor(
    message: string,
    /** Retries spent on the window before giving up. */
    readonly retries: number,
    /** Requests sent for the window, retries included. */
    readonly requests: number,
    /** The key or plan is refused (401/403): every other request would fail the same way. */
    readonly fatal: boolean,
  ) {
    super(message);
    this.name = 'PolygonRequestError';
  }
}

export interface PolygonClientOptions {
  apiKey: string;
  baseUrl: string;
  pacer: Pacer;
  /** Retries per request after the first attempt. */
  maxRetries: number;
  backoff?: BackoffOptions;
  /** Per-request timeout. Default 30 s. */
  timeoutMs?: number;
  /** Base aggregates per page. Default 50,000 (Polygon's maximum). */
  limit?: number;
}

interface Failure {
  message: string;
  retryable: boolean;
  fatal: boolean;
  retryAfterMs?: number;
}

/** Network conditions worth another try (axios error codes). */
const RETRYABLE_CODES = new Set([
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'ECONNREFUSED',
  'EPIPE',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ERR_NETWORK',
  'ERR_BAD_RESPONSE',
]);

const MAX_REQUESTS_PER_WINDOW = 1000;
/** A full page of 50,000 rows is about 6 MB; a body far beyond that is refused before it is parsed. */
const MAX_PAGE_BYTES = 64 * 1024 * 1024;

class MalformedResponseError extends Error {}

interface AxiosLikeError {
  code?: string;
  message?: string;
  response?: { status?: number; headers?: Record<string, unknown>; data?: unknown };
}

function bodyDetail(data: unknown): string {
  if (data && typeof data === 'object') {
    const body = data as { error?: unknown; message?: unknown };
    return String(body.error ?? body.message ?? '').slice(0, 200);
  }
  if (typeof data === 'string') return (/<title>([^<]*)<\/title>/i.exec(data)?.[1] ?? data).trim().slice(0, 200);
  return '';
}

function classify(error: unknown): Failure {
  if (error instanceof MalformedResponseError) return { message: error.message, retryable: true, fatal: false };
  const e = error as AxiosLikeError;
  const status = e.response?.status;
  // A 2xx whose body broke off is a transport failure, classified by its code below.
  if (status !== undefined && status >= 400) {
    const detail = bodyDetail(e.response?.data);
    const message = `HTTP ${status}${detail ? `: ${detail}` : ''}`;
    if (status === 429 || status === 408 || status >= 500) {
      return { message, retryable: true, fatal: false, retryAfterMs: parseRetryAfter(e.response?.headers?.['retry-after']) };
    }
    return { message, retryable: false, fatal: status === 401 || status === 403 };
  }
  const code = e.code ?? 'ERROR';
  return { message: `${code}: ${e.message ?? String(error)}`, retryable: RETRYABLE_CODES.has(code), fatal: false };
}

/** Result fields that must be numbers when present (`t` is checked per row: a row without one is rejected). */
const REQUIRED_NUMBERS = ['o', 'h', 'l', 'c', 'v'] as const;
const OPTIONAL_NUMBERS = ['vw', 'n'] as const;

function typeName(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}

/** Why a result row breaks the documented types, or null; a value of the wrong type makes the whole page suspect. */
function wrongType(row: unknown, i: number): string | null {
  if (!row || typeof row !== 'object') return `results[${i}] is ${typeName(row)}, not an object`;
  const r = row as Record<string, unknown>;
  for (const field of REQUIRED_NUMBERS) {
    if (typeof r[field] !== 'number') return `results[${i}].${field} is ${typeName(r[field])}, not a number`;
  }
  for (const field of OPTIONAL_NUMBERS) {
    if (r[field] != null && typeof r[field] !== 'number') return `results[${i}].${field} is ${typeName(r[field])}, not a number`;
  }
  return null;
}

/** A page as documented, or a MalformedResponseError (retried like a transport failure) saying what is wrong. */
function asPage(body: unknown, limit: number): GetStocksAggregates200Response {
  // axios hands back the raw text when a 200 body is not JSON (garbage, or cut short by a proxy).
  if (typeof body === 'string') {
    throw new MalformedResponseError(`malformed response: the body is not JSON (${body.length} characters, starting ${JSON.stringify(body.slice(0, 30))})`);
  }
  const page = body as Partial<GetStocksAggregates200Response> | null;
  if (!page || typeof page !== 'object') throw new MalformedResponseError('malformed response: body is not a JSON object');
  if (page.status !== 'OK' && page.status !== 'DELAYED') throw new MalformedResponseError(`unexpected response status "${String(page.status)}"`);
  if (page.results === undefined) return page as GetStocksAggregates200Response;
  if (!Array.isArray(page.results)) throw new MalformedResponseError('malformed response: results is not an array');
  // Polygon's limit counts base aggregates, so a page never holds more result rows than it.
  if (page.results.length > limit) {
    throw new MalformedResponseError(`malformed response: a page of ${page.results.length} rows, more than the ${limit} asked for`);
  }
  for (const [i, row] of page.results.entries()) {
    const problem = wrongType(row, i);
    if (problem) throw new MalformedResponseError(`malformed response: ${problem}`);
  }
  return page as GetStocksAggregates200Response;
}

/** True when `t` starts a `timeframe` bar. Spans dividing an hour align on Unix time (whole-hour NY offsets). */
function aligned(t: number, timeframe: Timeframe): boolean {
  const span = TIMEFRAME_MINUTES[timeframe];
  return 60 % span === 0 ? t % (span * 60_000) === 0 : isAlignedBarStart(t, timeframe);
}

/**
 * Turns result rows into bars, rejecting (with a reason) rows that cannot belong to the window: no
 * timestamp, outside it, or off the bar grid. The stored-bar rules (OHLC, volume, duplicates) are
 * checked where bars are written (runner.ts), once.
 */
class BarCollector {
  readonly bars: Bar[] = [];
  readonly rejected: RejectedRow[] = [];
  private readonly startMs: number;
  private readonly endMs: number;

  constructor(private readonly window: IngestionWindow) {
    this.startMs = window.start.getTime();
    this.endMs = window.end.getTime();
  }

  add(rows: GetStocksAggregates200Response['results']): void {
    const { ticker, timeframe } = this.window;
    for (const r of rows ?? []) {
      const t = typeof r?.t === 'number' && Number.isFinite(r.t) ? r.t : null;
      const reason =
        t === null
          ? 'row without a valid timestamp'
          : t < this.startMs || t >= this.endMs
            ? 'outside the requested window'
            : !aligned(t, timeframe)
              ? `not a ${timeframe} bar start`
              : null;
      if (reason) this.rejected.push({ t, reason });
      else this.bars.push({ ticker, timeframe, timestamp: new Date(t!), open: r.o, high: r.h, low: r.l, close: r.c, volume: r.v, vwap: r.vw ?? null, tradeCount: r.n ?? null, source: POLYGON_SOURCE });
    }
  }
}

/** "3 row(s) rejected: 2025-07-02 16:56 low: ...; ..." - the reason logged on a PARTIAL window. */
export function describeRejected(rejected: readonly RejectedRow[], shown = 3): string {
  const list = [...rejected]
    .sort((a, b) => (a.t ?? -Infinity) - (b.t ?? -Infinity))
    .slice(0, shown)
    .map((r) => `${r.t === null ? '?' : formatNy(r.t)} ${r.reason}`)
    .join('; ');
  return `${rejected.length} row(s) rejected: ${list}${rejected.length > shown ? '; ...' : ''}`;
}

/** The API key rides in the query string: never let it reach a log or an error message. */
export function redactApiKey(text: string, apiKey?: string): string {
  const out = text.replace(/([?&]apiKey=)[^&\s"']+/gi, '$1***');
  return apiKey ? out.split(apiKey).join('***') : out;
}

interface HttpGet {
  get(url: string, config?: { timeout?: number; signal?: AbortSignal; maxContentLength?: number }): Promise<unknown>;
}

export class PolygonClient implements BarSource {
  private readonly api: DefaultApi;
  private readonly http: HttpGet;
  private readonly base: URL;

  constructor(private readonly options: PolygonClientOptions) {
    this.api = restClient(options.apiKey, options.baseUrl.replace(/\/+$/, ''));
    // The client's own axios instance (its response interceptor unwraps `data`), as its built-in
    // pagination uses it; paging by hand keeps pages in order and each one paced and retried.
    this.http = (this.api as unknown as { axios: HttpGet }).axios;
    this.base = new URL(options.baseUrl);
  }

  async fetchWindow(window: IngestionWindow, hooks: FetchHooks = {}): Promise<FetchedWindow> {
    const { multiplier, timespan } = polygonSpanOf(window.timeframe);
    // Daily bars by session date; intraday by Unix ms, which leaves no time-zone doubt.
    const [from, to] =
      window.timeframe === '1d' ? [window.firstDate, window.lastDate] : [String(window.start.getTime()), String(window.end.getTime() - 1)];
    const config = { timeout: this.options.timeoutMs ?? 30_000, signal: hooks.signal, maxContentLength: MAX_PAGE_BYTES };
    const limit = this.options.limit ?? 50_000;
    const state = { requests: 0, retries: 0 };
    const collector = new BarCollector(window);
    let page = await this.request(
      () =>
        this.api.getStocksAggregates(
          window.ticker,
          multiplier,
          timespan,
          from,
          to,
          true,
          GetStocksAggregatesSortEnum.Asc,
          limit,
          config,
        ),
      state,
      hooks,
      limit,
    );
    collector.add(page.results);
    while (page.next_url) {
      // A window holds at most ~44k base bars; endless next_urls mean a server bug, not data.
      if (state.requests >= MAX_REQUESTS_PER_WINDOW) throw new PolygonRequestError(`next_url paging did not end after ${state.requests} requests`, state.retries, state.requests, false);
      const next = this.nextPageUrl(page.next_url);
      page = await this.request(() => this.http.get(next, config), state, hooks, limit);
      collector.add(page.results);
    }
    return { bars: collector.bars, rejected: collector.rejected, ...state };
  }

  /** next_url on the configured host (the key must only ever go there), with the key appended. */
  private nextPageUrl(nextUrl: string): string {
    const url = new URL(nextUrl, this.base);
    url.protocol = this.base.protocol;
    url.host = this.base.host;
    url.searchParams.set('apiKey', this.options.apiKey);
    return url.toString();
  }

  private async request(
    send: () => Promise<unknown>,
    state: { requests: number; retries: number },
    hooks: FetchHooks,
    limit: number,
  ): Promise<GetStocksAggregates200Response> {
    for (let retry = 0; ; retry++) {
      await this.options.pacer.take(hooks.signal);
      state.requests++;
      try {
        return asPage(await send(), limit);
      } catch (error) {
        hooks.signal?.throwIfAborted();
        const failure = classify(error);
        const message = redactApiKey(failure.message, this.options.apiKey);
        if (!failure.retryable || retry >= this.options.maxRetries) {
          const why = failure.retryable ? `gave up after ${retry + 1} attempts` : 'not retryable';
          throw new PolygonRequestError(`${message} (${why})`, state.retries, state.requests, failure.fatal);
        }
        const delayMs = retryDelayMs(retry, failure.retryAfterMs, this.options.backoff);
        if (failure.retryAfterMs !== undefined) this.options.pacer.pause(failure.retryAfterMs);
        state.retries++;
        hooks.onRetry?.({ retry: retry + 1, delayMs, reason: message });
        await sleep(delayMs, hooks.signal);
      }
    }
  }
}
