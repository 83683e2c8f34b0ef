// The hot reads (latest bar, latest predictions, signals) served from each instance's read cache:
// two app instances on one database, real HTTP. A write through either instance, or straight in
// SQL, reaches the other's cache through NOTIFY; while the listening connection is down nothing
// cached is served; access and input are checked on every request as before.
import type { AddressInfo } from 'node:net';
import type http from 'node:http';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../config';
import { RegisterModelSchema } from '../models/schema';
import { createServices, type Services } from '../services';
import { createTestDatabase, silently, type TestDatabase } from '../testing/db';
import { readJson } from '../testing/http';
import { createApp } from './app';

interface Instance {
  url: string;
  services: Services;
  close(): Promise<void>;
}

/** An app instance as `npm start` runs it (key cache and read cache on), on the shared database. */
async function startInstance(db: TestDatabase): Promise<Instance> {
  const config = loadConfig({ RATE_LIMIT_STORE: 'memory', RATE_LIMITS: 'default=100000,anonymous=100000' });
  const services = createServices({ ...db, mode: 'external', timeSeries: { timescaledb: false, extensionVersion: null } }, config);
  await Promise.all([services.auth.startKeyCache(), services.readCache.start()]);
  const app = createApp({ services, pool: db.pool, config });
  const server: http.Server = app.app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    services,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await app.close();
      await Promise.all([services.auth.stopKeyCache(), services.readCache.stop()]);
    },
  };
}

let db: TestDatabase;
let a: Instance;
let b: Instance;
let key: string;
let modelId: string;

const HOUR = 3_600_000;
const T0 = Date.UTC(2025, 2, 3, 14, 30);
const bar = (hour: number, close: number) => ({
  ticker: 'SPY',
  timeframe: '1h',
  timestamp: new Date(T0 + hour * HOUR).toISOString(),
  open: 100,
  high: 1000,
  low: 50,
  close,
  volume: 10,
});

const get = (instance: Instance, path: string, as = key) => fetch(instance.url + path, { headers: { authorization: `Bearer ${as}` } });
const getJson = async (instance: Instance, path: string) => {
  const res = await get(instance, path);
  expect(res.status).toBe(200);
  return readJson(res);
};
const post = (instance: Instance, path: string, body: unknown) =>
  fetch(instance.url + path, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });

const latestClose = async (instance: Instance) => (await getJson(instance, '/api/market-data/latest?ticker=SPY&timeframe=1h')).bar?.close;
const latestPredictionIds = async (instance: Instance) =>
  (await getJson(instance, '/api/predictions/latest?ticker=SPY&timeframe=1h')).predictions.map((p: { id: string }) => p.id);
const signalIds = async (instance: Instance) =>
  (await getJson(instance, '/api/trading/signals?ticker=SPY')).signals.map((s: { predictionId: string }) => s.predictionId);


/** Runs `write`, then waits until `instance`'s cache has taken a notification about `table`. */
async function notifiedOf<T>(instance: Instance, table: string, write: () => Promise<T>): Promise<T> {
  const spy = vi.spyOn(instance.services.readCache, 'invalidate'); // still calls through
  try {
    const result = await write();
    await expect.poll(() => spy.mock.calls.some(([changed]) => changed === table), { timeout: 5000, interval: 1 }).toBe(true);
    return result;
  } finally {
    spy.mockRestore();
  }
}

/** A prediction for SPY 1h made at `hour`, open for a day from now (so its signal is live). */
const prediction = (hour: number, direction: 'UP' | 'DOWN', confidence = 0.9) => ({
  modelId,
  ticker: 'SPY',
  timeframe: '1h',
  predictionTime: new Date(T0 + hour * HOUR).toISOString(),
  targetTime: new Date(Date.now() + 24 * HOUR).toISOString(),
  direction,
  confidence,
  basePrice: 100,
});

beforeAll(async () => {
  db = await createTestDatabase();
  [a, b] = await Promise.all([startInstance(db), startInstance(db)]);
  key = (await a.services.auth.createKey('hot-reads', ['admin'])).key;
  modelId = (await a.services.models.register(RegisterModelSchema.parse({ name: 'hot', version: '1.0.0', algorithm: 'test', ticker: 'SPY', timeframe: '1h' })))
    .id;
  await a.services.models.deploy({ modelId, alias: 'champion' }, 'hot-reads');
  expect((await post(a, '/api/market-data/bulk', { bars: [bar(0, 100)] })).status).toBe(200);
  expect((await post(a, '/api/predictions', prediction(0, 'UP'))).status).toBe(200);
});
afterAll(async () => {
  await Promise.all([a?.close(), b?.close()]);
  await db?.drop();
});

describe('hot reads from the read cache', () => {
  it('serves from memory: a change that notifies nobody is not seen', async () => {
    expect(await latestClose(a)).toBe(100);
    await silently(db.pool, `UPDATE market_data SET close = 111, high = 1000 WHERE ticker = 'SPY' AND timeframe = '1h'`);
    expect(await latestClose(a)).toBe(100); // cached (proof that it caches)
    // Any statement on the table notifies every instance, which then reads the database again.
    await notifiedOf(a, 'market_data', () => db.pool.query(`DELETE FROM market_data WHERE ticker = 'NOTHING'`));
    expect(await latestClose(a)).toBe(111);
  });

  it('shows a write through one instance on that instance at once, and on the other once the notification arrives', async () => {
    expect(await latestClose(a)).toBe(111);
    expect(await latestClose(b)).toBe(111); // both cached
    await notifiedOf(b, 'market_data', async () => {
      // The writing instance does not wait for its own notification: held back here, to be sure.
      const held = vi.spyOn(a.services.readCache, 'invalidate').mockImplementation(() => undefined);
      try {
        expect((await post(a, '/api/market-data/bulk', { bars: [bar(1, 123)] })).status).toBe(200);
        expect(await latestClose(a)).toBe(123);
      } finally {
        held.mockRestore();
      }
    });
    expect(await latestClose(b)).toBe(123); // the other: right after the NOTIFY
  });

  it('drops latest predictions and signals when a prediction or a model changes, wherever it was written', async () => {
    const first = await latestPredictionIds(a);
    expect(first).toHaveLength(1);
    expect(await signalIds(a)).toEqual(first);
    expect(await signalIds(b)).toEqual(first);

    const res = await notifiedOf(a, 'predictions', () => post(b, '/api/predictions', prediction(1, 'DOWN')));
    expect(res.status).toBe(200);
    const created = (await readJson(res)).prediction.id;
    expect(await latestPredictionIds(a)).toEqual([created]); // the model's newest
    expect(await signalIds(a)).toEqual([created]);

    // Written outside the app (psql, a script): the trigger notifies all the same.
    await notifiedOf(a, 'models', () => notifiedOf(b, 'models', () => db.pool.query(`UPDATE models SET is_active = false WHERE id = $1`, [modelId])));
    expect(await signalIds(a)).toEqual([]);
    expect(await signalIds(b)).toEqual([]);
  });

  it('serves nothing cached while its listening connection is down, and caches again once it is back', async () => {
    expect(await latestClose(a)).toBe(123);
    await db.pool.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'quantbase-listen-read_cache_changed' AND datname = current_database()`,
    );
    await expect.poll(() => a.services.readCache.live, { timeout: 5000, interval: 5 }).toBe(false);
    // Notifications sent now would be lost: reads go to the database.
    for (const close of [222, 250]) {
      await silently(db.pool, `UPDATE market_data SET close = $1 WHERE ticker = 'SPY' AND timeframe = '1h'`, [close]);
      expect(await latestClose(a)).toBe(close);
    }
    // Back (reconnected with backoff): cached again, so a silent change is not seen.
    await expect.poll(() => a.services.readCache.live, { timeout: 5000, interval: 20 }).toBe(true);
    expect(await latestClose(a)).toBe(250);
    await silently(db.pool, `UPDATE market_data SET close = 333 WHERE ticker = 'SPY' AND timeframe = '1h'`);
    expect(await latestClose(a)).toBe(250);
  });

  it('checks the key, its scope and the input on every request, cached or not', async () => {
    await getJson(a, '/api/predictions/latest?ticker=SPY&timeframe=1h'); // cached now
    expect((await fetch(`${a.url}/api/predictions/latest?ticker=SPY&timeframe=1h`)).status).toBe(401);
    const marketOnly = (await a.services.auth.createKey('market-only', ['market:read'])).key;
    const forbidden = await get(a, '/api/predictions/latest?ticker=SPY&timeframe=1h', marketOnly);
    expect(forbidden.status).toBe(403);
    expect(await readJson(forbidden)).toMatchObject({ success: false, error: expect.stringMatching(/predictions:read/) });
    expect((await get(a, '/api/market-data/latest?ticker=SPY&timeframe=1h', marketOnly)).status).toBe(200);
    const invalid = await get(a, '/api/market-data/latest?ticker=SPY&timeframe=7x');
    expect(invalid.status).toBe(400);
    expect(await readJson(invalid)).toMatchObject({ success: false, details: [expect.objectContaining({ path: 'timeframe' })] });
    expect((await get(a, '/api/trading/signals?ticker=SPY&ticker=QQQ')).status).toBe(400); // a repeated key
  });

  it('gives identical requests within 100 ms one answer, until the span ends or the data changes, and still checks each caller', async () => {
    const path = '/api/predictions/latest?ticker=SPY&timeframe=1h&limit=7';
    const procedure = vi.spyOn(a.services.predictions, 'latest'); // still calls through
    vi.useFakeTimers({ toFake: ['Date'] }); // the clock only: the servers run in this process
    try {
      const first = await getJson(a, path);
      expect(await getJson(a, path)).toEqual(first); // shared: the procedure did not run again
      expect(procedure).toHaveBeenCalledTimes(1);
      const marketOnly = (await a.services.auth.createKey('market-only-shared', ['market:read'])).key;
      expect((await get(a, path, marketOnly)).status).toBe(403);
      expect((await fetch(a.url + path)).status).toBe(401);

      vi.advanceTimersByTime(101); // the span is over
      await getJson(a, path);
      expect(procedure).toHaveBeenCalledTimes(2);

      // A change ends the sharing at once, even within the span.
      const created = await notifiedOf(a, 'predictions', async () => readJson(await post(b, '/api/predictions', prediction(3, 'DOWN'))));
      const after = await getJson(a, path);
      expect(procedure).toHaveBeenCalledTimes(3);
      expect(after.predictions.map((p: { id: string }) => p.id)).toContain(created.prediction.id);
    } finally {
      vi.useRealTimers();
      procedure.mockRestore();
    }
  });

  it('lists only predictions whose target is ahead, and drops cached rows when the first of them passes', async () => {
    const path = '/api/predictions/latest?ticker=SPY&timeframe=1h&limit=3';
    const open = (hoursAgo: number, targetInMs: number) => ({
      ...prediction(0, 'UP'),
      predictionTime: new Date(Date.now() - hoursAgo * HOUR).toISOString(),
      targetTime: new Date(Date.now() + targetInMs).toISOString(),
    });
    const later = await readJson(await post(a, '/api/predictions', open(2, 60_000)));
    const soon = await readJson(await post(a, '/api/predictions', open(1, 1_500)));
    expect((await getJson(a, path)).predictions.map((p: { id: string }) => p.id)).toEqual([soon.prediction.id]); // the model's newest open call
    await new Promise((resolve) => setTimeout(resolve, 1_700)); // its target passes; no write, no notification
    // The cached rows expired with it: the model's next open call shows, not an empty list for up to 30 s.
    expect((await getJson(a, path)).predictions.map((p: { id: string }) => p.id)).toEqual([later.prediction.id]);
  });

  it('answers exactly what the procedure answers through the REST adapter', async () => {
    const body = await getJson(b, '/api/predictions/latest?ticker=spy&timeframe=1h&limit=5');
    const predictions = await a.services.predictions.latest('SPY', '1h', 5);
    expect(predictions).toHaveLength(1);
    expect(body).toEqual({ success: true, count: 1, predictions, timestamp: expect.any(String) });
    expect(Date.now() - Date.parse(body.timestamp)).toBeLessThan(5000); // made per request, not cached
    // An empty value is dropped, as the adapter does: the default applies.
    const signals = await getJson(b, '/api/trading/signals?minConfidence=');
    expect(signals.success).toBe(true);
  });
});
