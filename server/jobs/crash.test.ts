// kill -9 of a real server mid-backfill and mid-feature-job: another live instance picks the job
// up again, and the bars and features stored equal those of a clean, uninterrupted run (no
// duplicates, no holes).
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_TICKERS, sessionsBetween, simulateMinuteBars } from '../demo/market-simulator';
import { FeatureRepository } from '../features/repository';
import { FeatureService } from '../features/service';
import { IngestionRepository } from '../ingestion/repository';
import { IngestionService } from '../ingestion/service';
import { MarketDataRepository } from '../market-data/repository';
import { createTestDatabase, type TestDatabase } from '../testing/db';
import { startServerProcess, type ServerProcess } from '../testing/server-process';
import { startFakePolygon, type FakePolygon } from '../../tooling/fake-polygon/server';

const FROM = '2025-01-02';
const TO = '2025-08-29'; // 8 monthly windows of 1m bars
const spy = DEMO_TICKERS.find((t) => t.ticker === 'SPY')!;
const bars = simulateMinuteBars(spy, sessionsBetween(FROM, TO), 7);

let db: TestDatabase;
let clean: TestDatabase;
let fake: FakePolygon;
let adminKey: string;
let runId: string;
/** Holds the features table from before the second instance starts until its feature job is killed. */
let locker: pg.Client;
const servers: ServerProcess[] = [];

async function start(): Promise<ServerProcess> {
  const server = await startServerProcess(db.url, {
    POLYGON_API_KEY: 'k',
    POLYGON_BASE_URL: fake.url,
    POLYGON_PLAN: 'developer',
    POLYGON_PACING: 'off',
    // A job whose worker died is retried 15 s after it started (found within a second, retried
    // 1-2 s later): longer than the whole backfill, so no run is cut into slices here.
    JOB_EXPIRE_SECONDS: '15',
    JOB_RETRY_DELAY_SECONDS: '1',
    JOB_MAINTENANCE_SECONDS: '1',
    JOB_POLL_SECONDS: '0.5',
  });
  servers.push(server);
  return server;
}

/** Every stored row of SPY 1m as one fingerprint (bars or features), bookkeeping columns left out. */
async function fingerprint(pool: pg.Pool, table: 'market_data' | 'features') {
  const { rows } = await pool.query<{ n: number; distinct: number; hash: string }>(
    `SELECT count(*)::int AS n, count(DISTINCT "timestamp")::int AS distinct,
            md5(string_agg((to_jsonb(t) - 'created_at' - 'updated_at')::text, '|' ORDER BY "timestamp")) AS hash
     FROM ${table} t WHERE ticker = 'SPY' AND timeframe = '1m'`,
  );
  return rows[0]!;
}

const run = async () =>
  (
    await db.pool.query<{ status: string; windows_done: number; windows_total: number }>(
      `SELECT status, windows_done, windows_total FROM ingestion_runs WHERE id = $1`,
      [runId],
    )
  ).rows[0]!;
const featureJobs = async () =>
  (
    await db.pool.query<{ state: string; retry_count: number }>(
      `SELECT state::text, retry_count FROM pgboss.job WHERE name = 'features-recompute' ORDER BY created_on`,
    )
  ).rows;

beforeAll(async () => {
  [db, clean] = await Promise.all([createTestDatabase(), createTestDatabase()]);
  // Every request takes 300 ms: the backfill is still running when its worker is killed.
  fake = await startFakePolygon({ minuteBars: { SPY: bars }, faults: { random: { seed: 1, probability: 1, actions: [{ type: 'delay', delayMs: 300 }] } } });

  // The reference: the same backfill and feature computation, uninterrupted, in process.
  const marketData = new MarketDataRepository(clean.pool);
  const ingestion = new IngestionService({
    repository: new IngestionRepository(clean.prisma, clean.pool),
    marketData,
    settings: {
      polygon: { apiKey: 'k', baseUrl: fake.url, plan: 'developer', requestsPerSecond: 99, pacing: 'off', maxRetries: 0 },
      refresh: { tickers: [], timeframes: [], cron: [] },
    },
  });
  fake.setFaults();
  expect((await ingestion.runBackfill({ tickers: ['SPY'], timeframes: ['1m'], from: FROM, to: TO })).status).toBe('SUCCESS');
  await new FeatureService(new FeatureRepository(clean.pool), marketData).computeFeatures({ ticker: 'SPY', timeframe: '1m', full: true });
  fake.setFaults({ random: { seed: 1, probability: 1, actions: [{ type: 'delay', delayMs: 300 }] } });
});
afterAll(async () => {
  await Promise.all(servers.map((server) => server.kill9()));
  await locker?.end().catch(() => undefined);
  await fake.close();
  await Promise.all([db.drop(), clean.drop()]);
});

describe('kill -9 mid-job', () => {
  it('mid-backfill: another instance re-runs the job from the first window not done', async () => {
    const [a, b] = await Promise.all([start(), start()]);
    adminKey = a.adminKey ?? b.adminKey!;
    const res = await fetch(`${a.url}/api/ingestion/backfill`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${adminKey}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ tickers: ['SPY'], timeframes: ['1m'], from: FROM, to: TO }),
    });
    expect(res.status).toBe(200);
    ({ runId } = (await res.json()) as { runId: string });
    const startedIn = (s: ServerProcess) => s.output().includes(`"runId":"${runId}","jobId"`);
    await expect.poll(() => [a, b].some(startedIn), { timeout: 10_000, interval: 100 }).toBe(true);
    const [worker, survivor] = startedIn(a) ? [a, b] : [b, a];
    await expect.poll(async () => (await run()).windows_done, { timeout: 20_000, interval: 100 }).toBeGreaterThanOrEqual(2);
    await worker.kill9();
    const cut = await run();
    expect(cut.windows_done).toBeLessThan(cut.windows_total);
    const partial = await fingerprint(db.pool, 'market_data');
    expect(partial.n).toBeGreaterThan(0);
    expect(partial.n).toBeLessThan(bars.length);

    // The feature job the finished backfill queues will wait on this lock (next test).
    locker = new pg.Client({ connectionString: db.url });
    await locker.connect();
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE features IN SHARE ROW EXCLUSIVE MODE');
    await expect.poll(async () => (await run()).status, { timeout: 40_000, interval: 200 }).toBe('SUCCESS');
    expect(startedIn(survivor)).toBe(true);
    expect(await run()).toMatchObject({ windows_done: 8, windows_total: 8 });
    expect(await fingerprint(db.pool, 'market_data')).toEqual(await fingerprint(clean.pool, 'market_data'));
    const windows = await db.pool.query(`SELECT status, count(*)::int AS n FROM data_ingestion_logs WHERE run_id = $1 GROUP BY status ORDER BY status`, [
      runId,
    ]);
    // Each window completed once; the one cut mid-way is logged as abandoned, not as done.
    expect(windows.rows.find((r) => r.status === 'SUCCESS')?.n).toBe(8);
    expect(windows.rows.filter((r) => r.status === 'RUNNING')).toEqual([]);
  }, 90_000); // ~36 s alone; two server starts, which take longer while the whole suite runs

  it('mid-feature-job: the job is re-run by another instance and the features equal a clean run', async () => {
    const b = servers.find((s) => s.child.exitCode === null && s.child.signalCode === null)!;
    try {
      await expect.poll(featureJobs, { timeout: 20_000, interval: 100 }).toMatchObject([{ state: 'active', retry_count: 0 }]);
      await start(); // a live instance to take over
      await b.kill9();
    } finally {
      await locker.query('COMMIT');
      await locker.end();
    }
    expect((await fingerprint(db.pool, 'features')).n).toBe(0);

    await expect.poll(featureJobs, { timeout: 30_000, interval: 200 }).toMatchObject([{ state: 'completed', retry_count: 1 }]);
    const features = await fingerprint(db.pool, 'features');
    expect(features.n).toBe(bars.length);
    expect(features).toEqual(await fingerprint(clean.pool, 'features'));
  }, 90_000); // ~31 s alone
});
