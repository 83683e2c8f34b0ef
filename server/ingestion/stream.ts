// Polygon's stocks WebSocket as a live ingestion path beside the REST backfill (issue 14).
//
// - One instance holds the stream: the holder keeps a PostgreSQL advisory lock on a connection of its
//   own; the others wait on it and the first to get it takes over when the holder stops or dies (its
//   connection closes, PostgreSQL releases the lock).
// - Protocol (Polygon's): connect (@polygon.io/client-js sends `auth` on open), read `connected` and
//   `auth_success`, subscribe to `AM.<ticker>` for every ticker, read the `success` status lines.
// - Every per-minute aggregate is stored as it arrives, in arrival order, through the backfill's own
//   validated upsert (runner.ts upsertValid -> MarketDataRepository.upsertBars).
// - A frame that is not a JSON array, or an event without the AM fields, is logged and skipped.
// - Connection lost or refused, auth failed: reconnect after a full-jitter exponential backoff.
// - Repair: after a disconnect (or on taking the stream over, from the newest stored bar), the first bar
//   of a ticker that comes more than a minute after its last bar opens a hole from that last bar to this
//   one, in Polygon's timestamps; it is queued as a REST backfill job of those session dates.
import { websocketClient } from '@polygon.io/client-js';
import { logger, type Logger } from '../logger';
import type { UpsertResult } from '../market-data/repository';
import type { Bar } from '../market-data/schema';
import { observeStream, streamBars, streamSkipped, streamReconnects } from '../metrics';
import { retryDelayMs, sleep, type BackoffOptions } from './pacing';
import { POLYGON_SOURCE, type RejectedRow } from './polygon';
import type { IngestionRepository } from './repository';
import { upsertValid, type BarsWrittenHook } from './runner';
import { PolygonMinuteEventSchema, type StreamHealth, type StreamState } from './schema';

export interface StreamSettings {
  /** The stocks socket, e.g. wss://socket.polygon.io/stocks (POLYGON_WS_URL). */
  url: string;
  apiKey: string;
  tickers: string[];
  /** Reconnect backoff: the first wait is up to baseMs, doubling up to maxMs (full jitter). */
  reconnect: BackoffOptions;
  /** How often a standby instance tries to take the stream over. Default 1000 ms. */
  takeoverPollMs?: number;
  /** Holes longer than this are left to the scheduled refresh / a backfill. Default 4 days. */
  maxRepairMs?: number;
}

/** A stretch of minutes the stream missed: the last bar before it and the first bar after it. */
export interface StreamHole {
  ticker: string;
  lastBefore: Date;
  firstAfter: Date;
}

/** The part of a W3C WebSocket the stream uses (what websocketClient(...).stocks() returns). */
interface SocketLike {
  onmessage: ((message: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: (() => void) | null;
  send(data: string): void;
  close(): void;
}

export interface StreamDeps {
  settings: StreamSettings;
  /** Where bars go, and where the newest stored bar of a ticker is read on taking over. */
  bars: { upsertBars(bars: readonly Bar[]): Promise<UpsertResult>; getLatest(ticker: string, timeframe: '1m'): Promise<{ timestamp: number } | null> };
  lock: Pick<IngestionRepository, 'withAdvisoryLock'>;
  /** Queues the REST repair of a hole (a backfill job); resolves with its run id. */
  repair: (hole: StreamHole) => Promise<string>;
  onBarsWritten?: BarsWrittenHook;
  log?: Logger;
}

const LOCK_KEY = 'polygon-stream';
const MINUTE_MS = 60_000;
const DEFAULT_MAX_REPAIR_MS = 4 * 24 * 60 * MINUTE_MS;

/**
 * Polygon's client: websocketClient(key, base).stocks() opens `${base}/stocks` and sends the auth
 * action on open. POLYGON_WS_URL names the socket itself, hence the base without `/stocks`.
 */
function polygonSocket(url: string, apiKey: string): SocketLike {
  const base = url.replace(/\/stocks\/?$/, '');
  return websocketClient(apiKey, base).stocks() as unknown as SocketLike;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export class PolygonStream {
  private readonly log: Logger;
  private readonly stopping = new AbortController();
  private loop: Promise<void> | null = null;
  private socket: SocketLike | null = null;
  /** Writes in arrival order; a failed write is logged and does not stop the next. */
  private writing: Promise<void> = Promise.resolve();
  /** Per ticker: start (Polygon ms) of the newest bar seen, and whether the stream was away since. */
  private readonly lastBar = new Map<string, number>();
  private readonly away = new Set<string>();
  private role: StreamHealth['role'] = 'off';
  private state: StreamState = 'off';
  private lastMessageAt: number | null = null;
  private lastBarEnd: number | null = null;
  private lastError: string | null = null;
  private reconnects = 0;
  private stored = 0;
  private skipped = 0;
  private repairsQueued = 0;

  constructor(private readonly deps: StreamDeps) {
    this.log = (deps.log ?? logger).child({ component: 'polygon-stream' });
  }

  /** Starts competing for the stream in the background; stop() ends it. */
  start(): void {
    if (this.loop) return;
    observeStream(() => this.health());
    this.role = 'standby';
    this.loop = this.compete();
  }

  /** Closes the socket, releases the lock and waits for the writes in flight. */
  async stop(): Promise<void> {
    this.stopping.abort(new Error('stream stopped'));
    this.socket?.close();
    await this.loop;
    await this.writing;
    this.role = 'off';
    this.state = 'off';
  }

  health(): StreamHealth {
    const now = Date.now();
    return {
      enabled: this.loop !== null,
      role: this.role,
      state: this.state,
      url: this.deps.settings.url,
      tickers: this.deps.settings.tickers,
      lastMessageAt: this.lastMessageAt === null ? null : new Date(this.lastMessageAt).toISOString(),
      lastBarEnd: this.lastBarEnd === null ? null : new Date(this.lastBarEnd).toISOString(),
      lagSeconds: this.lastBarEnd === null ? null : Math.max(0, Math.round((now - this.lastBarEnd) / 100) / 10),
      barsStored: this.stored,
      eventsSkipped: this.skipped,
      reconnects: this.reconnects,
      repairsQueued: this.repairsQueued,
      lastError: this.lastError,
    };
  }

  /** Waits for the lock, streams while holding it, and waits again if it is lost. */
  private async compete(): Promise<void> {
    const signal = this.stopping.signal;
    let failures = 0;
    while (!signal.aborted) {
      try {
        await this.deps.lock.withAdvisoryLock(LOCK_KEY, 'wait', (lockLost) => this.hold(lockLost), {
          signal,
          pollMs: this.deps.settings.takeoverPollMs ?? 1000,
        });
        failures = 0;
      } catch (error) {
        if (signal.aborted) break;
        // The database is away (the lock's connection failed): try again, as a standby.
        this.lastError = `lock: ${errorText(error)}`;
        this.log.warn({ err: error }, 'stream lock lost or unavailable; competing again');
        await sleep(retryDelayMs(failures++, undefined, this.deps.settings.reconnect), signal).catch(() => undefined);
      } finally {
        this.role = signal.aborted ? 'off' : 'standby';
        this.state = signal.aborted ? 'off' : 'standby';
      }
    }
  }

  /** Holds the stream until stopped or the lock's connection fails: connect, and reconnect with backoff. */
  private async hold(lockLost: AbortSignal): Promise<void> {
    const signal = AbortSignal.any([this.stopping.signal, lockLost]);
    this.role = 'holder';
    this.log.info({ tickers: this.deps.settings.tickers }, 'holding the Polygon stream');
    await this.loadLastBars();
    // Failed attempts in a row: a connection that got as far as subscribing starts the count again.
    let failures = 0;
    while (!signal.aborted) {
      const subscribed = await this.session(signal);
      if (signal.aborted) break;
      failures = subscribed ? 0 : failures + 1;
      const wait = retryDelayMs(Math.max(0, failures - 1), undefined, this.deps.settings.reconnect);
      this.state = 'reconnecting';
      this.reconnects++;
      streamReconnects.inc();
      this.log.info({ waitMs: wait, failures }, 'stream reconnecting');
      await sleep(wait, signal).catch(() => undefined);
    }
    await this.writing;
  }

  /** The newest stored bar of each ticker: after a takeover or restart the hole starts there. */
  private async loadLastBars(): Promise<void> {
    for (const ticker of this.deps.settings.tickers) {
      const latest = await this.deps.bars.getLatest(ticker, '1m');
      const known = this.lastBar.get(ticker);
      if (latest && (known === undefined || latest.timestamp > known)) this.lastBar.set(ticker, latest.timestamp);
      this.away.add(ticker);
    }
  }

  /** One connection, from open to close. Resolves true if it got as far as subscribing. */
  private session(signal: AbortSignal): Promise<boolean> {
    const { url, apiKey, tickers } = this.deps.settings;
    return new Promise<boolean>((resolve) => {
      let subscribed = false;
      let socket: SocketLike;
      this.state = 'connecting';
      try {
        socket = polygonSocket(url, apiKey);
      } catch (error) {
        this.lastError = `connect: ${errorText(error)}`;
        resolve(false);
        return;
      }
      this.socket = socket;
      const onAbort = () => socket.close();
      signal.addEventListener('abort', onAbort, { once: true });
      // onopen stays Polygon's client's own: it sends the auth action.
      // The W3C error event carries no detail; the close that follows has the code.
      socket.onerror = () => {
        this.lastError = 'socket: connection failed or lost';
      };
      socket.onclose = ({ code, reason }) => {
        signal.removeEventListener('abort', onAbort);
        if (this.socket === socket) this.socket = null;
        for (const ticker of this.lastBar.keys()) this.away.add(ticker);
        if (!signal.aborted) this.log.warn({ code, reason }, 'stream connection closed');
        resolve(subscribed);
      };
      socket.onmessage = ({ data }) => {
        this.lastMessageAt = Date.now();
        const frame = typeof data === 'string' ? data : String(data);
        let events: unknown;
        try {
          events = JSON.parse(frame);
        } catch {
          events = undefined;
        }
        if (!Array.isArray(events)) return this.skip('frame is not a JSON array', frame);
        const bars: Bar[] = [];
        for (const event of events as unknown[]) {
          const ev = (event as { ev?: unknown } | null)?.ev;
          if (ev === 'status') {
            const { status, message } = event as { status?: unknown; message?: unknown };
            if (this.onStatus(String(status), String(message ?? ''), socket, tickers)) subscribed = true;
          } else if (ev === 'AM') {
            const bar = this.toBar(event);
            if (bar) bars.push(bar);
          } else this.skip('unknown event', JSON.stringify(event));
        }
        if (bars.length > 0) this.receive(bars);
      };
    });
  }

  /** Reacts to a status line; true once a subscription was confirmed. */
  private onStatus(status: string, message: string, socket: SocketLike, tickers: string[]): boolean {
    switch (status) {
      case 'connected':
        this.state = 'authenticating';
        return false;
      case 'auth_success':
        this.state = 'subscribing';
        socket.send(JSON.stringify({ action: 'subscribe', params: tickers.map((t) => `AM.${t}`).join(',') }));
        return false;
      case 'auth_failed':
        this.lastError = `auth_failed: ${message}`;
        this.log.error({ message }, 'Polygon refused the API key on the stream; retrying with backoff');
        socket.close();
        return false;
      case 'success':
        this.state = 'streaming';
        this.lastError = null;
        this.log.info({ message }, 'stream subscribed');
        return true;
      default:
        // e.g. max_connections (another connection with this key took over) or error.
        this.lastError = `${status}: ${message}`;
        this.log.warn({ status, message }, 'stream status');
        return false;
    }
  }

  private toBar(event: unknown): Bar | null {
    const parsed = PolygonMinuteEventSchema.safeParse(event);
    if (!parsed.success) {
      this.skip(`AM event: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`, JSON.stringify(event));
      return null;
    }
    const e = parsed.data;
    return { ticker: e.sym, timeframe: '1m', timestamp: new Date(e.s), open: e.o, high: e.h, low: e.l, close: e.c, volume: e.v, vwap: e.vw ?? null, tradeCount: null, source: POLYGON_SOURCE };
  }

  private skip(reason: string, frame: string): void {
    this.skipped++;
    streamSkipped.inc();
    this.log.warn({ reason, frame: frame.slice(0, 200) }, 'stream frame skipped');
  }

  /** Notes holes (in arrival order, by Polygon's timestamps) and queues the bars' write. */
  private receive(bars: Bar[]): void {
    const maxRepairMs = this.deps.settings.maxRepairMs ?? DEFAULT_MAX_REPAIR_MS;
    for (const bar of bars) {
      const t = bar.timestamp.getTime();
      const before = this.lastBar.get(bar.ticker);
      if (this.away.delete(bar.ticker) && before !== undefined && t - before > MINUTE_MS) {
        const hole = { ticker: bar.ticker, lastBefore: new Date(before), firstAfter: bar.timestamp };
        if (t - before <= maxRepairMs) this.queueRepair(hole);
        else this.log.warn(hole, 'stream hole too long to repair from the stream; left to the refresh');
      }
      if (before === undefined || t > before) this.lastBar.set(bar.ticker, t);
      this.lastBarEnd = Math.max(this.lastBarEnd ?? 0, t + MINUTE_MS);
    }
    this.writing = this.writing.then(() => this.store(bars));
  }

  private queueRepair(hole: StreamHole): void {
    this.repairsQueued++;
    this.deps
      .repair(hole)
      .then((runId) => this.log.info({ ...hole, runId }, 'stream hole: repair queued'))
      .catch((error: unknown) => {
        this.lastError = `repair: ${errorText(error)}`;
        this.log.error({ err: error, ...hole }, 'stream hole: could not queue the repair');
      });
  }

  private async store(bars: Bar[]): Promise<void> {
    const rejected: RejectedRow[] = [];
    let written: { result: UpsertResult; valid: Bar[] };
    try {
      written = await upsertValid(this.deps.bars, bars, rejected);
    } catch (error) {
      // The database is away: these bars are lost here. Each ticker counts as away from just before
      // them, so its next bar opens a hole that the repair fills.
      this.lastError = `store: ${errorText(error)}`;
      this.log.error({ err: error, bars: bars.length }, 'stream bars not stored');
      for (const bar of bars) {
        const before = bar.timestamp.getTime() - MINUTE_MS;
        this.lastBar.set(bar.ticker, Math.min(before, this.lastBar.get(bar.ticker) ?? before));
        this.away.add(bar.ticker);
      }
      return;
    }
    const { result, valid } = written;
    this.stored += valid.length;
    for (const bar of valid) streamBars.inc({ ticker: bar.ticker });
    for (const r of rejected) this.skip(`bar refused: ${r.reason}`, r.t === null ? '' : new Date(r.t).toISOString());
    if (result.inserted + result.updated === 0) return;
    for (const ticker of new Set(valid.map((b) => b.ticker))) {
      const first = Math.min(...valid.filter((b) => b.ticker === ticker).map((b) => b.timestamp.getTime()));
      try {
        await this.deps.onBarsWritten?.(ticker, '1m', new Date(first));
      } catch (error) {
        this.log.error({ err: error, ticker }, 'onBarsWritten hook failed');
      }
    }
  }
}
