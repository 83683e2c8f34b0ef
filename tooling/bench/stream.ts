// Issue 14's latency figure: 50 SSE subscribers of GET /api/stream while bars are written at 100 a
// second through the real upsert (one bar per transaction), timed from the moment the writer sends
// COMMIT to each subscriber's receipt of the event; beside it, in the same run, a bare PostgreSQL
// NOTIFY (autocommit, so the statement is its commit) timed from send to a LISTENing client's
// receipt, at the same rate. The server runs in this process on a loopback port, the subscribers in
// a worker thread (stream-subscribers.ts), so their parsing does not queue behind the server's
// fan-out on one event loop; times are epoch ms from performance.timeOrigin, one clock for both.
// The bench's ticker and its events are removed afterwards.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { AddressInfo } from 'node:net';
import { Worker } from 'node:worker_threads';
import pg from 'pg';
import { loadConfig } from '../../server/config';
import type { Database } from '../../server/db/database';
import type { ReadPool } from '../../server/db/read-router';
import { createApp } from '../../server/http/app';
import { MarketDataRepository } from '../../server/market-data/repository';
import { createServices } from '../../server/services';
import { withScratchTicker } from './scratch-series';

export const STREAM_SUBSCRIBERS = 50;
export const STREAM_BARS_PER_SECOND = 100;
/** The target: the stream's p50 within this many times the bare NOTIFY's p50. */
export const STREAM_TARGET_RATIO = 3;
const TICKER = 'ZZSTREAMBENCH';
const NOTIFY_CHANNEL = 'bench_notify_round_trip';
const T0 = Date.UTC(2020, 0, 2, 14, 30);

interface Latencies {
  p50: number;
  p99: number;
  samples: number;
}

export interface StreamBenchResult {
  stream: Latencies;
  notify: Latencies;
  bars: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function latencies(samples: number[]): Latencies {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
  return { p50: at(0.5), p99: at(0.99), samples: sorted.length };
}

/** Calls `task(i)` at `perSecond`, on schedule (not waiting for the previous one), for `count` ticks. */
async function paced(count: number, perSecond: number, task: (i: number) => Promise<void>): Promise<void> {
  const started = performance.now();
  const running: Promise<void>[] = [];
  for (let i = 0; i < count; i += 1) {
    const wait = started + (i * 1000) / perSecond - performance.now();
    if (wait > 0) await sleep(wait);
    running.push(task(i));
  }
  await Promise.all(running);
}

/** The pool the writer uses, calling `onCommit` as each transaction's COMMIT is sent. */
function commitTimingPool(pool: pg.Pool, onCommit: () => void): ReadPool {
  return {
    query: pool.query.bind(pool) as ReadPool['query'],
    connect: (async () => {
      const client = await pool.connect();
      const query = client.query.bind(client) as (...args: unknown[]) => unknown;
      return Object.assign(Object.create(client) as pg.PoolClient, {
        query: (...args: unknown[]) => {
          if (args[0] === 'COMMIT') onCommit();
          return query(...args);
        },
        release: client.release.bind(client),
      });
    }) as ReadPool['connect'],
  };
}

async function notifyRoundTrips(db: Pick<Database, 'pool'>, count: number): Promise<number[]> {
  const listener = new pg.Client(db.pool.options);
  await listener.connect();
  const sentAt = new Map<string, number>();
  const samples: number[] = [];
  listener.on('notification', (n) => {
    const sent = sentAt.get(n.payload ?? '');
    if (sent !== undefined) samples.push(performance.now() - sent);
  });
  await listener.query(`LISTEN ${NOTIFY_CHANNEL}`);
  try {
    await paced(count, STREAM_BARS_PER_SECOND, async (i) => {
      sentAt.set(String(i), performance.now());
      await db.pool.query(`SELECT pg_notify('${NOTIFY_CHANNEL}', $1)`, [String(i)]);
    });
    await sleep(500);
  } finally {
    await listener.end();
  }
  return samples;
}

export async function benchStream(db: Database, seconds: number): Promise<StreamBenchResult> {
  const config = loadConfig({ ...process.env, STREAM_MAX_CONNECTIONS_PER_KEY: String(STREAM_SUBSCRIBERS), RATE_LIMIT_STORE: 'memory', LOG_LEVEL: 'silent' });
  const services = createServices(db, config);
  await services.auth.startKeyCache();
  await services.events.start();
  const http = createApp({ services, pool: db.pool, config });
  const server = http.app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const { key, info } = await services.auth.createKey('bench-stream', ['market:read'], new Date(Date.now() + 3_600_000));
  const count = Math.round(seconds * STREAM_BARS_PER_SECOND);
  // A worker does not inherit tsx's loader: it registers it, then loads the TypeScript entry.
  const entry = new URL('./stream-subscribers.ts', import.meta.url).href;
  const subscribers = new Worker(`import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(entry)}); })`, {
    eval: true,
    workerData: { url: `${url}/api/stream?channels=bars:${TICKER}:1m`, key, subscribers: STREAM_SUBSCRIBERS, t0: T0 },
  });
  // Listened for at once: a message nobody listens for yet is dropped.
  const subscribed = new Promise<void>((resolve, reject) => {
    subscribers.once('message', () => resolve());
    subscribers.once('error', reject);
  });
  subscribed.catch(() => undefined); // awaited below; a failure before then is not unhandled
  try {
    return await withScratchTicker(db.pool, TICKER, async () => {
      // Bar i is stamped T0 + i minutes: its event's timestamp says which commit it belongs to.
      const committedAt = new Map<number, number>();
      const writing = new AsyncLocalStorage<number>();
      const bars = new MarketDataRepository(commitTimingPool(db.pool, () => committedAt.set(writing.getStore()!, performance.timeOrigin + performance.now())));
      await subscribed;
      const notify = latencies(await notifyRoundTrips(db, count));
      await paced(count, STREAM_BARS_PER_SECOND, async (i) => {
        const price = 100 + (i % 50) / 10;
        const bar = {
          ticker: TICKER,
          timeframe: '1m' as const,
          timestamp: new Date(T0 + i * 60_000),
          open: price,
          high: price + 0.5,
          low: price - 0.5,
          close: price,
          volume: 1000,
        };
        await writing.run(i, () => bars.upsertBars([bar]));
      });
      await sleep(1000);
      subscribers.postMessage('finish');
      const { receipts } = await new Promise<{ receipts: Array<[number, number]> }>((resolve) => subscribers.once('message', resolve));
      const samples = receipts.flatMap(([index, receivedAt]) => {
        const committed = committedAt.get(index);
        return committed === undefined ? [] : [receivedAt - committed];
      });
      return { stream: latencies(samples), notify, bars: count };
    });
  } finally {
    await subscribers.terminate();
    await services.events.stop();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await http.close();
    await services.auth.stopKeyCache();
    await services.auth.revokeKey(info.id);
    await db.pool.query(`DELETE FROM events WHERE ticker = $1`, [TICKER]);
  }
}
