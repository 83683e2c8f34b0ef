// Fault: PostgreSQL restarts under load. An app on a cluster of its own takes a steady mix of reads
// and writes; the cluster is shut down (fast shutdown, as a restart or failover does) and started
// again. While it is down every request must fail fast (503 + Retry-After, well under 2 s); after it
// is back everything must work again without restarting the app; and the database must hold every
// write that was acknowledged exactly once, and no write that failed half-done.
import type { AddressInfo } from 'node:net';
import type http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDbHandles, ensureDatabase, type DbHandles } from '../db/client';
import { applyMigrations } from '../db/migrate';
import { loadConfig } from '../config';
import { createServices, type Services } from '../services';
import { startTestCluster, type TestCluster } from '../testing/postgres';
import { createApp, type App } from './app';

const BARS_PER_WRITE = 3;
const WORKERS = 4;

interface Outcome {
  /** `read` over REST, `trpc-read` as the SPA asks (tRPC), and two writes over REST. */
  kind: 'read' | 'trpc-read' | 'bars' | 'prediction';
  /** Unique per write: the minute of its first bar, or its prediction time. */
  key: number;
  status: number;
  retryAfter: string | null;
  startedAt: number;
  ms: number;
}

let cluster: TestCluster;
let db: DbHandles;
let services: Services;
let app: App;
let server: http.Server;
let base: string;
let key: string;
let modelId: string;

beforeAll(async () => {
  cluster = await startTestCluster();
  db = createDbHandles(await ensureDatabase(cluster.adminUrl, 'quantbase'), 5);
  await applyMigrations(db.pool);
  // Limits far above the load: fast answers (cached reads, 503s while down) must not run into 429s.
  const config = loadConfig({ RATE_LIMIT_STORE: 'postgres', RATE_LIMITS: 'default=1000000' });
  services = createServices({ ...db, mode: 'external', timeSeries: { timescaledb: false, extensionVersion: null } }, config);
  await services.auth.startKeyCache();
  app = createApp({ services, pool: db.pool, config });
  server = app.app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  key = (await services.auth.createKey('load', ['market:read', 'market:write', 'predictions:read', 'predictions:write', 'models:write'])).key;
  modelId = (await services.models.register({ name: 'restart', version: '1.0.0', algorithm: 'test', ticker: 'RST', timeframe: '1m', status: 'READY', featureSet: [] })).id;
});

afterAll(async () => {
  server?.closeAllConnections();
  server?.close();
  await app?.close();
  await services?.auth.stopKeyCache();
  await db?.prisma.$disconnect();
  await db?.pool.end();
  await cluster?.stop();
});

const T0 = Date.UTC(2025, 0, 6, 14, 30);
const minute = (n: number) => new Date(T0 + n * 60_000).toISOString();

async function send(kind: Outcome['kind'], n: number): Promise<Outcome> {
  const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
  const startedAt = Date.now();
  let res: Response;
  if (kind === 'read') {
    res = await fetch(`${base}/api/market-data/latest?ticker=RST&timeframe=1m`, { headers });
  } else if (kind === 'trpc-read') {
    const input = encodeURIComponent(JSON.stringify({ json: { ticker: 'RST', timeframe: '1m' } }));
    res = await fetch(`${base}/trpc/marketData.latest?input=${input}`, { headers });
  } else if (kind === 'bars') {
    const bars = Array.from({ length: BARS_PER_WRITE }, (_, i) => ({
      ticker: 'RST', timeframe: '1m', timestamp: minute(n * BARS_PER_WRITE + i), open: 10, high: 11, low: 9, close: 10.5, volume: 100 + i,
    }));
    res = await fetch(`${base}/api/market-data/bulk`, { method: 'POST', headers, body: JSON.stringify({ bars }) });
  } else {
    const body = { modelId, ticker: 'RST', timeframe: '1m', predictionTime: minute(n), targetTime: minute(n + 5), direction: 'UP', confidence: 0.6 };
    res = await fetch(`${base}/api/predictions`, { method: 'POST', headers, body: JSON.stringify(body) });
  }
  await res.arrayBuffer();
  return { kind, key: n, status: res.status, retryAfter: res.headers.get('retry-after'), startedAt, ms: Date.now() - startedAt };
}

/** WORKERS loops sending a REST read, a bar write, a prediction write and a tRPC read in turn, until `stop()`. */
function driveLoad() {
  const outcomes: Outcome[] = [];
  let running = true;
  let next = 0;
  const kinds: Outcome['kind'][] = ['read', 'bars', 'prediction', 'trpc-read'];
  const workers = Array.from({ length: WORKERS }, async (_, w) => {
    for (let i = w; running; i += 1) outcomes.push(await send(kinds[i % kinds.length]!, next++));
  });
  return {
    outcomes,
    async stop() {
      running = false;
      await Promise.all(workers);
    },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** When the `count`-th request started at or after `since` succeeded (its start time). */
async function untilSucceeded(outcomes: Outcome[], since: number, count: number, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = outcomes.filter((o) => o.startedAt >= since && o.status < 300);
    if (ok.length >= count) return Math.min(...ok.map((o) => o.startedAt));
    if (Date.now() > deadline) throw new Error(`fewer than ${count} requests succeeded within ${timeoutMs} ms`);
    await sleep(50);
  }
}

describe('PostgreSQL restart under load', () => {
  it('answers 503 + Retry-After fast while down, recovers without a restart, loses and doubles no write', async () => {
    const load = driveLoad();
    await untilSucceeded(load.outcomes, 0, 30, 20_000); // warmed up
    const haltStarted = Date.now();
    await cluster.halt();
    const down = Date.now();
    await sleep(2_500);
    const resumeStarted = Date.now();
    await cluster.resume();
    const firstOk = await untilSucceeded(load.outcomes, resumeStarted, 1, 10_000);
    await sleep(1_500);
    const tailFrom = Date.now() - 1_000;
    await load.stop();
    const all = load.outcomes;

    const before = all.filter((o) => o.startedAt + o.ms < haltStarted);
    const whileDown = all.filter((o) => o.startedAt >= down && o.startedAt + o.ms < resumeStarted);
    const tail = all.filter((o) => o.startedAt >= tailFrom);
    expect(before.length).toBeGreaterThanOrEqual(30);
    expect(before.every((o) => o.status < 300)).toBe(true);
    // While down: every answer a fast 503 with Retry-After, never a 500 or a hang.
    expect(whileDown.length).toBeGreaterThan(20);
    expect(whileDown.every((o) => o.status === 503 && o.retryAfter === '1')).toBe(true);
    expect(new Set(whileDown.map((o) => o.kind))).toEqual(new Set(['read', 'trpc-read', 'bars', 'prediction']));
    expect(Math.max(...whileDown.map((o) => o.ms))).toBeLessThan(2_000);
    // Nothing, even what was in flight at the moment of the shutdown, is anything but a success or a 503.
    expect(all.filter((o) => o.status >= 300 && o.status !== 503)).toEqual([]);
    expect(all.filter((o) => o.status === 503 && o.retryAfter === null)).toEqual([]);
    // Back: the same app (same pool, same key cache) serves everything again.
    expect(firstOk - resumeStarted).toBeLessThan(5_000);
    expect(tail.length).toBeGreaterThan(10);
    expect(tail.filter((o) => o.status >= 300)).toEqual([]);

    // Acknowledged writes are stored exactly once; failed ones are absent or whole, never partial.
    const bars = await db.pool.query<{ minute: number; n: number }>(
      `SELECT ((extract(epoch FROM "timestamp") * 1000 - $1) / 60000)::int AS minute, count(*)::int AS n
       FROM market_data WHERE ticker = 'RST' AND timeframe = '1m' GROUP BY 1`,
      [T0],
    );
    const barsAt = new Map(bars.rows.map((r) => [r.minute, r.n]));
    const predictions = await db.pool.query<{ minute: number; n: number }>(
      `SELECT ((extract(epoch FROM prediction_time) * 1000 - $1) / 60000)::int AS minute, count(*)::int AS n
       FROM predictions WHERE model_id = $2 GROUP BY 1`,
      [T0, modelId],
    );
    const predictionsAt = new Map(predictions.rows.map((r) => [r.minute, r.n]));
    for (const o of all.filter((o) => o.kind === 'bars')) {
      const stored = Array.from({ length: BARS_PER_WRITE }, (_, i) => barsAt.get(o.key * BARS_PER_WRITE + i) ?? 0);
      if (o.status < 300) expect(stored).toEqual([1, 1, 1]);
      else expect([[0, 0, 0], [1, 1, 1]]).toContainEqual(stored);
    }
    for (const o of all.filter((o) => o.kind === 'prediction')) {
      expect(predictionsAt.get(o.key) ?? 0).toBeLessThanOrEqual(1);
      if (o.status < 300) expect(predictionsAt.get(o.key)).toBe(1);
    }
    // The key cache's LISTEN connection is back too (it reconnects with a backoff of at most 5 s).
    const listening = async () =>
      ((await db.pool.query(`SELECT 1 FROM pg_stat_activity WHERE application_name LIKE 'quantbase-listen-%' AND wait_event = 'ClientRead'`)).rowCount ?? 0) > 0;
    const listenDeadline = Date.now() + 8_000;
    while (!(await listening())) {
      expect(Date.now()).toBeLessThan(listenDeadline);
      await sleep(100);
    }

    const counts = { requests: all.length, whileDown: whileDown.length, slowestWhileDownMs: Math.max(...whileDown.map((o) => o.ms)), recoveryMs: firstOk - resumeStarted };
    console.info('restart under load', counts);
  });
});
