// The fake Polygon server's WebSocket side: the stocks socket at `/stocks`, speaking Polygon's protocol
// (https://polygon.io/docs/websockets, "Connect to a cluster" and "Aggregates (Per Minute)"):
//
//   server, on connect:   [{"ev":"status","status":"connected","message":"Connected Successfully"}]
//   client:               {"action":"auth","params":"KEY"}
//   server:               [{"ev":"status","status":"auth_success","message":"authenticated"}]
//                         or [{"ev":"status","status":"auth_failed","message":"authentication failed"}], then close
//   client:               {"action":"subscribe","params":"AM.SPY,AM.QQQ"}   (AM.* = every ticker)
//   server, per channel:  [{"ev":"status","status":"success","message":"subscribed to: AM.SPY"}]
//   server, each minute:  [{"ev":"AM","sym":"SPY","v":…,"av":…,"op":…,"vw":…,"o":…,"c":…,"h":…,"l":…,"a":…,"z":…,"s":…,"e":…}, …]
//
// Replay: the minute bars the REST side serves are played as a market clock, one frame per minute with
// every ticker's bar of that minute. The clock runs for everyone: a client that is away misses the
// minutes played meanwhile, as with the real feed. A minute without a trade has no bar and no event.
// Per-day fields: `av` (volume so far today), `op` (the day's first bar's open: the fake knows no
// official opening print), `a` (today's volume-weighted price so far); `z` = v / trades, rounded.
//
// Test controls: a replay script (per minute index: drop every connection and refuse new ones for N
// minutes, or send a raw frame such as a malformed one), failNextAuths(n), and the same faults on call.
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { sessionDateOf } from '../../server/ingestion/calendar';
import type { PolygonAgg } from './polygon-agg';

/** One per-minute aggregate event exactly as Polygon's stocks socket sends it. */
export interface PolygonMinuteEvent {
  ev: 'AM';
  sym: string;
  v: number;
  av: number;
  op: number;
  vw: number;
  o: number;
  c: number;
  h: number;
  l: number;
  a: number;
  z: number;
  s: number;
  e: number;
}

type SocketFault =
  /** Close every connection (as a network drop) and refuse new ones while `outageMinutes` minutes play. */
  | { type: 'disconnect'; outageMinutes: number }
  /** Send this text as one frame to every authenticated client (e.g. something that is not JSON). */
  | { type: 'raw'; frame: string };

export interface ReplayOptions {
  /** Default: every ticker the server has minute bars for. */
  tickers?: string[];
  /** Bars with from <= start < to (Unix ms); default all. */
  from?: number;
  to?: number;
  /** Market time played per wall-clock time; 60 = one minute a second (default). */
  speed?: number;
  /** Longest wait between two minutes (nights and holidays are skipped over); default 1000 ms. */
  maxPauseMs?: number;
  /** Faults applied just before the minute of that 0-based index is played. */
  script?: Record<number, SocketFault>;
}

interface SocketLogEntry {
  at: number;
  type: 'connect' | 'refused' | 'auth_success' | 'auth_failed' | 'subscribe' | 'close';
  detail?: string;
}

export interface FakeStocksSocket {
  /** Plays the bars; resolves once the last minute was sent (or the replay was stopped). */
  replay(options?: ReplayOptions): Promise<void>;
  stopReplay(): void;
  inject(fault: SocketFault): void;
  /** The next `n` auth requests fail (whatever the key), each closing its connection. */
  failNextAuths(n: number): void;
  /** Minutes played so far by the current replay. */
  readonly minutesPlayed: number;
  /** Connections, auths, subscriptions and closes, in order (live array). */
  readonly log: SocketLogEntry[];
  close(): void;
}

interface Client {
  socket: WebSocket;
  authenticated: boolean;
  /** Tickers subscribed to with `AM.<ticker>`; '*' for all. */
  channels: Set<string>;
}

interface DayTotals {
  date: string;
  open: number;
  volume: number;
  pv: number;
}

const MINUTE_MS = 60_000;
const round4 = (x: number) => Math.round(x * 10_000) / 10_000;
const status = (value: string, message: string) => JSON.stringify([{ ev: 'status', status: value, message }]);

/** Serves the stocks socket on `server` (path /stocks); bars come from `seriesOf` (the REST side's minute bars). */
export function attachStocksSocket(
  server: http.Server,
  options: { seriesOf: (ticker: string) => readonly PolygonAgg[]; tickers: () => string[]; apiKey?: string; autoReplay?: ReplayOptions },
): FakeStocksSocket {
  const wss = new WebSocketServer({ noServer: true });
  const clients = new Set<Client>();
  const log: SocketLogEntry[] = [];
  const note = (type: SocketLogEntry['type'], detail?: string) => void log.push({ at: Date.now(), type, detail });
  let authFailures = 0;
  let refuseUntilMinute = -1;
  let minutesPlayed = 0;
  let replaying: { timer: NodeJS.Timeout | null; stop: () => void } | null = null;

  const onUpgrade = (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = new URL(req.url ?? '/', 'http://fake').pathname;
    if (path !== '/stocks') return socket.destroy();
    if (minutesPlayed < refuseUntilMinute) {
      note('refused');
      socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => accept(ws));
  };
  server.on('upgrade', onUpgrade);

  const accept = (socket: WebSocket) => {
    const client: Client = { socket, authenticated: false, channels: new Set() };
    clients.add(client);
    note('connect');
    socket.on('close', () => {
      clients.delete(client);
      note('close');
    });
    socket.on('error', () => socket.terminate());
    socket.on('message', (data) => handle(client, String(data)));
    socket.send(status('connected', 'Connected Successfully'));
  };

  const handle = (client: Client, text: string) => {
    let message: { action?: unknown; params?: unknown };
    try {
      message = JSON.parse(text) as typeof message;
    } catch {
      return client.socket.send(status('error', 'invalid message'));
    }
    const params = typeof message.params === 'string' ? message.params : '';
    if (message.action === 'auth') {
      if (authFailures > 0 || (options.apiKey !== undefined && params !== options.apiKey) || params === '') {
        authFailures = Math.max(0, authFailures - 1);
        note('auth_failed');
        client.socket.send(status('auth_failed', 'authentication failed'));
        client.socket.close(1008, 'authentication failed');
        return;
      }
      client.authenticated = true;
      note('auth_success');
      return client.socket.send(status('auth_success', 'authenticated'));
    }
    if (!client.authenticated) return client.socket.send(status('error', 'not authorized'));
    if (message.action === 'subscribe' || message.action === 'unsubscribe') {
      for (const channel of params.split(',').map((c) => c.trim()).filter(Boolean)) {
        const [kind, ticker] = channel.split('.', 2);
        if (kind === 'AM' && ticker) {
          if (message.action === 'subscribe') client.channels.add(ticker);
          else client.channels.delete(ticker);
        }
        note('subscribe', `${message.action} ${channel}`);
        client.socket.send(status('success', `${message.action}d to: ${channel}`));
      }
      if (message.action === 'subscribe' && options.autoReplay && !replaying) void replay(options.autoReplay);
      return;
    }
    client.socket.send(status('error', `unknown action: ${String(message.action)}`));
  };

  const inject = (fault: SocketFault) => {
    if (fault.type === 'raw') {
      for (const c of clients) if (c.authenticated) c.socket.send(fault.frame);
      return;
    }
    refuseUntilMinute = minutesPlayed + fault.outageMinutes;
    // terminate(): the TCP connection just drops, without a closing handshake, like a network failure.
    for (const c of clients) c.socket.terminate();
  };

  const send = (events: PolygonMinuteEvent[]) => {
    for (const c of clients) {
      if (!c.authenticated) continue;
      const mine = c.channels.has('*') ? events : events.filter((e) => c.channels.has(e.sym));
      if (mine.length > 0) c.socket.send(JSON.stringify(mine));
    }
  };

  const replay = (replayOptions: ReplayOptions = {}): Promise<void> => {
    replaying?.stop();
    const speed = replayOptions.speed ?? 60;
    const maxPauseMs = replayOptions.maxPauseMs ?? 1000;
    const from = replayOptions.from ?? -Infinity;
    const to = replayOptions.to ?? Infinity;
    const minutes = new Map<number, { ticker: string; bar: PolygonAgg }[]>();
    for (const ticker of replayOptions.tickers ?? options.tickers()) {
      for (const bar of options.seriesOf(ticker)) {
        if (bar.t < from || bar.t >= to) continue;
        const list = minutes.get(bar.t);
        if (list) list.push({ ticker, bar });
        else minutes.set(bar.t, [{ ticker, bar }]);
      }
    }
    const timeline = [...minutes.entries()].sort((a, b) => a[0] - b[0]);
    const days = new Map<string, DayTotals>();
    minutesPlayed = 0;
    refuseUntilMinute = -1;

    return new Promise<void>((resolve) => {
      const state: { timer: NodeJS.Timeout | null; stop: () => void } = {
        timer: null,
        stop: () => {
          if (state.timer) clearTimeout(state.timer);
          if (replaying === state) replaying = null;
          resolve();
        },
      };
      replaying = state;
      const play = (i: number) => {
        if (i >= timeline.length) return state.stop();
        const fault = replayOptions.script?.[i];
        if (fault) inject(fault);
        const [start, entries] = timeline[i]!;
        send(entries.map(({ ticker, bar }) => minuteEvent(ticker, bar, days)));
        minutesPlayed = i + 1;
        const next = timeline[i + 1];
        const wait = next ? Math.min(maxPauseMs, (next[0] - start) / speed) : 0;
        state.timer = setTimeout(() => play(i + 1), wait);
      };
      play(0);
    });
  };

  return {
    replay,
    stopReplay: () => replaying?.stop(),
    inject,
    failNextAuths(n) {
      authFailures = n;
    },
    get minutesPlayed() {
      return minutesPlayed;
    },
    log,
    close() {
      replaying?.stop();
      server.off('upgrade', onUpgrade);
      for (const c of clients) c.socket.terminate();
      wss.close();
    },
  };
}

/** The AM event of one bar, with the day's running totals (keyed per ticker and New York session date). */
function minuteEvent(ticker: string, bar: PolygonAgg, days: Map<string, DayTotals>): PolygonMinuteEvent {
  const date = sessionDateOf(bar.t);
  let day = days.get(ticker);
  if (!day || day.date !== date) {
    day = { date, open: bar.o, volume: 0, pv: 0 };
    days.set(ticker, day);
  }
  day.volume += bar.v;
  day.pv += bar.vw * bar.v;
  return {
    ev: 'AM',
    sym: ticker,
    v: bar.v,
    av: day.volume,
    op: day.open,
    vw: round4(bar.vw),
    o: bar.o,
    c: bar.c,
    h: bar.h,
    l: bar.l,
    a: day.volume > 0 ? round4(day.pv / day.volume) : bar.c,
    z: bar.n > 0 ? Math.round(bar.v / bar.n) : 0,
    s: bar.t,
    e: bar.t + MINUTE_MS,
  };
}
