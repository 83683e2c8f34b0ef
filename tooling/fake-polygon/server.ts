// Local fake of Polygon.io's v2 aggregates endpoint, for tests and offline demos. The same server
// also serves the stocks WebSocket at ws://…/stocks, replaying these minute bars (stream.ts).
//
//   GET /v2/aggs/ticker/:ticker/range/:multiplier/:timespan/:from/:to
//       ?adjusted=true|false&sort=asc|desc&limit=1..50000&apiKey=KEY   (or Authorization: Bearer KEY)
//
// Behaviour copied from Polygon (docs + tooling/reference/data/polygon/*.json):
// - Body keys in Polygon's order: ticker, queryCount, resultsCount, adjusted, results[{v,vw,o,c,h,l,t,n}],
//   status ('OK', or 'DELAYED' if configured), request_id, count, next_url. `results` is omitted when
//   empty. `t` = Unix ms of the bar START; `vw` rounded to 4 decimals.
// - from/to: 'YYYY-MM-DD' (a whole New York date; `to` inclusive) or Unix ms. Both are snapped to the
//   bucket grid: `from` down to its bucket start, `to` up to its bucket end.
// - Buckets (shared with calendar.ts, see the alignment note there): minute/hour on the New York wall
//   clock from local midnight; day = New York date stamped at midnight ET; week = from Sunday 00:00
//   ET; month/quarter/year = first day 00:00 ET. N-day/N-week/... groups count from the Unix epoch.
// - Base aggregates: minute bars for minute/hour; daily bars for day and longer. Daily bars are the
//   `dailyBars` given for a ticker, or else derived from its minute bars: open/high/low/close from the
//   regular session (09:30-close; consolidated daily OHLC ignores extended-hours prints), volume,
//   vwap and trade count from all minutes of the date. A base bar without `vwap` counts with its
//   typical price (h+l+c)/3; without `tradeCount` it counts as 1 transaction (like the docs sample).
// - `limit` (default 5000, max 50000) counts BASE aggregates. When the range holds more, the page is
//   cut after `limit` base bars, a trailing (asc) / leading (desc) partial bucket is dropped, and
//   `next_url` (absolute, on this server, with a `cursor` query parameter and no apiKey - clients
//   append it, as @polygon.io/client-js does) continues exactly there. A single bucket bigger than
//   `limit` is returned whole so paging always progresses.
// - Missing/unknown key -> 401 {status:'ERROR', request_id, error}. Unknown tickers -> 200 with
//   resultsCount 0. Bad parameters -> 400 {status:'ERROR', request_id, error}.
//
// Fault injection: `faults.byRequest[n]` applies to the n-th request (1-based, counted from when the
// plan was set), `faults.random` draws from a seeded RNG. Actions: HTTP status (429 with Retry-After,
// 5xx - 502/503/504 with an HTML gateway body as a load balancer sends), slow normal response, socket
// destroyed without a response (connection reset), or a truncated body. Every action may be delayed.
// Broken 200s, as a faulty upstream or proxy sends them: `garbage` (bytes that are not JSON),
// `truncated-json` (a complete response whose JSON stops halfway), `wrong-types` (the page with
// each result's prices as strings and its volume null) and `huge-page` (the page's rows repeated
// to `rows` results, far more than the `limit` asked for).
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { seededRandom } from '../../server/demo/market-simulator';
import type { Bar } from '../../server/market-data/schema';
import { bucketStartMs, getSession, nyMidnightUtcMs, sessionDateOf, addDays } from '../../server/ingestion/calendar';
import type { PolygonAgg } from './polygon-agg';
import { attachStocksSocket, type FakeStocksSocket, type ReplayOptions } from './stream';

export type { PolygonAgg };

/** Input bar: the project's Bar without its series key (extra fields ignored). */
export type FakeBarInput = Omit<Bar, 'ticker' | 'timeframe'>;

type FaultAction =
  | { type: 'status'; status: number; retryAfterSeconds?: number; body?: unknown; delayMs?: number }
  | { type: 'delay'; delayMs: number }
  | { type: 'reset'; delayMs?: number }
  | { type: 'truncate'; delayMs?: number }
  | { type: 'garbage'; delayMs?: number }
  | { type: 'truncated-json'; delayMs?: number }
  | { type: 'wrong-types'; delayMs?: number }
  | { type: 'huge-page'; rows?: number; delayMs?: number };

interface FaultPlan {
  /** 1-based request number (since the plan was set) -> action. */
  byRequest?: Record<number, FaultAction>;
  /** Each request not covered by byRequest faults with `probability`, picking one of `actions`. */
  random?: { seed: number; probability: number; actions: FaultAction[] };
}

interface RequestLog {
  /** 1-based number of the request since the server started. */
  n: number;
  method: string;
  /** Path + query with the apiKey value redacted. */
  url: string;
  ticker?: string;
  /** HTTP status sent, or 'reset' / 'truncated'. */
  status: number | 'reset' | 'truncated';
  fault?: FaultAction['type'];
  resultsCount?: number;
  queryCount?: number;
  startedAt: number;
  durationMs: number;
}

export interface FakePolygonOptions {
  minuteBars: Record<string, readonly FakeBarInput[]>;
  dailyBars?: Record<string, readonly FakeBarInput[]>;
  /** 0 (default) = any free port. */
  port?: number;
  host?: string;
  faults?: FaultPlan;
  /** When set, only this key is accepted; otherwise any non-empty key is. */
  apiKey?: string;
  /** Value of `status` in successful responses. Default 'OK' (free plans see 'DELAYED'). */
  status?: 'OK' | 'DELAYED';
  /** Default 5000, like Polygon. */
  defaultLimit?: number;
  /** Default 50000, like Polygon. */
  maxLimit?: number;
  /** The stocks socket (ws://…/stocks) starts this replay at the first subscription; default: only on replay(). */
  autoReplay?: ReplayOptions;
}

export interface FakePolygon {
  url: string;
  port: number;
  /** Every request, in arrival order (live array). */
  requests: RequestLog[];
  setFaults(plan?: FaultPlan): void;
  setMinuteBars(ticker: string, bars: readonly FakeBarInput[]): void;
  setDailyBars(ticker: string, bars: readonly FakeBarInput[] | undefined): void;
  /** The WebSocket side (stream.ts): replay of the minute bars and its fault controls. */
  stream: FakeStocksSocket;
  close(): Promise<void>;
}


type Timespan = 'minute' | 'hour' | 'day' | 'week' | 'month' | 'quarter' | 'year';
const TIMESPANS: readonly Timespan[] = ['minute', 'hour', 'day', 'week', 'month', 'quarter', 'year'];

interface BaseBar {
  t: number;
  o: number;
  h: number;
  l: number;
  c: number;
  v: number;
  /** vw * v, to aggregate the volume-weighted price. */
  pv: number;
  vw: number;
  n: number;
  /** The bar's own result row as JSON, encoded once when bars are loaded (1/minute responses). */
  json: string;
}

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const RATE_LIMIT_MESSAGE =
  "You've exceeded the maximum requests per minute, please wait or upgrade your subscription to continue. https://polygon.io/pricing";

function toBase(b: FakeBarInput): BaseBar {
  const vw = b.vwap ?? (b.high + b.low + b.close) / 3;
  const base = { t: b.timestamp.getTime(), o: b.open, h: b.high, l: b.low, c: b.close, v: b.volume, pv: vw * b.volume, vw, n: b.tradeCount ?? 1, json: '' };
  base.json = JSON.stringify(finish(base));
  return base;
}

function prepare(bars: readonly FakeBarInput[]): BaseBar[] {
  const out = bars.map(toBase).sort((a, b) => a.t - b.t);
  // Keep one bar per timestamp (last wins) so the fake never serves duplicates by accident.
  return out.filter((b, i) => i === out.length - 1 || out[i + 1]!.t !== b.t);
}

/** Daily bars derived from minute bars (see the header note on regular-session OHLC). */
function deriveDailyFromMinutes(minutes: readonly FakeBarInput[]): FakeBarInput[] {
  const byDate = new Map<string, BaseBar[]>();
  for (const b of prepare(minutes)) {
    const d = sessionDateOf(b.t);
    const list = byDate.get(d);
    if (list) list.push(b);
    else byDate.set(d, [b]);
  }
  const out: FakeBarInput[] = [];
  for (const [date, all] of byDate) {
    const s = getSession(date);
    const regular = s ? all.filter((b) => b.t >= s.open.getTime() && b.t < s.close.getTime()) : [];
    const px = regular.length > 0 ? regular : all;
    const v = all.reduce((a, b) => a + b.v, 0);
    const pv = all.reduce((a, b) => a + b.pv, 0);
    out.push({
      timestamp: new Date(nyMidnightUtcMs(date)),
      open: px[0]!.o,
      high: Math.max(...px.map((b) => b.h)),
      low: Math.min(...px.map((b) => b.l)),
      close: px[px.length - 1]!.c,
      volume: v,
      vwap: v > 0 ? pv / v : px[px.length - 1]!.c,
      tradeCount: all.reduce((a, b) => a + b.n, 0),
    });
  }
  return out;
}

/** Bucket-start function for a multiplier/timespan (Polygon-style alignment, see header). */
function bucketFor(multiplier: number, timespan: Timespan): (t: number) => number {
  switch (timespan) {
    case 'minute':
      return (t) => bucketStartMs(t, multiplier);
    case 'hour':
      return (t) => bucketStartMs(t, multiplier * 60);
    case 'day':
      return (t) => {
        const date = sessionDateOf(t);
        if (multiplier === 1) return nyMidnightUtcMs(date);
        const idx = Math.floor(Date.parse(`${date}T00:00:00Z`) / DAY_MS);
        return nyMidnightUtcMs(new Date((idx - (((idx % multiplier) + multiplier) % multiplier)) * DAY_MS).toISOString().slice(0, 10));
      };
    case 'week':
      return (t) => {
        const date = sessionDateOf(t);
        const dayIdx = Math.floor(Date.parse(`${date}T00:00:00Z`) / DAY_MS);
        // 1970-01-04 was a Sunday (day index 3).
        const weekIdx = Math.floor((dayIdx - 3) / 7);
        const grouped = weekIdx - (((weekIdx % multiplier) + multiplier) % multiplier);
        return nyMidnightUtcMs(new Date((grouped * 7 + 3) * DAY_MS).toISOString().slice(0, 10));
      };
    case 'month':
    case 'quarter':
    case 'year': {
      const months = multiplier * (timespan === 'month' ? 1 : timespan === 'quarter' ? 3 : 12);
      return (t) => {
        const date = sessionDateOf(t);
        const monthIdx = Number(date.slice(0, 4)) * 12 + Number(date.slice(5, 7)) - 1;
        const g = monthIdx - (monthIdx % months);
        const y = Math.floor(g / 12);
        const m = (g % 12) + 1;
        return nyMidnightUtcMs(`${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-01`);
      };
    }
  }
}

/** Exclusive end of the bucket starting at `start`. */
function bucketEnd(start: number, multiplier: number, timespan: Timespan, bucket: (t: number) => number): number {
  if (timespan === 'minute' || timespan === 'hour') {
    const span = (timespan === 'minute' ? multiplier : multiplier * 60) * MINUTE_MS;
    if (span < DAY_MS) {
      // Usually start + span; across a DST switch a bucket is an hour shorter or longer.
      let t = Math.max(start + MINUTE_MS, start + span - HOUR_MS);
      while (bucket(t) === start) t += MINUTE_MS;
      return t;
    }
  }
  // Calendar-sized buckets: walk forward by days until the bucket changes (DST-safe).
  let d = sessionDateOf(start);
  for (let i = 0; i < 400 * Math.max(1, multiplier); i++) {
    d = addDays(d, 1);
    const t = nyMidnightUtcMs(d);
    if (bucket(t) !== start) return t;
  }
  return start + multiplier * DAY_MS;
}

/** Aggregate base bars (sorted asc) into Polygon result rows. */
function aggregate(bars: readonly BaseBar[], bucket: (t: number) => number): PolygonAgg[] {
  const out: PolygonAgg[] = [];
  let cur: (PolygonAgg & { pv: number }) | null = null;
  for (const b of bars) {
    const k = bucket(b.t);
    if (cur && cur.t === k) {
      cur.h = Math.max(cur.h, b.h);
      cur.l = Math.min(cur.l, b.l);
      cur.c = b.c;
      cur.v += b.v;
      cur.pv += b.pv;
      cur.n += b.n;
      continue;
    }
    if (cur) out.push(finish(cur));
    cur = { v: b.v, vw: 0, o: b.o, c: b.c, h: b.h, l: b.l, t: k, n: b.n, pv: b.pv };
  }
  if (cur) out.push(finish(cur));
  return out;
}

function finish(a: PolygonAgg & { pv: number }): PolygonAgg {
  const vw = a.v > 0 ? a.pv / a.v : a.c;
  return { v: a.v, vw: Math.round(vw * 10_000) / 10_000, o: a.o, c: a.c, h: a.h, l: a.l, t: a.t, n: a.n };
}

function lowerBound(arr: readonly BaseBar[], t: number): number {
  let lo = 0;
  let hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (arr[mid]!.t < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Result rows already encoded as JSON, spliced into the body by encodeBody. */
class RawRows {
  constructor(readonly rows: string[]) {}
}

function encodeBody(body: Record<string, unknown>): string {
  const raw = body.results instanceof RawRows ? body.results.rows : null;
  if (!raw) return JSON.stringify(body);
  // Keys keep Polygon's order; `[]` marks where the rows go (no other value can contain it).
  const [head, tail] = JSON.stringify({ ...body, results: [] }).split('"results":[]');
  return `${head}"results":[${raw.join(',')}]${tail}`;
}

/** Not JSON: a proxy's error page glued to binary noise. */
const GARBAGE = Buffer.concat([Buffer.from('<html><body>upstream said: '), Buffer.from([0xff, 0xfe, 0x00, 0x9c, 0x7b, 0x22])]);
const HUGE_PAGE_ROWS = 100_000;

/** The page as `wrong-types` and `huge-page` send it; any other fault leaves it alone. */
function corrupt(body: Record<string, unknown>, fault: FaultAction): Record<string, unknown> {
  if (!(body.results instanceof RawRows)) return body;
  const rows = body.results.rows;
  if (fault.type === 'wrong-types') {
    const broken = rows.map((json) => {
      const r = JSON.parse(json) as PolygonAgg;
      return JSON.stringify({ ...r, o: String(r.o), h: String(r.h), l: String(r.l), c: String(r.c), v: null });
    });
    return { ...body, results: new RawRows(broken) };
  }
  if (fault.type === 'huge-page') {
    const count = fault.rows ?? HUGE_PAGE_ROWS;
    const huge = Array.from({ length: count }, (_, i) => rows[i % rows.length]!);
    return { ...body, resultsCount: count, count, results: new RawRows(huge) };
  }
  return body;
}

function requestId(): string {
  return randomBytes(16).toString('hex');
}

function encodeCursor(params: Record<string, string>): string {
  return Buffer.from(new URLSearchParams(params).toString()).toString('base64url');
}

function decodeCursor(cursor: string): URLSearchParams | null {
  try {
    return new URLSearchParams(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function parseTimeParam(value: string, name: 'from' | 'to'): { kind: 'date'; date: string } | { kind: 'ms'; ms: number } {
  if (/^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(Date.parse(`${value}T00:00:00Z`))) return { kind: 'date', date: value };
  if (/^\d{1,16}$/.test(value)) return { kind: 'ms', ms: Number(value) };
  throw new HttpError(400, `Could not parse the time parameter: '${name}'. Use YYYY-MM-DD or Unix MS Timestamps`);
}

interface AggsResponse {
  status: number;
  body: Record<string, unknown>;
  ticker: string;
}

/** Start the fake server. Resolves once it listens. */
export async function startFakePolygon(options: FakePolygonOptions): Promise<FakePolygon> {
  const minute = new Map<string, BaseBar[]>();
  const dailyGiven = new Map<string, BaseBar[]>();
  const dailyDerived = new Map<string, BaseBar[]>();
  for (const [t, bars] of Object.entries(options.minuteBars)) minute.set(t, prepare(bars));
  for (const [t, bars] of Object.entries(options.dailyBars ?? {})) dailyGiven.set(t, prepare(bars));

  const dailyOf = (ticker: string): BaseBar[] => {
    const given = dailyGiven.get(ticker);
    if (given) return given;
    let derived = dailyDerived.get(ticker);
    if (!derived) {
      derived = prepare(deriveDailyFromMinutes((minute.get(ticker) ?? []).map(fromBase)));
      dailyDerived.set(ticker, derived);
    }
    return derived;
  };

  const defaultLimit = options.defaultLimit ?? 5000;
  const maxLimit = options.maxLimit ?? 50_000;
  const requests: RequestLog[] = [];
  let counter = 0;
  let planBase = 0;
  let plan: FaultPlan | undefined = options.faults;
  let rng = plan?.random ? seededRandom(plan.random.seed) : null;
  const timers = new Set<NodeJS.Timeout>();
  let baseUrl = '';

  const pickFault = (n: number): FaultAction | undefined => {
    if (!plan) return undefined;
    const rel = n - planBase;
    const direct = plan.byRequest?.[rel];
    if (direct) return direct;
    if (plan.random && rng && plan.random.actions.length > 0 && rng() < plan.random.probability) {
      return plan.random.actions[Math.floor(rng() * plan.random.actions.length)];
    }
    return undefined;
  };

  const handleAggs = (url: URL, req: http.IncomingMessage): AggsResponse => {
    const m = /^\/v2\/aggs\/ticker\/([^/]+)\/range\/([^/]+)\/([^/]+)\/([^/]+)\/([^/]+)\/?$/.exec(url.pathname);
    if (!m) {
      return { status: 404, ticker: '', body: { status: 'NOT_FOUND', request_id: requestId(), message: 'The requested resource was not found' } };
    }
    const ticker = decodeURIComponent(m[1] ?? '');
    const auth = req.headers.authorization;
    const key = url.searchParams.get('apiKey') ?? (auth?.startsWith('Bearer ') ? auth.slice(7).trim() : null);
    if (!key) return { status: 401, ticker, body: { status: 'ERROR', request_id: requestId(), error: 'API Key was not provided' } };
    if (options.apiKey !== undefined && key !== options.apiKey) {
      return { status: 401, ticker, body: { status: 'ERROR', request_id: requestId(), error: 'Unknown API Key' } };
    }

    const multiplier = Number(m[2]);
    if (!Number.isInteger(multiplier) || multiplier < 1) throw new HttpError(400, `Invalid multiplier '${m[2]}'`);
    const timespan = m[3] as Timespan;
    if (!TIMESPANS.includes(timespan)) throw new HttpError(400, `Invalid timespan '${m[3]}'. Use one of ${TIMESPANS.join(', ')}`);
    const fromP = parseTimeParam(m[4] ?? '', 'from');
    const toP = parseTimeParam(m[5] ?? '', 'to');

    // A cursor carries the original query parameters, as Polygon's does.
    const params = new URLSearchParams(url.searchParams);
    const cursor = url.searchParams.get('cursor');
    if (cursor) {
      const decoded = decodeCursor(cursor);
      if (!decoded) throw new HttpError(400, 'Invalid cursor');
      for (const [k, v] of decoded) params.set(k, v);
    }
    const adjusted = params.get('adjusted') !== 'false';
    const sort = params.get('sort') ?? 'asc';
    if (sort !== 'asc' && sort !== 'desc') throw new HttpError(400, `Invalid sort '${sort}'. Use asc or desc`);
    const limitRaw = params.get('limit');
    let limit = limitRaw === null ? defaultLimit : Number(limitRaw);
    if (!Number.isInteger(limit) || limit < 1) throw new HttpError(400, `Invalid limit '${limitRaw}'`);
    limit = Math.min(limit, maxLimit);

    const bucket = bucketFor(multiplier, timespan);
    const fromMs = bucket(fromP.kind === 'date' ? nyMidnightUtcMs(fromP.date) : fromP.ms);
    const toRaw = toP.kind === 'date' ? nyMidnightUtcMs(addDays(toP.date, 1)) - 1 : toP.ms;
    const toMs = bucketEnd(bucket(toRaw), multiplier, timespan, bucket) - 1;

    const base = timespan === 'minute' || timespan === 'hour' ? (minute.get(ticker) ?? []) : dailyOf(ticker);
    const lo = lowerBound(base, fromMs);
    const hi = lowerBound(base, toMs + 1);
    const all = base.slice(lo, Math.max(lo, hi));

    let used: BaseBar[];
    let next: { from: string; to: string } | null = null;
    if (all.length <= limit) {
      used = all;
    } else if (sort === 'asc') {
      const boundary = bucket(all[limit]!.t);
      let cut = limit;
      while (cut > 0 && bucket(all[cut - 1]!.t) === boundary) cut--;
      if (cut === 0) {
        // One bucket holds more than `limit` base bars: serve it whole so paging progresses.
        cut = limit;
        while (cut < all.length && bucket(all[cut]!.t) === boundary) cut++;
      }
      used = all.slice(0, cut);
      if (cut < all.length) next = { from: String(bucket(all[cut]!.t)), to: m[5] ?? '' };
    } else {
      const firstTaken = all.length - limit;
      const boundary = bucket(all[firstTaken - 1]!.t);
      let start = firstTaken;
      while (start < all.length && bucket(all[start]!.t) === boundary) start++;
      if (start === all.length) {
        start = firstTaken;
        while (start > 0 && bucket(all[start - 1]!.t) === boundary) start--;
      }
      used = all.slice(start);
      if (start > 0) next = { from: m[4] ?? '', to: String(bucket(all[start]!.t) - 1) };
    }

    // 1-minute bars are their own aggregates: their rows were encoded at load time, which keeps the
    // fake server's share of an ingestion benchmark small.
    const rows =
      multiplier === 1 && timespan === 'minute' && used.every((b) => b.t % MINUTE_MS === 0)
        ? used.map((b) => b.json)
        : aggregate(used, bucket).map((r) => JSON.stringify(r));
    if (sort === 'desc') rows.reverse();
    const body: Record<string, unknown> = {
      ticker,
      queryCount: used.length,
      resultsCount: rows.length,
      adjusted,
    };
    if (rows.length > 0) body.results = new RawRows(rows);
    body.status = options.status ?? 'OK';
    body.request_id = requestId();
    body.count = rows.length;
    if (next) {
      const c = encodeCursor({ adjusted: String(adjusted), limit: String(limit), sort });
      body.next_url = `${baseUrl}/v2/aggs/ticker/${encodeURIComponent(ticker)}/range/${multiplier}/${timespan}/${next.from}/${next.to}?cursor=${c}`;
    }
    return { status: 200, ticker, body };
  };

  const server = http.createServer((req, res) => {
    const n = ++counter;
    const startedAt = Date.now();
    const url = new URL(req.url ?? '/', 'http://fake');
    const redacted = new URL(url);
    if (redacted.searchParams.has('apiKey')) redacted.searchParams.set('apiKey', '***');
    const entry: RequestLog = { n, method: req.method ?? 'GET', url: redacted.pathname + redacted.search, status: 0, startedAt, durationMs: 0 };
    requests.push(entry);
    const done = (status: RequestLog['status']): void => {
      entry.status = status;
      entry.durationMs = Date.now() - startedAt;
    };
    const fault = pickFault(n);
    if (fault) entry.fault = fault.type;

    const respond = (): void => {
      if (res.destroyed || req.destroyed) return done('reset');
      if (fault?.type === 'reset') {
        req.socket.destroy();
        return done('reset');
      }
      if (fault?.type === 'status') {
        const s = fault.status;
        if (fault.body !== undefined) {
          const text = typeof fault.body === 'string' ? fault.body : JSON.stringify(fault.body);
          res.writeHead(s, { 'content-type': typeof fault.body === 'string' ? 'text/plain' : 'application/json' });
          res.end(text);
        } else if (s === 502 || s === 503 || s === 504) {
          const title = s === 502 ? 'Bad Gateway' : s === 503 ? 'Service Temporarily Unavailable' : 'Gateway Time-out';
          res.writeHead(s, { 'content-type': 'text/html' });
          res.end(`<html>\r\n<head><title>${s} ${title}</title></head>\r\n<body>\r\n<center><h1>${s} ${title}</h1></center>\r\n</body>\r\n</html>\r\n`);
        } else {
          const headers: http.OutgoingHttpHeaders = { 'content-type': 'application/json' };
          if (s === 429) headers['retry-after'] = String(fault.retryAfterSeconds ?? 1);
          res.writeHead(s, headers);
          res.end(JSON.stringify({ status: 'ERROR', request_id: requestId(), error: s === 429 ? RATE_LIMIT_MESSAGE : 'Internal server error' }));
        }
        return done(s);
      }
      let result: AggsResponse;
      try {
        result = req.method === 'GET' || req.method === 'HEAD'
          ? handleAggs(url, req)
          : { status: 405, ticker: '', body: { status: 'ERROR', request_id: requestId(), error: 'Method not allowed' } };
      } catch (err) {
        const status = err instanceof HttpError ? err.status : 500;
        result = { status, ticker: '', body: { status: 'ERROR', request_id: requestId(), error: err instanceof Error ? err.message : String(err) } };
      }
      if (result.ticker) entry.ticker = result.ticker;
      if (typeof result.body.resultsCount === 'number') entry.resultsCount = result.body.resultsCount;
      if (typeof result.body.queryCount === 'number') entry.queryCount = result.body.queryCount;
      const payload = encodeBody(fault && result.status === 200 ? corrupt(result.body, fault) : result.body);
      if (fault?.type === 'garbage') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(GARBAGE);
        return done(200);
      }
      if (fault?.type === 'truncated-json') {
        const cut = payload.slice(0, Math.floor(payload.length / 2));
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(cut) });
        res.end(cut);
        return done(200);
      }
      if (fault?.type === 'truncate') {
        res.writeHead(result.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) });
        res.write(payload.slice(0, Math.floor(payload.length / 2)));
        setImmediate(() => req.socket.destroy());
        return done('truncated');
      }
      res.writeHead(result.status, { 'content-type': 'application/json' });
      res.end(payload);
      done(result.status);
    };

    const delay = fault?.delayMs ?? 0;
    if (delay > 0) {
      const timer = setTimeout(() => {
        timers.delete(timer);
        respond();
      }, delay);
      timers.add(timer);
    } else respond();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const stream = attachStocksSocket(server, {
    seriesOf: (ticker) => minute.get(ticker) ?? [],
    tickers: () => [...minute.keys()],
    apiKey: options.apiKey,
    autoReplay: options.autoReplay,
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  baseUrl = `http://${host}:${addr.port}`;

  return {
    url: baseUrl,
    port: addr.port,
    requests,
    setFaults(next?: FaultPlan) {
      plan = next;
      planBase = counter;
      rng = next?.random ? seededRandom(next.random.seed) : null;
    },
    setMinuteBars(ticker, bars) {
      minute.set(ticker, prepare(bars));
      dailyDerived.delete(ticker);
    },
    setDailyBars(ticker, bars) {
      if (bars) dailyGiven.set(ticker, prepare(bars));
      else dailyGiven.delete(ticker);
    },
    stream,
    close() {
      stream.close();
      for (const t of timers) clearTimeout(t);
      timers.clear();
      return new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      });
    },
  };
}

function fromBase(b: BaseBar): FakeBarInput {
  return { timestamp: new Date(b.t), open: b.o, high: b.h, low: b.l, close: b.c, volume: b.v, vwap: b.vw, tradeCount: b.n };
}
